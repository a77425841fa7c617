"""Consensus status of items from one round's ratings, with the tallies and the reason that decided.

Pure arithmetic on exact fractions, so the hub, the report and an independent recount always agree;
"unable to score" ratings are counted and shown but left out of every denominator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from pmbridge.consensus._model import Rating, Score, Status, Unable, invalid
from pmbridge.consensus._rules import OUTCOMES, Band, ConsensusRule, Scope, band_of, format_percent

WHOLE_PANEL_GROUP = "*"
"""The ``group`` of the tally over the whole panel."""


@dataclass(frozen=True, slots=True)
class GroupTally:
    """One stakeholder group's (or the whole panel's) figures for one item, and its own status.

    >>> from pmbridge.consensus._model import UNABLE
    >>> from pmbridge.consensus._rules import COMET
    >>> t = GroupTally.of("clinicians", [9] * 15 + [5] * 4 + [1] + [UNABLE] * 2, rule=COMET)
    >>> t.scorers, t.unable, t.percent(Band.HIGH), t.status
    (20, 2, Fraction(75, 1), <Status.IN: 'in'>)
    >>> t.reason
    'in: 15/20 (75 %) rated 7–9 and 1/20 (5 %) rated 1–3'
    """

    group: str
    low: int
    mid: int
    high: int
    unable: int
    status: Status
    reason: str

    @classmethod
    def of(cls, group: str, scores: Iterable[Score], *, rule: ConsensusRule) -> GroupTally:
        counts = {Band.LOW: 0, Band.MID: 0, Band.HIGH: 0}
        unable = 0
        for score in scores:
            if isinstance(score, Unable):
                unable += 1
            else:
                counts[band_of(score)] += 1
        status, reason = _decide(counts, rule)
        return cls(group, counts[Band.LOW], counts[Band.MID], counts[Band.HIGH], unable, status, reason)

    @property
    def scorers(self) -> int:
        """Ratings with a 1–9 score: the denominator of every percent."""
        return self.low + self.mid + self.high

    @property
    def respondents(self) -> int:
        """Everyone who answered, "unable to score" included."""
        return self.scorers + self.unable

    def count(self, band: Band) -> int:
        return {Band.LOW: self.low, Band.MID: self.mid, Band.HIGH: self.high}[band]

    def percent(self, band: Band) -> Fraction:
        """The exact percentage of scorers in ``band`` (0 with no scorers)."""
        return Fraction(100 * self.count(band), self.scorers) if self.scorers else Fraction(0)


def _decide(counts: dict[Band, int], rule: ConsensusRule) -> tuple[Status, str]:
    scorers = sum(counts.values())
    if scorers < rule.min_scorers:
        return Status.NO_CONSENSUS, (
            f"no_consensus: {scorers} scorer{'s' if scorers != 1 else ''}, "
            f"fewer than the {rule.min_scorers} the rule needs"
        )
    held = [
        outcome
        for outcome in OUTCOMES
        if rule.clauses(outcome)
        and all(clause.holds(counts[clause.band], scorers) for clause in rule.clauses(outcome))
    ]
    if len(held) == 1:
        outcome = held[0]
        figures = " and ".join(c.describe(counts[c.band], scorers) for c in rule.clauses(outcome))
        return outcome, f"{outcome.value}: {figures}"
    if held:
        return Status.NO_CONSENSUS, f"no_consensus: both {' and '.join(s.value for s in held)} hold"
    shares = ", ".join(
        f"{counts[band]}/{scorers} ({format_percent(Fraction(100 * counts[band], scorers))}) "
        f"rated {band.label}"
        for band in (Band.HIGH, Band.MID, Band.LOW)
    )
    return Status.NO_CONSENSUS, f"no_consensus: {shares}"


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """An item's status after a round: the overall status, why, and every group's tally.

    ``groups`` is sorted by group name; ``panel`` is the tally over everyone (group ``"*"``),
    which decides under a ``whole_panel`` rule and is shown for information under ``every_group``.
    """

    item: str
    round: int
    status: Status
    reason: str
    groups: tuple[GroupTally, ...]
    panel: GroupTally
    rule_digest: str


def item_status(
    ratings: Sequence[Rating], rule: ConsensusRule, *, k: int = 1, asked: Iterable[str] = ()
) -> ItemStatus:
    """The status of one item from its ratings in one round.

    With ``k`` (the study's smallest releasable block), a tally the rule decides on (each group, or
    the whole panel) with fewer than ``k`` respondents makes the item ``no_consensus``: otherwise the
    status alone would tell what those few rated, while their figures are withheld. ``asked`` are
    the groups asked in the round: under an every-group rule one of them with no rating of the item
    has fewer than k too (else a group of none would let an item through that a group of one blocks).

    >>> from pmbridge.consensus._rules import COMET
    >>> ratings = [Rating(f"p{i}", "EU", "x", 1, 8) for i in range(14)]
    >>> ratings += [Rating(f"q{i}", "EU", "x", 1, 5) for i in range(6)]
    >>> s = item_status(ratings, COMET)
    >>> s.status, s.reason
    (<Status.IN: 'in'>, 'in: 14/20 (70 %) rated 7–9 and 0/20 (0 %) rated 1–3 in every group (EU)')
    """
    if not ratings:
        raise invalid("no ratings for the item", hint="call item_status only for items that have ratings")
    item, round_ = ratings[0].item, ratings[0].round
    seen: set[str] = set()
    by_group: dict[str, list[Score]] = {}
    for rating in ratings:
        if (rating.item, rating.round) != (item, round_):
            raise invalid(
                f"ratings of {rating.item!r} round {rating.round} mixed with {item!r} round {round_}",
                hint="pass one item's ratings from one round; round_status groups them for you",
            )
        if rating.panellist in seen:
            raise invalid(
                f"panellist {rating.panellist!r} rated {item!r} twice in round {round_}",
                hint="keep only each panellist's last rating of the round",
            )
        seen.add(rating.panellist)
        by_group.setdefault(rating.group, []).append(rating.score)
    groups = tuple(GroupTally.of(g, by_group[g], rule=rule) for g in sorted(by_group))
    panel = GroupTally.of(WHOLE_PANEL_GROUP, (r.score for r in ratings), rule=rule)
    silent = tuple(GroupTally.of(g, (), rule=rule) for g in sorted(set(asked) - set(by_group)))
    deciding = (panel,) if rule.scope is Scope.WHOLE_PANEL else (*groups, *silent)
    too_few = [t for t in deciding if t.respondents < k or not t.respondents]
    if too_few:
        status, reason = Status.NO_CONSENSUS, _too_few(too_few, k)
    elif rule.scope is Scope.WHOLE_PANEL:
        status, reason = panel.status, f"{panel.reason} over the whole panel"
    else:
        status, reason = _every_group(groups)
    return ItemStatus(item, round_, status, reason, groups, panel, rule.digest())


def _too_few(tallies: Sequence[GroupTally], k: int) -> str:
    """The reason when a deciding tally is below k: it names neither the group nor what was rated."""
    where = "the whole panel" if tallies[0].group == WHOLE_PANEL_GROUP else "a group"
    return (
        f"no_consensus: fewer than {k} answered in {where}; the rule decides only on groups of at "
        f"least {k}, so that no one's rating shows through the status"
    )


def _every_group(groups: tuple[GroupTally, ...]) -> tuple[Status, str]:
    first = groups[0].status
    if first.decided and all(g.status is first for g in groups):
        if len(groups) == 1:
            return first, f"{groups[0].reason} in every group ({groups[0].group})"
        per_group = "; ".join(f"{g.group}: {g.reason.split(': ', 1)[1]}" for g in groups)
        return first, f"{first.value} in every group: {per_group}"
    undecided = [g for g in groups if not g.status.decided]
    holdouts = "; ".join(f"{g.group}: {g.reason}" for g in (undecided or groups))
    return Status.NO_CONSENSUS, f"no_consensus: not every group agrees ({holdouts})"


def round_status(
    ratings: Iterable[Rating], rule: ConsensusRule, *, k: int = 1, asked: Iterable[str] = ()
) -> dict[str, ItemStatus]:
    """Every rated item's status in one round, keyed by item id (sorted).

    >>> from pmbridge.consensus._rules import PANEL_70
    >>> r = [Rating("a", "g", "x", 1, 9), Rating("a", "g", "y", 1, 1)]
    >>> {item: s.status.value for item, s in round_status(r, PANEL_70).items()}
    {'x': 'in', 'y': 'out'}
    """
    by_item: dict[str, list[Rating]] = {}
    rounds: set[int] = set()
    for rating in ratings:
        by_item.setdefault(rating.item, []).append(rating)
        rounds.add(rating.round)
    if len(rounds) > 1:
        raise invalid(
            f"ratings from rounds {sorted(rounds)} passed together",
            hint="pass one round's ratings at a time",
        )
    groups = tuple(asked)
    return {item: item_status(by_item[item], rule, k=k, asked=groups) for item in sorted(by_item)}
