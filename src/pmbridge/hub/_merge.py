"""Merge node replies into one network answer: per node, per dataset, and the total.

The one place where the hub decides what it releases; the Federation issue's cross-border and
network disclosure rules belong here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.model import Granularity


@dataclass(frozen=True, slots=True)
class DatasetCount:
    node: str
    dataset: str
    count: int
    exists: bool


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    node: str
    status: NodeStatus
    elapsed_ms: float
    granularity: Granularity | None = None
    count: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class NetworkCount:
    """The network's answer: totals only over nodes that answered, and who did not."""

    granularity: Granularity
    total: int
    exists: bool
    datasets: tuple[DatasetCount, ...]
    nodes: tuple[NodeOutcome, ...]
    missing: tuple[str, ...] = field(default=())


def merge_counts(replies: Sequence[NodeReply], *, requested: Granularity) -> NetworkCount:
    """Sum what answered; the returned granularity is the least any answering node returned."""
    datasets: list[DatasetCount] = []
    outcomes: list[NodeOutcome] = []
    granularities: list[Granularity] = []
    for reply in replies:
        parsed = _parse(reply) if reply.status is NodeStatus.OK else None
        if parsed is None:
            detail = reply.detail or "reply does not follow the Beacon result-sets shape"
            status = reply.status if reply.status is not NodeStatus.OK else NodeStatus.ERROR
            outcomes.append(NodeOutcome(reply.node.id, status, reply.elapsed_ms, detail=detail))
            continue
        granularity, sets = parsed
        granularities.append(granularity)
        datasets.extend(sets)
        outcomes.append(
            NodeOutcome(
                reply.node.id,
                NodeStatus.OK,
                reply.elapsed_ms,
                granularity=granularity,
                count=sum(s.count for s in sets),
            )
        )
    granularity = min([requested, *granularities], key=lambda g: g.rank)
    exists = any(s.exists for s in datasets)
    total = sum(s.count for s in datasets) if granularity is not Granularity.BOOLEAN else int(exists)
    return NetworkCount(
        granularity=granularity,
        total=total,
        exists=exists,
        datasets=tuple(datasets),
        nodes=tuple(outcomes),
        missing=tuple(o.node for o in outcomes if o.status is not NodeStatus.OK),
    )


def _parse(reply: NodeReply) -> tuple[Granularity, list[DatasetCount]] | None:
    body = reply.body or {}
    meta, response = body.get("meta"), body.get("response")
    if not isinstance(meta, Mapping) or not isinstance(response, Mapping):
        return None
    try:
        granularity = Granularity(str(meta.get("returnedGranularity")))
    except ValueError:
        return None
    sets = response.get("resultSets")
    if not isinstance(sets, list):
        return None
    counts: list[DatasetCount] = []
    for item in sets:
        if not isinstance(item, Mapping):
            return None
        count, exists = item.get("resultsCount"), item.get("exists")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0 or not isinstance(exists, bool):
            return None
        counts.append(DatasetCount(reply.node.id, str(item.get("id")), count, exists))
    return granularity, counts
