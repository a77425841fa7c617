"""Merge node replies into one network answer: per node, per dataset, records, and the total.

The one place where the hub decides what it releases. The network's granularity is the least any
answering node returned (never more than asked), and every node's part is brought down to it: a
count becomes yes/no beside a boolean node, records leave only when every answering node sent
records. :func:`disclose` then runs the hub's own disclosure pass (hub/_disclosure.py) over every
count, and totals are sums of what was released: a part held back is named, never added in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeGuard

from pmbridge.hub._caller import HubCaller
from pmbridge.hub._context import HubContext
from pmbridge.hub._disclosure import HubCount, hub_release, parse_released
from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._refusals import refusal_rule
from pmbridge.model import Granularity
from pmbridge.policy import Researcher, crosses_border
from pmbridge.privacy import DisclosureControl, ReleasedCount, ReleasedTotal, released_total

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
    node_count: ReleasedCount | None = None  # how the node says it made ``count``
    hub: HubCount | None = None  # the hub's release of it (set by ``disclose``)


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """How one node answered: its status, granularity, total and what it could not apply; a node
    that refused says by which ``rule`` (as far as its message names one)."""

    node: str
    status: NodeStatus
    elapsed_ms: float
    granularity: Granularity | None = None
    count: int | None = None
    detail: str = ""
    warnings: tuple[str, ...] = ()
    unsupported_filters: tuple[Mapping[str, object], ...] = ()
    rule: str | None = None


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
    released_total: ReleasedTotal | None = None  # set by ``disclose`` at count granularity


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
            rule = refusal_rule(reply)
            outcomes.append(NodeOutcome(reply.node.id, status, reply.elapsed_ms, detail=detail, rule=rule))
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
    if granularity is Granularity.BOOLEAN:  # yes/no for the network: no node's number either
        outcomes = [replace(o, count=None) for o in outcomes]
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


def release_network(
    answer: NetworkAnswer,
    *,
    ctx: HubContext,
    who: HubCaller | None,
    question: Mapping[str, object],
    people: bool = True,
) -> NetworkAnswer:
    """The hub's release of a merged answer for ``who`` (None: anonymous), audited. ``people``
    False (datasets and cohorts, counted as collections) leaves the counts as the nodes sent them."""
    researcher = who.caller.researcher if who is not None else Researcher.anonymous()
    where = {n.id: n.jurisdiction for n in ctx.config.nodes}
    released = (
        answer
        if not people
        else disclose(
            answer,
            control=ctx.release.disclosure,
            researcher=researcher.id,
            question=lambda item: {**question, "node": item.node, "dataset": item.dataset},
            cross_border=lambda node: crosses_border(where[node], researcher.country),
        )
    )
    if who is not None and who.audit is not None:
        total = released.released_total
        who.audit.record_release(
            rule="hub-privacy",
            granularity=released.granularity.value,
            released={
                "nodes": sum(o.status is NodeStatus.OK for o in released.nodes),
                "sets": len(released.sets),
                "records": sum(len(s.results) for s in released.sets),
                "total": None if total is None else total.value,
                "totalHow": None if total is None else total.how.value,
                "suppressed": 0 if total is None else len(total.missing),
            },
        )
    return released


def _down(item: NodeSet, granularity: Granularity) -> NodeSet:
    """``item`` at the network's granularity: no records below record, yes/no at boolean."""
    count = int(item.exists) if granularity is Granularity.BOOLEAN else item.count
    results = item.results if granularity is Granularity.RECORD else ()
    told = item.node_count if granularity is Granularity.COUNT else None
    return NodeSet(item.node, item.dataset, count, item.exists, results, item.set_type, node_count=told)


def disclose(
    answer: NetworkAnswer,
    *,
    control: DisclosureControl,
    researcher: str,
    question: Callable[[NodeSet], object],
    cross_border: Callable[[str], bool],
) -> NetworkAnswer:
    """The hub's disclosure pass at count granularity: every set's count released again by the
    hub, every total (per node and the network's) the sum of the released counts only (None for a
    node none of whose counts the hub released)."""
    if answer.granularity is not Granularity.COUNT:
        return answer
    sets = []
    for item in answer.sets:
        hub = hub_release(
            item.count,
            item.node_count,
            control=control,
            researcher=researcher,
            dataset=f"{item.node}/{item.dataset}",
            question=question(item),
            cross_border=cross_border(item.node),
        )
        sets.append(replace(item, count=hub.released.value or 0, hub=hub))
    by_set: dict[str, dict[str, ReleasedCount]] = {}  # one pass over the sets: flat per node
    for s in sets:
        if s.hub is not None:
            by_set.setdefault(s.node, {})[s.dataset] = s.hub.released
    by_node = {o.node: released_total(by_set.get(o.node, {})) for o in answer.nodes}
    outcomes = tuple(
        replace(o, count=_node_total(by_node[o.node])) if o.status is NodeStatus.OK else o
        for o in answer.nodes
    )
    total = released_total(
        {f"{s.node}/{s.dataset}": s.hub.released for s in sets if s.hub is not None}, absent=answer.missing
    )
    return replace(answer, sets=tuple(sets), nodes=outcomes, total=total.value or 0, released_total=total)


def _node_total(total: ReleasedTotal) -> int | None:
    """A node's line in ``info.nodes``: the sum the hub released, 0 for a node with no result sets,
    None when the hub held back every one of its counts."""
    return 0 if total.parts == 0 else total.value


def _parse(reply: NodeReply) -> _Parsed | None:
    body = reply.body or {}
    meta, summary, response = body.get("meta"), body.get("responseSummary"), body.get("response")
    raw_info = body.get("info")
    info: Mapping[str, object] = raw_info if isinstance(raw_info, Mapping) else {}
    if not isinstance(meta, Mapping) or not isinstance(summary, Mapping):
        return None
    try:
        granularity = Granularity(str(meta.get("returnedGranularity")))
    except ValueError:
        return None
    if response is None and granularity is Granularity.BOOLEAN:
        # A beaconBooleanResponse has no result sets; a node's yes/no per dataset is in info.
        response = {"resultSets": info.get("resultSets", [])}
    if not isinstance(response, Mapping):
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
    sets = _sets(reply.node.id, response.get("resultSets"), boolean=granularity is Granularity.BOOLEAN)
    collections = _collections(reply.node.id, response.get("collections"))
    if (
        sets is None
        or collections is None
        or ("resultSets" not in response and "collections" not in response)
    ):
        return None
    warnings = tuple(w for w in _list(info.get("warnings")) if isinstance(w, str))
    unsupported = tuple(u for u in _list(info.get("unsupportedFilters")) if isinstance(u, Mapping))
    return _Parsed(granularity, exists, total, sets, collections, warnings, unsupported)


def _sets(node: str, items: object, *, boolean: bool) -> list[NodeSet] | None:
    """A node's result sets; at boolean granularity a set is its yes/no, any count it gives ignored."""
    if items is None:
        return []
    if not isinstance(items, list):
        return None
    sets: list[NodeSet] = []
    for item in items:
        if not isinstance(item, Mapping):
            return None
        exists, results = item.get("exists"), item.get("results", [])
        count = int(exists) if boolean and isinstance(exists, bool) else item.get("resultsCount")
        if not _count(count) or not isinstance(exists, bool) or not isinstance(results, list):
            return None
        records = tuple(r for r in results if isinstance(r, Mapping))
        info = item.get("info")
        told = parse_released(info.get("count")) if isinstance(info, Mapping) else None
        kind = str(item.get("setType", "dataset"))
        sets.append(NodeSet(node, str(item.get("id")), count, exists, records, kind, node_count=told))
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
