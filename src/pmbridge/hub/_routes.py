"""Hub endpoints: liveness, the node registry with health, and the network Beacon for individuals."""

from __future__ import annotations

import json
from dataclasses import asdict

from fastapi import APIRouter, Request

from pmbridge import __version__
from pmbridge.beacon import (
    API_VERSION,
    BeaconRequest,
    parse_body,
    parse_query_string,
    request_body,
    response_meta,
)
from pmbridge.errors import QueryError
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._fanout import fan_out
from pmbridge.hub._merge import NetworkCount, merge_counts

router = APIRouter()


@router.get("/health")
def health(request: Request) -> dict[str, object]:
    ctx = hub_of(request)
    return {"status": "up", "hub": ctx.config.id, "nodes": len(ctx.config.nodes), "version": __version__}


@router.get("/api/nodes")
async def nodes(request: Request) -> dict[str, object]:
    """Every registered node with its health (up / slow / down) as seen right now."""
    ctx = hub_of(request)
    replies = await fan_out(
        "GET",
        "/health",
        nodes=ctx.config.nodes,
        deadline=ctx.config.deadline_seconds,
        max_reply_bytes=ctx.config.max_reply_bytes,
        client=ctx.client,
    )
    slow_ms = ctx.config.deadline_seconds * 1000 / 2
    return {
        "nodes": [
            {
                "id": r.node.id,
                "name": r.node.name,
                "url": r.node.url,
                "jurisdiction": r.node.jurisdiction.value,
                "country": r.node.country,
                "status": r.status.value,
                "health": _health(r.status.value, r.elapsed_ms, slow_ms),
                "elapsedMs": round(r.elapsed_ms, 1),
                "datasets": (r.body or {}).get("datasets", []),
                "hpoRelease": (r.body or {}).get("hpoRelease"),
                "detail": r.detail,
            }
            for r in replies
        ]
    }


def _health(status: str, elapsed_ms: float, slow_ms: float) -> str:
    if status != "ok":
        return "down"
    return "slow" if elapsed_ms > slow_ms else "up"


@router.get("/api/individuals")
async def individuals_get(request: Request) -> dict[str, object]:
    return await network_individuals(hub_of(request), parse_query_string(dict(request.query_params)))


@router.post("/api/individuals")
async def individuals_post(request: Request) -> dict[str, object]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise QueryError(
            f"request body is not valid JSON: {exc}", hint="send a Beacon v2 request body"
        ) from None
    return await network_individuals(hub_of(request), parse_body(body))


async def network_individuals(ctx: HubContext, request: BeaconRequest) -> dict[str, object]:
    """Fan the request out, merge, and answer in the Beacon result-sets shape."""
    replies = await fan_out(
        "POST",
        "/api/individuals",
        nodes=ctx.config.nodes,
        json_body=request_body(request),
        deadline=ctx.config.deadline_seconds,
        max_reply_bytes=ctx.config.max_reply_bytes,
        client=ctx.client,
    )
    merged = merge_counts(replies, requested=request.granularity)
    return network_response(ctx, request, merged)


def network_response(ctx: HubContext, request: BeaconRequest, merged: NetworkCount) -> dict[str, object]:
    summary: dict[str, object] = {"exists": merged.exists}
    if merged.granularity.value != "boolean":
        summary["numTotalResults"] = merged.total
    return {
        "meta": response_meta(beacon_id=ctx.config.id, request=request, granularity=merged.granularity),
        "responseSummary": summary,
        "response": {
            "resultSets": [
                {
                    "id": d.dataset,
                    "setType": "dataset",
                    "exists": d.exists,
                    "resultsCount": d.count,
                    "results": [],
                    "info": {"node": d.node},
                }
                for d in merged.datasets
            ]
        },
        "info": {
            "apiVersion": API_VERSION,
            "nodes": [
                {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(o).items()}
                for o in merged.nodes
            ],
            "missingNodes": list(merged.missing),
        },
    }
