"""A cohort's released counts as the portal shows them: per node, per dataset, and per breakdown cell.

Read from the hub's aggregates answer, where every number is a released count that says how it
was made (exact, rounded, noised, suppressed) and, when held back, by which rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmbridge.portal._counts import ShownCount, add_counts


@dataclass(frozen=True, slots=True)
class NodeCounts:
    """How one node answered, and the total it released (None when it did not answer)."""

    node: str
    status: str
    elapsed_ms: float
    detail: str
    total: ShownCount | None


@dataclass(frozen=True, slots=True)
class DatasetCounts:
    node: str
    dataset: str
    total: ShownCount


@dataclass(frozen=True, slots=True)
class CohortCounts:
    """Everything the explorer and the network page show about one cohort."""

    nodes: tuple[NodeCounts, ...]
    datasets: tuple[DatasetCounts, ...]
    breakdowns: Mapping[str, tuple[tuple[str, ShownCount], ...]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def total(self) -> ShownCount:
        """The network's total over the nodes that answered."""
        return add_counts([d.total for d in self.datasets])

    def dataset_total(self, node: str, dataset: str) -> ShownCount | None:
        for item in self.datasets:
            if (item.node, item.dataset) == (node, dataset):
                return item.total
        return None


def from_aggregates(doc: Mapping[str, object]) -> CohortCounts:
    """The counts in the hub's ``POST /api/aggregates`` answer.

    Breakdown cells are summed over datasets (cells keep the order the nodes sent them in); a
    sum with a suppressed part is marked as a lower bound.
    """
    datasets: list[DatasetCounts] = []
    cells: dict[str, dict[str, list[ShownCount]]] = {}
    for item in _list(doc.get("datasets")):
        entry = _mapping(item)
        node, dataset = str(entry.get("node", "")), str(entry.get("dataset", ""))
        datasets.append(DatasetCounts(node, dataset, ShownCount.from_wire(entry.get("total"))))
        for name, part in _mapping(entry.get("breakdowns")).items():
            into = cells.setdefault(name, {})
            for cell, count in _mapping(_mapping(part).get("cells")).items():
                into.setdefault(cell, []).append(ShownCount.from_wire(count))
    nodes = []
    for item in _list(doc.get("nodes")):
        entry = _mapping(item)
        node = str(entry.get("node", ""))
        elapsed = entry.get("elapsedMs")
        answered = entry.get("status") == "ok"
        mine = [d.total for d in datasets if d.node == node]
        nodes.append(
            NodeCounts(
                node=node,
                status=str(entry.get("status", "")),
                elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else 0.0,
                detail=str(entry.get("detail") or ""),
                total=(add_counts(mine) if mine else ShownCount(0, "exact")) if answered else None,
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
    )


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
