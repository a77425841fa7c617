"""Merging the nodes' match answers: one ranking by score, ties by node then match id, every node's
outcome, and nodes that gave no usable answer listed as missing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._match_merge import merge_matches
from pmbridge.hub._registry import NodeEntry
from pmbridge.model import Jurisdiction

NODES = [NodeEntry(name, f"http://{name}", Jurisdiction.EU, "IT") for name in ("eu-a", "eu-b", "eu-c")]

answers = st.lists(
    st.tuples(st.sampled_from(["m-1", "m-2", "m-3", "m-4"]), st.sampled_from([0.25, 0.5, 0.75, 1.0])),
    max_size=4,
    unique_by=lambda m: m[0],
)


def reply(node: NodeEntry, matches: list[tuple[str, float]], status: NodeStatus = NodeStatus.OK) -> NodeReply:
    body = {
        "meta": {"node": node.id, "hpoRelease": "2025-01-16"},
        "matches": [{"matchId": m, "dataset": "ds", "score": s} for m, s in matches],
        "aggregates": [{"dataset": "ds-b", "bands": [{"band": "weak", "minScore": 0.3, "exists": None}]}],
        "release": {"rule": "X6+X1+X4", "crossBorder": False, "datasets": []},
    }
    return NodeReply(node, status, 12.0, body=body if status is NodeStatus.OK else None, detail="")


@given(per_node=st.lists(answers, min_size=3, max_size=3), limit=st.integers(1, 12))
def test_matches_are_ranked_by_score_then_node_then_match_id(
    per_node: list[list[tuple[str, float]]], limit: int
) -> None:
    merged = merge_matches([reply(n, m) for n, m in zip(NODES, per_node, strict=True)], limit=limit)
    every = sorted(
        ((s, n.id, m) for n, found in zip(NODES, per_node, strict=True) for m, s in found),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    assert [(m.score, m.node, m.match_id) for m in merged.matches] == every[:limit]
    assert [m.rank for m in merged.matches] == [
        sum(1 for s, *_ in every if s >= m.score) for m in merged.matches
    ]
    assert merged.missing == ()
    assert [a["node"] for a in merged.aggregates] == [n.id for n in NODES]


def test_nodes_without_a_usable_answer_are_missing_and_contribute_nothing() -> None:
    down = NodeReply(NODES[1], NodeStatus.DOWN, 3.0, detail="ConnectError")
    odd = NodeReply(NODES[2], NodeStatus.OK, 5.0, body={"meta": {}, "something": "else"})
    merged = merge_matches([reply(NODES[0], [("m-1", 0.5)]), down, odd], limit=5)
    assert [m.node for m in merged.matches] == ["eu-a"]
    assert merged.missing == ("eu-b", "eu-c")
    outcomes = {o.node: (o.status, o.detail) for o in merged.nodes}
    assert outcomes["eu-b"] == (NodeStatus.DOWN, "ConnectError")
    assert outcomes["eu-c"] == (NodeStatus.ERROR, "reply is not a match answer")
