"""The anonymised distribution a panellist sees from round 2, released only in blocks of ≥ k people.

A stakeholder group of fewer than k respondents is merged with others, and the blocks partition the
respondents, so no subtraction of shown figures isolates a group (or a person) below k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pmbridge.consensus._model import HIGHEST_SCORE, Rating, Unable, invalid

DEFAULT_K = 5
OTHER_GROUPS = "other groups"


@dataclass(frozen=True, slots=True)
class FeedbackBlock:
    """One released block: which groups it pools, how many answered, and how many gave each score.

    ``counts[s - 1]`` is the number who scored ``s``; ``unable`` those unable to score.
    """

    label: str
    groups: tuple[str, ...]
    counts: tuple[int, ...]
    unable: int

    @property
    def respondents(self) -> int:
        return sum(self.counts) + self.unable


@dataclass(frozen=True, slots=True)
class Feedback:
    """The previous round's distribution for one item; no blocks when the panel is below k."""

    item: str
    round: int
    k: int
    blocks: tuple[FeedbackBlock, ...]


def round_feedback(ratings: Sequence[Rating], *, k: int = DEFAULT_K) -> Feedback:
    """The blocks for one item's ratings in one round.

    Groups with ≥ k respondents ("unable to score" included) are shown alone; the rest pool into
    "other groups"; if that pool is still below k it joins the smallest shown group; with fewer
    than k respondents on the whole panel nothing is shown.

    >>> r = [Rating(f"e{i}", "EU", "x", 1, 8) for i in range(6)]
    >>> r += [Rating(f"c{i}", "CN", "x", 1, 2) for i in range(3)]
    >>> [(b.label, b.groups, b.respondents) for b in round_feedback(r).blocks]
    [('EU and other groups', ('CN', 'EU'), 9)]
    >>> round_feedback(r[:4]).blocks
    ()
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise invalid(f"k {k!r} is not a whole number of at least 1", hint="the study's k is usually 5")
    if not ratings:
        raise invalid("no ratings to feed back", hint="pass one item's ratings from the previous round")
    item, round_ = ratings[0].item, ratings[0].round
    by_group: dict[str, list[Rating]] = {}
    panellists: set[str] = set()
    for rating in ratings:
        if (rating.item, rating.round) != (item, round_) or rating.panellist in panellists:
            raise invalid(
                "feedback needs one item's ratings from one round, one per panellist",
                hint=f"check the rating of {rating.panellist!r} on {rating.item!r} round {rating.round}",
            )
        panellists.add(rating.panellist)
        by_group.setdefault(rating.group, []).append(rating)
    if len(ratings) < k:
        return Feedback(item, round_, k, ())
    shown = {g: [g] for g in sorted(by_group) if len(by_group[g]) >= k}
    small = sorted(g for g in by_group if len(by_group[g]) < k)
    labels = {g: g for g in shown}
    if small:
        pooled = sum(len(by_group[g]) for g in small)
        if pooled >= k or not shown:
            shown[OTHER_GROUPS] = small
            labels[OTHER_GROUPS] = OTHER_GROUPS
        else:
            smallest = min(shown, key=lambda g: (len(by_group[g]), g))
            shown[smallest] = [smallest, *small]
            labels[smallest] = f"{smallest} and {OTHER_GROUPS}"
    blocks = tuple(_block(labels[key], members, by_group) for key, members in shown.items())
    return Feedback(item, round_, k, blocks)


def _block(label: str, members: list[str], by_group: dict[str, list[Rating]]) -> FeedbackBlock:
    counts = [0] * HIGHEST_SCORE
    unable = 0
    for group in members:
        for rating in by_group[group]:
            if isinstance(rating.score, Unable):
                unable += 1
            else:
                counts[rating.score - 1] += 1
    return FeedbackBlock(label, tuple(sorted(members)), tuple(counts), unable)
