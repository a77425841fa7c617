"""What a closed round releases: each item's status and its tallies in blocks of at least k people.

The status is decided by the locked rule on every rating; the figures shown (and the reason's) come
only from blocks that :func:`round_feedback` releases, so no group below k is ever tallied alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from statistics import median

from pmbridge.consensus._feedback import FeedbackBlock, round_feedback
from pmbridge.consensus._model import Rating, Unable, invalid
from pmbridge.consensus._rules import Band, ConsensusRule, Scope, format_percent
from pmbridge.consensus._status import ItemStatus, round_status

NOT_RATED = "not_rated"


def block_json(block: FeedbackBlock) -> dict[str, object]:
    """One released block with its band percentages (of scorers, one decimal)."""
    scored = sum(block.counts)
    bands = {band.value: sum(block.counts[s - 1] for s in band.scores) for band in Band}
    return {
        "label": block.label,
        "groups": list(block.groups),
        "respondents": block.respondents,
        "scored": scored,
        "unable": block.unable,
        "counts": list(block.counts),
        "in_band_percent": {
            band: round(float(Fraction(100 * count, scored)), 1) if scored else 0.0
            for band, count in bands.items()
        },
    }


def _block_figures(block: FeedbackBlock) -> str:
    """``EU: 15/20 (75 %) rated 7–9, 1/20 (5 %) rated 1–3``."""
    scored = sum(block.counts)
    high, low = sum(block.counts[6:9]), sum(block.counts[0:3])

    def share(count: int) -> str:
        return format_percent(Fraction(100 * count, scored)) if scored else "0 %"

    return (
        f"{block.label}: {high}/{scored} ({share(high)}) rated 7–9, {low}/{scored} ({share(low)}) rated 1–3"
    )


def _reason(status: ItemStatus, blocks: Sequence[FeedbackBlock], rule: ConsensusRule, k: int) -> str:
    """The status's reason when every tally in it has at least k respondents; else the reason
    ``item_status(..., k=k)`` gives (it names no small group and no figure) with the figures of the
    released blocks."""
    deciding = (status.panel,) if rule.scope is Scope.WHOLE_PANEL else status.groups
    if all(tally.respondents >= k for tally in deciding):
        return status.reason
    if status.status.decided:
        raise invalid(
            f"item {status.item!r} was decided on a group of fewer than {k}",
            hint="compute statuses with round_status(ratings, rule, k=k) before releasing them",
        )
    shown = "; ".join(_block_figures(block) for block in blocks)
    return status.reason + (f" (figures released in blocks of at least {k}: {shown})" if shown else "")


def released_item(
    item: str, ratings: Sequence[Rating], status: ItemStatus | None, rule: ConsensusRule, k: int
) -> dict[str, object]:
    """One item's result: status, reason, blocks of ≥ k, the panel's tally and median when ≥ k answered."""
    if status is None or not ratings:
        return {
            "item": item,
            "status": NOT_RATED,
            "reason": f"{NOT_RATED}: nobody rated the item in this round",
            "groups": [],
            "panel": None,
        }
    blocks = round_feedback(ratings, k=k).blocks
    result: dict[str, object] = {
        "item": item,
        "status": status.status.value,
        "reason": _reason(status, blocks, rule, k),
        "groups": [block_json(b) for b in blocks],
        "panel": None,
    }
    if len(ratings) >= k:
        counts = [0] * 9
        for rating in ratings:
            if not isinstance(rating.score, Unable):
                counts[rating.score - 1] += 1
        scores = [r.score for r in ratings if not isinstance(r.score, Unable)]
        result["panel"] = {
            "respondents": len(ratings),
            "scored": sum(counts),
            "unable": len(ratings) - sum(counts),
            "counts": counts,
        }
        if scores:
            result["median"] = float(median(scores))
    return result


def released_round(
    *,
    round_: int,
    items: Sequence[str],
    ratings: Iterable[Rating],
    rule: ConsensusRule,
    k: int,
    invited: int,
    responded: int,
    first_invited: int,
    asked: Sequence[str] = (),
) -> dict[str, object]:
    """A closed round's results: participation and every item of the round, in the round's order.

    >>> from pmbridge.consensus._rules import PANEL_70
    >>> r = [Rating(f"p{i}", "g", "x", 1, 8) for i in range(5)]
    >>> out = released_round(round_=1, items=["x", "y"], ratings=r, rule=PANEL_70, k=5,
    ...                      invited=6, responded=5, first_invited=6)
    >>> [(i["item"], i["status"]) for i in out["items"]], out["retention"]
    ([('x', 'in'), ('y', 'not_rated')], 0.8333)
    """
    kept = list(ratings)
    statuses = round_status(kept, rule, k=k, asked=asked)
    by_item: Mapping[str, list[Rating]] = {i: [r for r in kept if r.item == i] for i in items}
    return {
        "round": round_,
        "invited": invited,
        "responded": responded,
        "retention": round(responded / first_invited, 4) if first_invited else 0.0,
        "items": [released_item(i, by_item[i], statuses.get(i), rule, k) for i in items],
    }
