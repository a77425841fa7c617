"""A cohort's released counts as the portal shows them: per node, per dataset, and per breakdown cell.

Read from the hub's aggregates answer, where every number is a released count that says how it
was made (exact, rounded, noised, suppressed) and, when held back, by which rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from pmbridge.client import Aggregates, DatasetAggregates
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


def from_aggregates(answer: Aggregates) -> CohortCounts:
    """The counts in the hub's ``POST /api/aggregates`` answer (checked by the client).

    Breakdown cells are summed over datasets (cells keep the order the nodes sent them in); a
    sum with a held-back part is marked partial.
    """
    datasets: list[DatasetCounts] = []
    cells: dict[str, dict[str, list[ShownCount]]] = {}
    hidden: dict[str, list[ShownCount]] = {}
    for item in answer.datasets:
        total = ShownCount.from_released(item.total)
        datasets.append(DatasetCounts(item.node, item.dataset, total, spent=_spent(item)))
        for name, part in item.breakdowns.items():
            into = cells.setdefault(name, {})
            mine = {c: ShownCount.from_released(v) for c, v in part.cells.items()}
            for cell, count in mine.items():
                into.setdefault(cell, []).append(count)
            if name in PARTITIONS and any(c.value is None for c in mine.values()):
                hidden.setdefault(name, []).append(in_hidden_cells(total, list(mine.values())))
    nodes = []
    for line in answer.nodes:
        detail = line.detail or ""
        state, refusal = node_state(line.status, detail, rule=line.rule)
        answers = [d.total for d in datasets if d.node == line.node]
        nodes.append(
            NodeCounts(
                node=line.node,
                status=line.status,
                elapsed_ms=line.elapsed_ms or 0.0,
                detail=detail,
                total=(add_counts(answers) if answers else ShownCount(0, "exact"))
                if line.status == "ok"
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
        missing=tuple(answer.missing_nodes),
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


def _spent(item: DatasetAggregates) -> Spent | None:
    """What the dataset's answer spent; None when the hub did not say (no ε)."""
    spent = item.spent
    if spent is None or spent.epsilon is None:
        return None
    return Spent(spent.epsilon, spent.remaining, spent.budget)
