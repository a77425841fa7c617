"""Which items the next round asks about: the rule drops agreed items, the organiser adds proposals.

Kept apart from the arithmetic so the hub can show the organiser exactly why an item left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pmbridge.consensus._model import invalid
from pmbridge.consensus._rules import ConsensusRule
from pmbridge.consensus._status import ItemStatus


def next_round_items(
    items: Sequence[str],
    statuses: Mapping[str, ItemStatus],
    rule: ConsensusRule,
    *,
    proposals_adopted: Iterable[str] = (),
) -> tuple[str, ...]:
    """The items of the next round, in the order given, then the adopted proposals.

    With ``drop_on_consensus`` an item whose status is decided (in, out, or GRADE's important)
    leaves; an item nobody rated stays. Adopted proposals join at the end.

    >>> from pmbridge.consensus._model import Rating
    >>> from pmbridge.consensus._rules import PANEL_70
    >>> from pmbridge.consensus._status import round_status
    >>> s = round_status([Rating("a", "g", "x", 1, 9), Rating("a", "g", "y", 1, 5)], PANEL_70)
    >>> next_round_items(["x", "y", "z"], s, PANEL_70, proposals_adopted=["new"])
    ('y', 'z', 'new')
    """
    if len(set(items)) != len(items):
        raise invalid("an item appears twice in the round", hint="list each item id once")
    unknown = sorted(set(statuses) - set(items))
    if unknown:
        raise invalid(
            f"statuses for items not in the round: {', '.join(unknown)}",
            hint="pass the round's own items with its statuses",
        )
    kept = [
        item
        for item in items
        if not (rule.drop_on_consensus and item in statuses and statuses[item].status.decided)
    ]
    for proposal in proposals_adopted:
        if proposal in items or proposal in kept:
            raise invalid(
                f"proposal {proposal!r} is already an item of the study",
                hint="give an adopted proposal a new item id",
            )
        kept.append(proposal)
    return tuple(kept)
