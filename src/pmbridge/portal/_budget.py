"""The privacy budget page's rows: ε spent and left per node and dataset this year (``GET /api/budget``)."""

from __future__ import annotations

from dataclasses import dataclass

from pmbridge.client import Budget, BudgetLine


@dataclass(frozen=True, slots=True)
class BudgetRow:
    """One dataset's yearly ε for the researcher; ``node`` is empty for the hub's own line."""

    node: str
    dataset: str
    budget: float | None
    spent: float
    remaining: float | None


def budget_rows(report: Budget | None) -> list[BudgetRow]:
    """Every node's lines, then the hub's (the hub spends ε of its own on what it re-releases).

    >>> rows = budget_rows(Budget.model_validate({"year": 2026, "tier": "researcher", "nodes": [
    ...     {"node": "a", "status": "ok", "datasets": [
    ...     {"dataset": "d", "budget": 50.0, "spent": 2.0, "remaining": 48.0}]}]}))
    >>> rows[0].remaining
    48.0
    """
    if report is None:
        return []
    rows = [_row(node.node, line, budget=line.budget) for node in report.nodes for line in node.datasets]
    if report.hub is not None:
        rows += [_row("", line, budget=report.hub.budget) for line in report.hub.datasets]
    return rows


def _row(node: str, line: BudgetLine, *, budget: float | None) -> BudgetRow:
    return BudgetRow(node, line.dataset, budget=budget, spent=line.spent, remaining=line.remaining)
