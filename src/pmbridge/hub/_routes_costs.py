"""``POST /api/aggregates/cost`` at the hub: what a chart question would spend at each node, and
whether a node would refuse it, asked before the question itself so the explorer can say so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import APIRouter, Request

from pmbridge.beacon import error_responses, json_body
from pmbridge.hub._caller import hub_caller
from pmbridge.hub._context import hub_of
from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._merge_aggregates import outcome
from pmbridge.hub._routes_release import AGGREGATES_OPERATION, aggregates_body

router = APIRouter()

PRICE_FIELDS = ("dataset", "tier", "epsilon", "remaining", "budget", "refusal")


@router.post("/api/aggregates/cost", openapi_extra=AGGREGATES_OPERATION, responses=error_responses(401, 403))
async def aggregates_cost(request: Request) -> dict[str, object]:
    """Each node's price of ``POST /api/aggregates`` with the same body: ε per dataset, what would be
    left, and the refusal a dataset would give; nothing is spent or released."""
    ctx, who = hub_of(request), hub_caller(request)
    body, _ = aggregates_body(await json_body(request))
    replies = await ctx.ask("POST", "/api/aggregates/cost", json_body=body, headers=who.forward)
    return merge_prices(replies)


def merge_prices(replies: Sequence[NodeReply]) -> dict[str, object]:
    """Every answering node's price lines with the node named, and how each node answered.

    >>> merge_prices([])
    {'datasets': [], 'nodes': [], 'missingNodes': []}
    """
    datasets: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    for reply in replies:
        lines = _lines(reply) if reply.status is NodeStatus.OK else None
        nodes.append(outcome(reply, ok=lines is not None))
        datasets += [{"node": reply.node.id, **line} for line in lines or []]
    missing = [n["node"] for n in nodes if n["status"] != NodeStatus.OK.value]
    return {"datasets": datasets, "nodes": nodes, "missingNodes": missing}


def _lines(reply: NodeReply) -> list[dict[str, object]] | None:
    found = (reply.body or {}).get("datasets")
    if not isinstance(found, list) or not all(isinstance(line, Mapping) for line in found):
        return None
    return [{key: line.get(key) for key in PRICE_FIELDS} for line in found]
