"""A network Beacon answer (``/api/individuals`` and the other entry types) as typed messages:
each dataset's released count or yes/no, the total, and how every node answered.

The wire shape is the Beacon v2 one (``meta``, ``responseSummary``, ``response.resultSets``) with
PM Bridge's ``info``; a yes/no answer (``beaconBooleanResponse``) has its datasets in
``info.resultSets``. Properties give the parts flat; :meth:`BeaconAnswer.to_arrow` a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from pmbridge.client._marks import ReleasedNumber, ReleasedSum
from pmbridge.client._message import Message, either
from pmbridge.client._tables import arrow_table, pandas_frame

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["BeaconAnswer", "DatasetAnswer", "NodeOutcome"]

Granularity = Literal["boolean", "count", "record"]


class NodeOutcome(Message):
    """How one node answered (``info.nodes``): ``status`` ``ok``, ``refused`` (with the ``rule``
    when it named one), ``down``, ``timeout``, ``slow`` or ``error``, and ``detail`` in its words."""

    node: str
    status: str
    detail: str | None = None
    rule: str | None = None
    elapsed_ms: float | None = Field(None, validation_alias=either("elapsed_ms", "elapsedMs"))
    granularity: Granularity | None = None
    count: int | None = None
    """The sum of what the hub released of this node's numbers (None when it released none)."""
    warnings: list[str] = Field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.status == "ok"


class _SetInfo(Message):
    node: str = ""
    count: ReleasedNumber | None = None


class DatasetAnswer(Message):
    """One dataset's result set: its yes/no, its released count, and records at record access."""

    id: str
    set_type: str = "dataset"
    exists: bool | None = None
    results_count: int | None = None
    """Beacon's integer; 0 for a held-back count: read :attr:`count` instead."""
    results: list[dict[str, Any]] = Field(default_factory=list)
    info: _SetInfo = _SetInfo()

    @property
    def node(self) -> str:
        return self.info.node

    @property
    def count(self) -> ReleasedNumber | None:
        """The released count with its mark; None at boolean granularity or from a Beacon that
        does not say how it made its number."""
        return self.info.count


class _Meta(Message):
    returned_granularity: Granularity
    beacon_id: str | None = None
    api_version: str | None = None


class _Summary(Message):
    exists: bool | None = None
    num_total_results: int | None = None


class _Response(Message):
    result_sets: list[DatasetAnswer] = Field(default_factory=list)


class _NetworkInfo(Message):
    nodes: list[NodeOutcome] = Field(default_factory=list)
    missing_nodes: list[str] = Field(default_factory=list)
    total: ReleasedSum | None = None
    result_sets: list[DatasetAnswer] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    unsupported_filters: list[dict[str, Any]] = Field(default_factory=list)


class BeaconAnswer(Message):
    """The hub's answer to a Beacon query.

    ``granularity`` is what came back (``boolean`` when any dataset only says yes or no);
    ``datasets`` each dataset's answer; ``total`` the hub's sum of what it released (None at
    boolean granularity); ``nodes`` how each node answered and ``missing_nodes`` those whose answer
    is not in it.
    """

    meta: _Meta
    response_summary: _Summary = _Summary()
    response: _Response | None = None
    info: _NetworkInfo = _NetworkInfo()

    @property
    def granularity(self) -> Granularity:
        return self.meta.returned_granularity

    @property
    def exists(self) -> bool | None:
        return self.response_summary.exists

    @property
    def datasets(self) -> list[DatasetAnswer]:
        return self.response.result_sets if self.response is not None else self.info.result_sets

    @property
    def total(self) -> ReleasedSum | None:
        return self.info.total

    @property
    def nodes(self) -> list[NodeOutcome]:
        return self.info.nodes

    @property
    def missing_nodes(self) -> list[str]:
        return self.info.missing_nodes

    @property
    def warnings(self) -> list[str]:
        return self.info.warnings

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every record of every dataset (record granularity only), as the nodes sent them."""
        return [record for dataset in self.datasets for record in dataset.results]

    def rows(self) -> list[dict[str, object]]:
        """One row per node and dataset: ``value`` None for a held-back count, ``mark`` as shown."""
        rows: list[dict[str, object]] = []
        for item in self.datasets:
            count = item.count
            rows.append(
                {
                    "node": item.node,
                    "dataset": item.id,
                    "exists": item.exists,
                    "value": None if count is None else count.value,
                    "how": None if count is None else count.how,
                    "kind": None if count is None else count.kind,
                    "mark": None if count is None else count.mark,
                    "rule": None if count is None else count.rule,
                    "threshold": None if count is None else count.threshold,
                    "epsilon": None if count is None else count.epsilon,
                }
            )
        return rows

    def to_arrow(self) -> pa.Table:
        """The datasets as an Arrow table (:meth:`rows`); a held-back count is a null ``value``."""
        return arrow_table(self.rows(), DATASET_COLUMNS)

    def to_pandas(self) -> Any:
        """The datasets as a pandas DataFrame (needs ``pip install pandas``)."""
        return pandas_frame(self.to_arrow())


DATASET_COLUMNS = {
    "node": "string",
    "dataset": "string",
    "exists": "bool",
    "value": "int64",
    "how": "string",
    "kind": "string",
    "mark": "string",
    "rule": "string",
    "threshold": "int64",
    "epsilon": "float64",
}
