"""The privacy budget page's rows: ε spent and left per node and dataset this year (``GET /api/budget``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BudgetRow:
    """One dataset's yearly ε for the researcher; ``node`` is empty for the hub's own line."""

    node: str
    dataset: str
    budget: float | None
    spent: float
    remaining: float | None


def budget_rows(doc: Mapping[str, object]) -> list[BudgetRow]:
    """Every node's lines, then the hub's (the hub spends ε of its own on what it re-releases).

    >>> rows = budget_rows({"nodes": [{"node": "a", "datasets": [
    ...     {"dataset": "d", "budget": 50.0, "spent": 2.0, "remaining": 48.0}]}]})
    >>> rows[0].remaining
    48.0
    """
    rows = []
    nodes = doc.get("nodes")
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, Mapping):
            continue
        lines = node.get("datasets")
        for line in lines if isinstance(lines, list) else []:
            if isinstance(line, Mapping):
                rows.append(_row(str(node.get("node", "")), line, budget=line.get("budget")))
    hub = doc.get("hub")
    if isinstance(hub, Mapping):
        lines = hub.get("datasets")
        for line in lines if isinstance(lines, list) else []:
            if isinstance(line, Mapping):
                rows.append(_row("", line, budget=hub.get("budget")))
    return rows


def _row(node: str, line: Mapping[str, object], *, budget: object) -> BudgetRow:
    return BudgetRow(
        node=node,
        dataset=str(line.get("dataset", "")),
        budget=_number(budget),
        spent=_number(line.get("spent")) or 0.0,
        remaining=_number(line.get("remaining")),
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
