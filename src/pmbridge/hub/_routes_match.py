"""Patient matching across the network: ``POST /api/match`` fans the patient out to every node and
ranks their pseudonymous matches by score; ``POST /api/match/contact`` relays a researcher's
contact request to the one node that holds the match (Matchmaker-Exchange style handshake).

The hub never learns who a match is: it passes the node's match ids on, and only that node can
resolve them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from pmbridge.beacon import json_body
from pmbridge.errors import QueryError, UnknownMatch, UpstreamError
from pmbridge.hub._caller import hub_caller
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._fanout import NodeReply, NodeStatus, fan_out
from pmbridge.hub._match_merge import NetworkMatches, merge_matches
from pmbridge.hub._refusals import network_refusal
from pmbridge.hub._registry import NodeEntry
from pmbridge.similarity import parse_contact_request, parse_phenotype_request

router = APIRouter()


@router.post("/api/match")
async def match(request: Request) -> dict[str, object]:
    """Every node's best matches for a patient, merged and ranked; aggregates where nodes sent those."""
    body = parse_phenotype_request(await json_body(request))
    ctx, who = hub_of(request), hub_caller(request)
    replies = await _ask(ctx, ctx.config.nodes, "/api/match", body.to_body(), who.forward)
    refused = [r for r in replies if r.http_status is not None and 400 <= r.http_status < 500]
    if refused and not any(r.status is NodeStatus.OK for r in replies):
        raise network_refusal(refused)
    return network_match_reply(merge_matches(replies, limit=body.limit))


def network_match_reply(merged: NetworkMatches) -> dict[str, object]:
    return {
        "matches": [
            {"rank": m.rank, "node": m.node, "dataset": m.dataset, "matchId": m.match_id, "score": m.score}
            for m in merged.matches
        ],
        "aggregates": list(merged.aggregates),
        "nodes": [
            {
                "node": o.node,
                "status": o.status.value,
                "elapsedMs": o.elapsed_ms,
                "matches": o.matches,
                "aggregates": o.aggregates,
                "hpoRelease": o.hpo_release,
                "detail": o.detail,
                **({"release": o.release} if o.release is not None else {}),
            }
            for o in merged.nodes
        ],
        "missingNodes": list(merged.missing),
    }


@router.post("/api/match/contact")
async def contact(request: Request) -> dict[str, object]:
    """Relay a contact request to the steward of the node holding the match; returns its request id."""
    body = parse_contact_request(await json_body(request))
    ctx, who = hub_of(request), hub_caller(request)
    node = next((n for n in ctx.config.nodes if n.id == body.node), None)
    if node is None:
        raise QueryError(
            f"no node {body.node!r} in this network",
            hint="use the node of a match from /api/match; /api/nodes lists the nodes",
        )
    (reply,) = await _ask(ctx, [node], "/api/match/contact", body.to_body(), who.forward)
    if (
        reply.status is NodeStatus.OK
        and reply.body is not None
        and isinstance(reply.body.get("requestId"), str)
    ):
        return {"requestId": reply.body["requestId"], "node": node.id, "status": "relayed"}
    if reply.http_status == 404:
        raise UnknownMatch(f"node {node.id}: {reply.detail}", hint="copy matchId and dataset from /api/match")
    if reply.http_status is not None and 400 <= reply.http_status < 500:
        raise network_refusal([reply])
    raise UpstreamError(
        f"node {node.id} did not take the contact request ({reply.status.value}: {reply.detail})",
        hint="try again later; nothing was stored",
    )


async def _ask(
    ctx: HubContext,
    nodes: tuple[NodeEntry, ...] | list[NodeEntry],
    path: str,
    body: object,
    headers: dict[str, str],
) -> list[NodeReply]:
    return await fan_out(
        "POST",
        path,
        nodes=nodes,
        json_body=body,
        deadline=ctx.config.deadline_seconds,
        max_reply_bytes=ctx.config.max_reply_bytes,
        client=ctx.client,
        headers=headers,
        max_skew=ctx.config.max_clock_skew_seconds,
        audit=ctx.audit,
    )
