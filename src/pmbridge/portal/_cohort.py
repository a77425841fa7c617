"""A cohort's released counts as the portal shows them: per node, per dataset, and per breakdown cell.

Read from the hub's aggregates answer, where every number is a released count that says how it
was made (exact, rounded, noised, suppressed) and, when held back, by which rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from pmbridge.portal._counts import ShownCount, add_counts, held_sum
from pmbridge.portal._refusals import Refusal, node_state

PARTITIONS: Final = ("sex", "ageBand")
"""Breakdowns whose cells split the cohort: everyone is in exactly one cell."""


@dataclass(frozen=True, slots=True)
class NodeCounts:
    """How one node answered, and the total it released (None when it did not answer).

    ``state`` is one of :data:`~pmbridge.portal._refusals.NODE_STATES`; ``refusal`` says why a
    node refused.
    """

    node: str
    status: str
    elapsed_ms: float
    detail: str
    total: ShownCount | None
    state: str = "answered"
    refusal: Refusal | None = None


@dataclass(frozen=True, slots=True)
class Spent:
    """The privacy budget (ε) one dataset's answer spent, and what is left this year (None: public
    access, which has no budget)."""

    epsilon: float
    remaining: float | None
    budget: float | None


@dataclass(frozen=True, slots=True)
class DatasetCounts:
    node: str
    dataset: str
    total: ShownCount
    spent: Spent | None = None


@dataclass(frozen=True, slots=True)
class CohortCounts:
    """Everything the explorer and the network page show about one cohort.

    ``hidden_cells`` holds, for a breakdown that splits the cohort, how many people are in its
    held-back cells (the released totals minus the released cells), so a chart can show them
    rather than leave them out.
    """

    nodes: tuple[NodeCounts, ...]
    datasets: tuple[DatasetCounts, ...]
    breakdowns: Mapping[str, tuple[tuple[str, ShownCount], ...]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    hidden_cells: Mapping[str, ShownCount] = field(default_factory=dict)

    @property
    def total(self) -> ShownCount:
        """The network's total over the nodes that answered."""
        return add_counts([d.total for d in self.datasets])

    @property
    def spent(self) -> float | None:
        """The ε this answer spent over every dataset (None when the hub did not say)."""
        told = [d.spent.epsilon for d in self.datasets if d.spent is not None]
        return sum(told) if told else None

    @property
    def public(self) -> bool:
        """Whether every dataset answered at public access, which has no budget to charge."""
        told = [d.spent for d in self.datasets if d.spent is not None]
        return bool(told) and all(s.budget is None for s in told)

    def dataset_total(self, node: str, dataset: str) -> ShownCount | None:
        for item in self.datasets:
            if (item.node, item.dataset) == (node, dataset):
                return item.total
        return None


def from_aggregates(doc: Mapping[str, object]) -> CohortCounts:
    """The counts in the hub's ``POST /api/aggregates`` answer.

    Breakdown cells are summed over datasets (cells keep the order the nodes sent them in); a
    sum with a held-back part is marked partial.
    """
    datasets: list[DatasetCounts] = []
    cells: dict[str, dict[str, list[ShownCount]]] = {}
    hidden: dict[str, list[ShownCount]] = {}
    for item in _list(doc.get("datasets")):
        entry = _mapping(item)
        node, dataset = str(entry.get("node", "")), str(entry.get("dataset", ""))
        total = ShownCount.from_wire(entry.get("total"))
        datasets.append(DatasetCounts(node, dataset, total, spent=_spent(entry.get("spent"))))
        for name, part in _mapping(entry.get("breakdowns")).items():
            into = cells.setdefault(name, {})
            mine = {c: ShownCount.from_wire(v) for c, v in _mapping(_mapping(part).get("cells")).items()}
            for cell, count in mine.items():
                into.setdefault(cell, []).append(count)
            if name in PARTITIONS and any(c.value is None for c in mine.values()):
                hidden.setdefault(name, []).append(in_hidden_cells(total, list(mine.values())))
    nodes = []
    for item in _list(doc.get("nodes")):
        entry = _mapping(item)
        node = str(entry.get("node", ""))
        elapsed = entry.get("elapsedMs")
        status = str(entry.get("status", ""))
        detail = str(entry.get("detail") or "")
        state, refusal = node_state(status, detail, rule=entry.get("rule"))
        answers = [d.total for d in datasets if d.node == node]
        nodes.append(
            NodeCounts(
                node=node,
                status=status,
                elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else 0.0,
                detail=detail,
                total=(add_counts(answers) if answers else ShownCount(0, "exact"))
                if status == "ok"
                else None,
                state=state,
                refusal=refusal,
            )
        )
    return CohortCounts(
        nodes=tuple(nodes),
        datasets=tuple(datasets),
        breakdowns={
            name: tuple((cell, add_counts(counts)) for cell, counts in found.items())
            for name, found in cells.items()
        },
        missing=tuple(str(m) for m in _list(doc.get("missingNodes"))),
        hidden_cells={name: add_counts(parts) for name, parts in hidden.items()},
    )


def in_hidden_cells(total: ShownCount, cells: Sequence[ShownCount]) -> ShownCount:
    """How many of one dataset's people are in the held-back cells of a breakdown that splits it.

    With the total released and two or more cells held back, it is the total minus the released
    cells: a sum any reader can work out, never one held-back cell (with one cell held back, that
    cell is shown as it was released). A held-back total says only what it says itself.

    >>> fewer = ShownCount(None, "suppressed", threshold=11, rule="min_count")
    >>> hidden = ShownCount(None, "suppressed", threshold=11, rule="complementary")
    >>> in_hidden_cells(ShownCount(60, "noised"), [ShownCount(40, "noised"), fewer, hidden]).plain()
    '≈20'
    >>> in_hidden_cells(ShownCount(60, "exact"), [ShownCount(50, "exact"), fewer]).plain()
    '<11'
    """
    held = [c for c in cells if c.value is None]
    if total.value is None:
        return total
    if len(held) < 2:
        return held_sum(held)
    released = [c for c in cells if c.value is not None]
    rest = total.value - sum(c.sortable for c in released)
    if rest <= 0:  # noise can make the released cells outgrow the total: the size is not known
        return held_sum(held)
    hows = {total.how, *(c.how for c in released)}
    return ShownCount(rest, next((h for h in ("noised", "rounded") if h in hows), "exact"))


def _spent(value: object) -> Spent | None:
    spent = _mapping(value)
    epsilon = _number(spent.get("epsilon"))
    if epsilon is None:
        return None
    return Spent(epsilon, _number(spent.get("remaining")), _number(spent.get("budget")))


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
