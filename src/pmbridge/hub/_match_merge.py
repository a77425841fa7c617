"""Merge the nodes' match answers: one ranking by score across the network, each node's outcome.

Pure. A node's matches are pseudonymous ids that only that node can resolve, so every merged
match keeps its node and dataset; the hub adds a network rank and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._refusals import refusal_rule


@dataclass(frozen=True, slots=True)
class NetworkMatch:
    rank: int
    node: str
    dataset: str
    match_id: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    node: str
    status: NodeStatus
    elapsed_ms: float
    matches: int = 0
    aggregates: int = 0
    hpo_release: str | None = None
    detail: str = ""
    release: Mapping[str, object] | None = None  # the node's own account of what it let out and why
    rule: str | None = None  # the rule by which it refused, from its error's fields


@dataclass(frozen=True, slots=True)
class NetworkMatches:
    matches: tuple[NetworkMatch, ...]
    aggregates: tuple[Mapping[str, object], ...]
    nodes: tuple[MatchOutcome, ...]
    missing: tuple[str, ...]


def merge_matches(replies: Sequence[NodeReply], *, limit: int) -> NetworkMatches:
    """The ``limit`` best matches of all nodes (score, then node, then match id), each node's
    aggregates as it sent them, and the nodes that gave no usable answer.

    ``rank`` counts the merged matches scoring at least as high (ties pessimistic).
    """
    found: list[tuple[float, str, str, str]] = []
    aggregates: list[Mapping[str, object]] = []
    outcomes = []
    for reply in replies:
        body = reply.body if reply.status is NodeStatus.OK else None
        mine = _matches(body)
        theirs = _aggregates(body)
        meta = body.get("meta") if body is not None else None
        hpo = meta.get("hpoRelease") if isinstance(meta, Mapping) else None
        release = body.get("release") if body is not None else None
        status, detail = reply.status, reply.detail
        if reply.status is NodeStatus.OK and body is not None and "matches" not in body:
            status, detail = NodeStatus.ERROR, "reply is not a match answer"
        outcomes.append(
            MatchOutcome(
                node=reply.node.id,
                status=status,
                elapsed_ms=round(reply.elapsed_ms, 1),
                matches=len(mine),
                aggregates=len(theirs),
                hpo_release=str(hpo) if hpo is not None else None,
                detail=detail,
                release=release if isinstance(release, Mapping) else None,
                rule=refusal_rule(reply),
            )
        )
        found += [(score, reply.node.id, dataset, match_id) for match_id, dataset, score in mine]
        aggregates += [{"node": reply.node.id, **a} for a in theirs]
    found.sort(key=lambda m: (-m[0], m[1], m[3]))
    kept = found[:limit]
    merged = tuple(
        NetworkMatch(sum(1 for s, *_ in found if s >= score), node, dataset, match_id, score)
        for score, node, dataset, match_id in kept
    )
    missing = tuple(o.node for o in outcomes if o.status is not NodeStatus.OK)
    return NetworkMatches(merged, tuple(aggregates), tuple(outcomes), missing)


def _matches(body: Mapping[str, object] | None) -> list[tuple[str, str, float]]:
    """(match id, dataset, score) of the well-formed matches in a node's answer."""
    items = body.get("matches") if body is not None else None
    if not isinstance(items, list):
        return []
    kept = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        match_id, dataset, score = item.get("matchId"), item.get("dataset"), item.get("score")
        if isinstance(match_id, str) and isinstance(dataset, str) and isinstance(score, int | float):
            kept.append((match_id, dataset, float(score)))
    return kept


def _aggregates(body: Mapping[str, object] | None) -> list[Mapping[str, object]]:
    items = body.get("aggregates") if body is not None else None
    if not isinstance(items, list):
        return []
    return [
        {"dataset": item["dataset"], "bands": item.get("bands", [])}
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("dataset"), str)
    ]
