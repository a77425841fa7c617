"""The anonymised distribution a panellist sees from round 2, released only in blocks of ≥ k people.

A stakeholder group of fewer than k respondents is merged with others, and the blocks partition the
respondents, so no subtraction of shown figures isolates a group (or a person) below k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    labels = pooled_labels({group: len(given) for group, given in by_group.items()}, k=k)
    members: dict[str, list[str]] = {}
    for group in sorted(labels):
        members.setdefault(labels[group], []).append(group)
    # a group shown (alone or with the pool joined to it) keeps its place; the pool comes last
    order = sorted(
        members, key=lambda label: (label == OTHER_GROUPS, label.removesuffix(f" and {OTHER_GROUPS}"))
    )
    blocks = tuple(_block(label, members[label], by_group) for label in order)
    return Feedback(item, round_, k, blocks)


def pooled_labels(sizes: Mapping[str, int], *, k: int) -> dict[str, str]:
    """Each group's block label given how many of it answered: groups of at least k alone, the rest
    pooled into "other groups", and a pool still below k joined to the smallest group shown; none
    at all when fewer than k answered in all.

    >>> pooled_labels({"EU": 6, "CN": 3, "PT": 2}, k=5)
    {'EU': 'EU', 'CN': 'other groups', 'PT': 'other groups'}
    >>> pooled_labels({"EU": 6, "CN": 3}, k=5)
    {'EU': 'EU and other groups', 'CN': 'EU and other groups'}
    """
    if sum(sizes.values()) < k:
        return {}
    labels = {group: group for group in sorted(sizes) if sizes[group] >= k}
    small = sorted(group for group in sizes if sizes[group] < k)
    if small:
        if sum(sizes[group] for group in small) >= k or not labels:
            labels.update({group: OTHER_GROUPS for group in small})
        else:  # the pool alone would be below k: it joins the smallest group shown
            smallest = min(labels, key=lambda group: (sizes[group], group))
            joined = f"{smallest} and {OTHER_GROUPS}"
            labels.update({group: joined for group in (smallest, *small)})
    return labels


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
