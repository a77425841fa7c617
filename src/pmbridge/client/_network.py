"""The hub's own answers about the network and the caller: registered nodes with their health
(``GET /api/nodes``) and a demo sign-in (``POST /api/auth/token``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from pmbridge.client._message import Message
from pmbridge.client._tables import arrow_table, pandas_frame

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["NodeBreaker", "NodeHealth", "NodeList", "SignIn", "User"]


class NodeBreaker(Message):
    """Whether the hub asks the node: ``closed`` (asks), ``open`` (skips it for ``retry_in_seconds``
    after ``consecutive_timeouts`` timeouts in a row and a failed health check), ``half_open``
    (trying it again)."""

    state: str
    consecutive_timeouts: int = 0
    retry_in_seconds: float = 0.0


class NodeHealth(Message):
    """One registered node right now: ``health`` ``up``, ``slow``, ``overloaded``, ``timeout``,
    ``refused``, ``down`` or ``error``."""

    id: str
    status: str
    health: str
    name: str | None = None
    url: str | None = None
    jurisdiction: str | None = None
    country: str | None = None
    elapsed_ms: float | None = None
    datasets: list[str] = Field(default_factory=list)
    hpo_release: str | None = None
    detail: str | None = None
    rule: str | None = None
    """The rule a ``refused`` node named (``X1``…``X6``, ``passport:expired``), when it named one."""
    checked_seconds_ago: float | None = None
    """How old the hub's health reading is (it keeps one per node for ``hub.health_cache_seconds``)."""
    breaker: NodeBreaker | None = None


class NodeList(Message):
    nodes: list[NodeHealth]

    def to_arrow(self) -> pa.Table:
        rows = [{**n.model_dump(), "datasets": ",".join(n.datasets)} for n in self.nodes]
        return arrow_table(rows, NODE_COLUMNS)

    def to_pandas(self) -> Any:
        return pandas_frame(self.to_arrow())


NODE_COLUMNS = {
    "id": "string",
    "name": "string",
    "jurisdiction": "string",
    "country": "string",
    "status": "string",
    "health": "string",
    "elapsed_ms": "float64",
    "datasets": "string",
    "hpo_release": "string",
    "detail": "string",
}


class User(Message):
    """A demo user one may sign in as."""

    id: str
    name: str | None = None
    country: str | None = None
    affiliation: str | None = None
    registered: bool = False
    grants: list[str] = Field(default_factory=list)


class SignIn(Message):
    """A passport from the hub's demo broker, and when it expires (ISO 8601); both None for the
    anonymous visitor, who has no passport."""

    passport: str | None
    expires_at: str | None
    user: User | None = None
