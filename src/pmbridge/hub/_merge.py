"""Merge node replies into one network answer: per node, per dataset, records, and the total.

The one place where the hub decides what it releases; the Federation issue's cross-border and
network disclosure rules belong here. The network's granularity is the least any answering node
returned (never more than asked), and every node's part is brought down to it: a count becomes
yes/no beside a boolean node, records leave only when every answering node sent records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeGuard

from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.model import Granularity

Record = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class NodeSet:
    """One result set (a dataset) as a node returned it."""

    node: str
    dataset: str
    count: int
    exists: bool
    results: tuple[Record, ...] = ()
    set_type: str = "dataset"


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """How one node answered: its status, granularity, total and what it could not apply."""

    node: str
    status: NodeStatus
    elapsed_ms: float
    granularity: Granularity | None = None
    count: int | None = None
    detail: str = ""
    warnings: tuple[str, ...] = ()
    unsupported_filters: tuple[Mapping[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class NetworkAnswer:
    """The network's answer: totals only over nodes that answered, and who did not."""

    granularity: Granularity
    total: int
    exists: bool
    sets: tuple[NodeSet, ...]
    collections: tuple[Record, ...]
    nodes: tuple[NodeOutcome, ...]
    missing: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Parsed:
    granularity: Granularity
    exists: bool
    total: int
    sets: list[NodeSet]
    collections: list[Record]
    warnings: tuple[str, ...]
    unsupported: tuple[Mapping[str, object], ...]


def merge_replies(replies: Sequence[NodeReply], *, requested: Granularity) -> NetworkAnswer:
    """Merge what answered; a reply that breaks the Beacon shape counts as an error, not as data."""
    parsed: dict[str, _Parsed] = {}
    outcomes: list[NodeOutcome] = []
    for reply in replies:
        part = _parse(reply) if reply.status is NodeStatus.OK else None
        if part is None:
            detail = reply.detail or "reply does not follow the Beacon response shape"
            status = reply.status if reply.status is not NodeStatus.OK else NodeStatus.ERROR
            outcomes.append(NodeOutcome(reply.node.id, status, reply.elapsed_ms, detail=detail))
            continue
        parsed[reply.node.id] = part
        outcomes.append(
            NodeOutcome(
                reply.node.id,
                NodeStatus.OK,
                reply.elapsed_ms,
                granularity=part.granularity,
                count=part.total,
                warnings=part.warnings,
                unsupported_filters=part.unsupported,
            )
        )
    granularity = min([requested, *(p.granularity for p in parsed.values())], key=lambda g: g.rank)
    sets = [_down(s, granularity) for p in parsed.values() for s in p.sets]
    exists = any(p.exists for p in parsed.values())
    total = int(exists) if granularity is Granularity.BOOLEAN else sum(p.total for p in parsed.values())
    collections = (
        [c for p in parsed.values() for c in p.collections] if granularity is Granularity.RECORD else []
    )
    return NetworkAnswer(
        granularity=granularity,
        total=total,
        exists=exists,
        sets=tuple(sets),
        collections=tuple(collections),
        nodes=tuple(outcomes),
        missing=tuple(o.node for o in outcomes if o.status is not NodeStatus.OK),
    )


def _down(item: NodeSet, granularity: Granularity) -> NodeSet:
    """``item`` at the network's granularity: no records below record, yes/no at boolean."""
    count = int(item.exists) if granularity is Granularity.BOOLEAN else item.count
    results = item.results if granularity is Granularity.RECORD else ()
    return NodeSet(item.node, item.dataset, count, item.exists, results, item.set_type)


def _parse(reply: NodeReply) -> _Parsed | None:
    body = reply.body or {}
    meta, summary, response = body.get("meta"), body.get("responseSummary"), body.get("response")
    if not isinstance(meta, Mapping) or not isinstance(summary, Mapping) or not isinstance(response, Mapping):
        return None
    try:
        granularity = Granularity(str(meta.get("returnedGranularity")))
    except ValueError:
        return None
    exists, given = summary.get("exists"), summary.get("numTotalResults")
    if not isinstance(exists, bool):
        return None
    if granularity is Granularity.BOOLEAN:
        total = int(exists)
    elif _count(given):
        total = given
    else:
        return None
    sets = _sets(reply.node.id, response.get("resultSets"))
    collections = _collections(reply.node.id, response.get("collections"))
    if (
        sets is None
        or collections is None
        or ("resultSets" not in response and "collections" not in response)
    ):
        return None
    raw_info = body.get("info")
    info: Mapping[str, object] = raw_info if isinstance(raw_info, Mapping) else {}
    warnings = tuple(w for w in _list(info.get("warnings")) if isinstance(w, str))
    unsupported = tuple(u for u in _list(info.get("unsupportedFilters")) if isinstance(u, Mapping))
    return _Parsed(granularity, exists, total, sets, collections, warnings, unsupported)


def _sets(node: str, items: object) -> list[NodeSet] | None:
    if items is None:
        return []
    if not isinstance(items, list):
        return None
    sets: list[NodeSet] = []
    for item in items:
        if not isinstance(item, Mapping):
            return None
        count, exists, results = item.get("resultsCount"), item.get("exists"), item.get("results", [])
        if not _count(count) or not isinstance(exists, bool) or not isinstance(results, list):
            return None
        records = tuple(r for r in results if isinstance(r, Mapping))
        sets.append(
            NodeSet(node, str(item.get("id")), count, exists, records, str(item.get("setType", "dataset")))
        )
    return sets


def _collections(node: str, items: object) -> list[Record] | None:
    """Collection records, each marked with the node that holds it."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(c, Mapping) for c in items):
        return None
    marked: list[Record] = []
    for item in items:
        info = item.get("info")
        marked.append({**item, "info": {**(info if isinstance(info, Mapping) else {}), "node": node}})
    return marked


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
