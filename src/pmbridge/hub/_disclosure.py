"""The hub's own disclosure pass over the numbers nodes released, before the hub answers.

Each number a node sent comes with how the node made it (``info.count``). The hub applies its
own ``[privacy]`` settings again:

- a number the node suppressed stays suppressed (the hub never learns or guesses it);
- a number the node noised keeps its noise and must also reach the hub's minimum count;
- a number the node sent exact or rounded, or without saying how (a third-party Beacon), goes
  through the hub's own :class:`~pmbridge.privacy.DisclosureControl`: threshold, noise charged to
  the researcher's budget at the hub for that node's dataset, cached per identical question.

The result keeps both: the hub's released number and, as provenance, how the node made it
(:func:`node_account`), never the node's number itself, which the hub may just have held back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.errors import DisclosureRefused
from pmbridge.policy import ANONYMOUS
from pmbridge.privacy import DisclosureControl, ReleasedCount, ReleaseMethod, fewer_than, refused


@dataclass(frozen=True, slots=True)
class HubCount:
    """A number as the hub releases it, with the node's own account of it (None: not given)."""

    released: ReleasedCount
    node: ReleasedCount | None

    def info(self) -> dict[str, object]:
        return {"count": self.released.to_dict(), "provenance": {"node": node_account(self.node)}}


def node_account(node: ReleasedCount | None) -> dict[str, object] | None:
    """How a node made a number (``how``, ``threshold``, ``epsilon``, ``roundedTo``, ``rule``),
    without the number, its display or the node's reason: only what the hub itself released may
    leave, and a node's value the hub held back (below the hub's minimum count, over the budget,
    behind a complementary suppression, before the hub's noise) must not ride along beside it.

    >>> exact = ReleasedCount(value=7, how=ReleaseMethod.EXACT, threshold=5, reason="7 people")
    >>> node_account(exact)
    {'how': 'exact', 'threshold': 5, 'epsilon': None, 'roundedTo': None, 'rule': None}
    """
    if node is None:
        return None
    return {
        "how": node.how.value,
        "threshold": node.threshold,
        "epsilon": node.epsilon,
        "roundedTo": node.rounded_to,
        "rule": node.rule,
    }


def parse_released(doc: object) -> ReleasedCount | None:
    """A node's ``ReleasedCount.to_dict()`` back as a value; None for anything malformed.

    >>> parse_released({"value": 12, "how": "noised", "threshold": 5, "epsilon": 1.0}).how.value
    'noised'
    >>> parse_released({"value": 3, "how": "suppressed", "threshold": 5}) is None
    True
    """
    if not isinstance(doc, Mapping):
        return None
    try:
        how = ReleaseMethod(str(doc.get("how")))
    except ValueError:
        return None
    value, threshold = doc.get("value"), doc.get("threshold", 0)
    epsilon, rounded, rule = doc.get("epsilon"), doc.get("roundedTo"), doc.get("rule")
    number = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if (how is ReleaseMethod.SUPPRESSED) != (value is None) or (value is not None and not number):
        return None
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        return None
    return ReleasedCount(
        value=value if number else None,
        how=how,
        threshold=threshold,
        reason=str(doc.get("reason", "")),
        epsilon=float(epsilon)
        if isinstance(epsilon, int | float) and not isinstance(epsilon, bool)
        else None,
        rounded_to=rounded if isinstance(rounded, int) and not isinstance(rounded, bool) else None,
        rule=str(rule) if isinstance(rule, str) else None,
        origin=origin if isinstance(origin := doc.get("origin"), str) and len(origin) <= 64 else None,
    )


def hub_release(
    value: int,
    node: ReleasedCount | None,
    *,
    control: DisclosureControl,
    researcher: str,
    dataset: str,
    question: object,
    cross_border: bool,
) -> HubCount:
    """The hub's release of one number a node sent (``value``: the integer in its Beacon reply).

    An anonymous caller (``researcher`` is :data:`~pmbridge.policy.ANONYMOUS`) gets the hub's public
    tier: noise keyed to the question, rounded, charged to no one's budget."""
    k = control.settings.min_count_for(cross_border=cross_border)
    if node is not None and node.how is ReleaseMethod.SUPPRESSED:
        return HubCount(node, node)
    if node is not None and node.how is ReleaseMethod.NOISED and node.value is not None:
        if 0 < node.value < k:
            return HubCount(fewer_than(k), node)
        return HubCount(node, node)
    shown = node.value if node is not None and node.value is not None else value
    if node is not None and node.origin is not None:  # the same people at the node: one answer here too
        question = {"origin": node.origin, "value": shown}
    try:
        released = control.release_count(
            shown,
            researcher=researcher,
            dataset=dataset,
            query=question,
            cross_border=cross_border,
            public=researcher == ANONYMOUS,
        )
    except DisclosureRefused as error:
        released = refused(error, threshold=k)
    return HubCount(released, node)


def hub_breakdown(
    cells: Mapping[str, object],
    total: object,
    *,
    control: DisclosureControl,
    researcher: str,
    dataset: str,
    question: object,
    cross_border: bool,
) -> tuple[dict[str, HubCount], HubCount | None]:
    """A node's breakdown through the hub's pass, cell by cell; when the hub holds back a cell the
    node showed, it holds back the total too, so the new gap cannot be filled by subtraction."""

    def one(name: str, doc: object) -> HubCount:
        node = parse_released(doc)
        value = node.value if node is not None and node.value is not None else 0
        if node is None:  # an unusable account: nothing the hub can vouch for leaves
            return HubCount(_unreadable(control, cross_border), None)
        part = {"breakdown": question, "cell": name}
        return hub_release(
            value,
            node,
            control=control,
            researcher=researcher,
            dataset=dataset,
            question=part,
            cross_border=cross_border,
        )

    out = {name: one(name, doc) for name, doc in cells.items()}
    shown_total = None if total is None else one("total", total)
    newly_hidden = any(
        c.released.value is None and c.node is not None and c.node.value is not None for c in out.values()
    )
    if shown_total is not None and newly_hidden and shown_total.released.value is not None:
        k = control.settings.min_count_for(cross_border=cross_border)
        hidden = ReleasedCount(
            value=None,
            how=ReleaseMethod.SUPPRESSED,
            threshold=k,
            rule="complementary",
            reason="the hub held back a cell, so it holds back the total that would reveal it",
        )
        shown_total = HubCount(hidden, shown_total.node)
    return out, shown_total


def _unreadable(control: DisclosureControl, cross_border: bool) -> ReleasedCount:
    return ReleasedCount(
        value=None,
        how=ReleaseMethod.SUPPRESSED,
        threshold=control.settings.min_count_for(cross_border=cross_border),
        rule="provenance",
        reason="the node did not say how this number was made, so the hub does not pass it on",
    )
