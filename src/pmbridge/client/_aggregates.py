"""The network's aggregates (``POST /api/aggregates``) and their price (``POST
/api/aggregates/cost``): each dataset's released total and breakdown cells, and the ε each dataset
would charge, as typed messages and tidy tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from pmbridge.client._marks import ReleasedNumber
from pmbridge.client._message import Message, either
from pmbridge.client._tables import arrow_table, pandas_frame

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "Aggregates",
    "Breakdown",
    "CostEstimate",
    "DatasetAggregates",
    "DatasetPrice",
    "NodeState",
    "PriceRefusal",
]


class NodeState(Message):
    """How one node answered a network call: ``status`` ``ok`` or why not, in ``detail``."""

    node: str
    status: str
    detail: str | None = None
    elapsed_ms: float | None = Field(None, validation_alias=either("elapsedMs", "elapsed_ms"))
    rule: str | None = None
    """The rule a refusing node named (``X4``, ``budget``, …), when it named one."""


class Breakdown(Message):
    """One breakdown of a dataset (by ``sex``, ``ageBand``, ``phenotypeCategory``): each cell's
    released count, and for a partition its total (None when held back with a hidden cell)."""

    cells: dict[str, ReleasedNumber]
    total: ReleasedNumber | None = None


class Spent(Message):
    """What the answer spent at the node: ε now, what is left, the yearly budget (None: public)."""

    epsilon: float | None = None
    remaining: float | None = None
    budget: float | None = None


class DatasetAggregates(Message):
    """One dataset's released total and breakdowns; ``total`` None when nothing of it left."""

    node: str
    dataset: str
    total: ReleasedNumber | None
    breakdowns: dict[str, Breakdown] = Field(default_factory=dict)
    spent: Spent | None = None


class Aggregates(Message):
    """Every answering node's datasets after the hub's disclosure pass, and how each node answered."""

    datasets: list[DatasetAggregates]
    nodes: list[NodeState] = Field(default_factory=list)
    missing_nodes: list[str] = Field(default_factory=list)

    def rows(self) -> list[dict[str, object]]:
        """Long form: one row per dataset total (``breakdown`` None) and per breakdown cell."""
        rows: list[dict[str, object]] = []
        for item in self.datasets:
            rows.append(_row(item, None, None, item.total))
            for name, part in item.breakdowns.items():
                rows += [_row(item, name, cell, count) for cell, count in part.cells.items()]
        return rows

    def to_arrow(self) -> pa.Table:
        """:meth:`rows` as an Arrow table; a held-back cell is a null ``value`` with its ``mark``."""
        return arrow_table(self.rows(), AGGREGATE_COLUMNS)

    def to_pandas(self) -> Any:
        """:meth:`rows` as a pandas DataFrame (needs ``pip install pandas``)."""
        return pandas_frame(self.to_arrow())


def _row(
    item: DatasetAggregates, breakdown: str | None, cell: str | None, count: ReleasedNumber | None
) -> dict[str, object]:
    return {
        "node": item.node,
        "dataset": item.dataset,
        "breakdown": breakdown,
        "cell": cell,
        "value": None if count is None else count.value,
        "how": "suppressed" if count is None else count.how,
        "kind": "refused" if count is None else count.kind,
        "mark": "held back" if count is None else count.mark,
        "rule": None if count is None else count.rule,
    }


AGGREGATE_COLUMNS = {
    "node": "string",
    "dataset": "string",
    "breakdown": "string",
    "cell": "string",
    "value": "int64",
    "how": "string",
    "kind": "string",
    "mark": "string",
    "rule": "string",
}


class PriceRefusal(Message):
    """Why a dataset would refuse the question: the rule, and the node's words."""

    rule: str | None = None
    message: str | None = None
    hint: str | None = None


class DatasetPrice(Message):
    """One dataset's price: ε the question would spend, what would be left and the yearly budget
    (both None at public access, which charges nothing), and the refusal it would give."""

    node: str
    dataset: str
    epsilon: float
    tier: str | None = None
    remaining: float | None = None
    budget: float | None = None
    refusal: PriceRefusal | None = None


class CostEstimate(Message):
    """What ``POST /api/aggregates`` with the same body would spend; nothing is spent by asking."""

    datasets: list[DatasetPrice]
    nodes: list[NodeState] = Field(default_factory=list)
    missing_nodes: list[str] = Field(default_factory=list)

    @property
    def epsilon(self) -> float:
        """ε over every dataset that would answer."""
        return sum(d.epsilon for d in self.datasets if d.refusal is None)

    def to_arrow(self) -> pa.Table:
        rows = [
            {**d.model_dump(exclude={"refusal"}), "refusal": d.refusal and d.refusal.rule}
            for d in self.datasets
        ]
        return arrow_table(rows, PRICE_COLUMNS)

    def to_pandas(self) -> Any:
        return pandas_frame(self.to_arrow())


PRICE_COLUMNS = {
    "node": "string",
    "dataset": "string",
    "tier": "string",
    "epsilon": "float64",
    "remaining": "float64",
    "budget": "float64",
    "refusal": "string",
}
