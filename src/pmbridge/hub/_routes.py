"""Hub endpoints: liveness, the node registry with health, and the network Beacon for every entry type.

Entry endpoints forward the request to every node unchanged (as a POST body) and answer with the
merge (hub/_merge.py): result sets per node and dataset, each saying which node it came from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from pmbridge import __version__
from pmbridge.beacon import (
    API_VERSION,
    HEALTH_RESPONSES,
    BeaconRequest,
    ResultSet,
    add_entry_routes,
    check_filters,
    collections_response,
    entry_type,
    error_responses,
    json_body,
    parse_body,
    parse_query_string,
    request_body,
    resultsets_response,
    time_left,
)
from pmbridge.hub._caller import HubCaller, hub_caller
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._fanout import NodeStatus
from pmbridge.hub._merge import NetworkAnswer, merge_replies, release_network
from pmbridge.hub._refusals import network_refusal, no_answer, rule_field

router = APIRouter()


@router.get("/health", responses=HEALTH_RESPONSES)
def health(request: Request, response: Response) -> dict[str, object]:
    """Liveness: ``up``, or ``overloaded`` (with ``Retry-After``) while the hub turns requests
    away; ``load`` has the figures and ``links`` the requests in flight to each node now."""
    ctx = hub_of(request)
    if ctx.gate.saturated:
        response.headers["Retry-After"] = str(ctx.gate.retry_after_seconds)
    return {
        **ctx.gate.health(),
        "hub": ctx.config.id,
        "nodes": len(ctx.config.nodes),
        "links": {n.id: ctx.links.in_flight(n.id) for n in ctx.config.nodes},
        "version": __version__,
    }


@router.get("/api/nodes")
async def nodes(request: Request) -> dict[str, object]:
    """Every registered node with its health (up / slow / timeout / refused / down / error) as
    its latest ``/health`` check found it (``checkedSecondsAgo``: the hub keeps a reading for
    ``hub.health_cache_seconds`` and checks each node once however many ask), and its breaker."""
    ctx = hub_of(request)
    left = time_left()
    within = ctx.config.deadline_seconds if left is None else max(min(ctx.config.deadline_seconds, left), 0.0)
    readings = await ctx.health.read_all(ctx.config.nodes, within=within)
    now = ctx.health.now()
    slow_ms = ctx.config.deadline_seconds * 1000 / 2
    listed = []
    for reading in readings:
        r = reading.reply
        listed.append(
            {
                "id": r.node.id,
                "name": r.node.name,
                "url": r.node.url,
                "jurisdiction": r.node.jurisdiction.value,
                "country": r.node.country,
                "status": r.status.value,
                "health": _health(r.status.value, r.elapsed_ms, slow_ms, said=(r.body or {}).get("status")),
                "elapsedMs": round(r.elapsed_ms, 1),
                "checkedSecondsAgo": round(reading.age(now), 1) if reading.kept else None,
                "datasets": (r.body or {}).get("datasets", []),
                "hpoRelease": (r.body or {}).get("hpoRelease"),
                "detail": r.detail,
                "breaker": ctx.breakers.shown(r.node.id),
                **rule_field(r),
            }
        )
    return {"nodes": listed}


def _health(status: str, elapsed_ms: float, slow_ms: float, *, said: object = None) -> str:
    """``up``, or ``slow`` past half the deadline when it answered, or ``overloaded`` when its
    health says so (``said``); otherwise its status as it is (``timeout``, ``refused``, ``down``,
    ``error``), never folded into another.

    >>> _health("ok", 10.0, 2500.0), _health("ok", 3000.0, 2500.0), _health("timeout", 5000.0, 2500.0)
    ('up', 'slow', 'timeout')
    >>> _health("ok", 10.0, 2500.0, said="overloaded")
    'overloaded'
    """
    if status != "ok":
        return status
    if said == "overloaded":
        return "overloaded"
    return "slow" if elapsed_ms > slow_ms else "up"


async def network_entries(
    ctx: HubContext,
    request: BeaconRequest,
    *,
    path: str,
    entry_id: str | None = None,
    lookup: str | None = None,
    who: HubCaller | None = None,
) -> dict[str, object]:
    """Fan ``/api/{path}[/{entry_id}[/{lookup}]]`` out to every node, merge, answer as a Beacon.

    ``who`` carries the researcher's passport and purpose to the nodes (None: anonymous). Nodes
    are asked for every result set, misses included, so the hub's disclosure pass sees each count.
    """
    target = entry_type(lookup or path)
    check_filters(request.filters)  # a malformed request is a 400 here, not an error at every node
    url = f"/api/{path}" + (f"/{quote(entry_id, safe='')}" if entry_id is not None else "")
    url += f"/{lookup}" if lookup else ""
    body = request_body(replace(request, include_resultset_responses="ALL"))
    replies = await ctx.ask("POST", url, json_body=body, headers=who.forward if who is not None else None)
    refused = [r for r in replies if r.http_status is not None and 400 <= r.http_status < 500]
    if refused and not any(r.status is NodeStatus.OK for r in replies):
        refused_ids = {id(r) for r in refused}
        error = network_refusal(refused, silent=[r for r in replies if id(r) not in refused_ids])
        if who is not None and who.audit is not None:
            who.audit.refuse(getattr(error, "rule", error.code))
        raise error
    answers = merge_replies(replies, requested=request.granularity)
    if answers.nodes and not any(o.status is NodeStatus.OK for o in answers.nodes):
        silent = [(o.node, o.status, o.detail) for o in answers.nodes]
        raise no_answer(silent)  # a 502 naming each node, never a 200 "no match"
    # In a worker thread: the hub's pass reads and writes its SQLite ledger, which may wait on a
    # lock held by another worker process, and the event loop must keep serving meanwhile.
    merged = await run_in_threadpool(
        release_network,
        answers,
        ctx=ctx,
        who=who,
        question={"path": url, "query": body["query"]},
        people=not target.collection,
    )
    info = network_info(merged, request)
    if target.collection and entry_id is None:
        return collections_response(
            beacon_id=ctx.config.id,
            request=request,
            entry=target,
            granularity=merged.granularity,
            total=merged.total,
            collections=merged.collections,
            info=info,
        )
    return resultsets_response(
        beacon_id=ctx.config.id,
        request=request,
        entry=target,
        granularity=merged.granularity,
        sets=[
            ResultSet(
                id=s.dataset,
                count=s.count,
                results=s.results,
                exists=s.exists,
                set_type=s.set_type,
                info={"node": s.node, **(s.hub.info() if s.hub is not None else {})},
            )
            for s in merged.sets
        ],
        info=info,
        total=merged.total,
        exists=merged.exists,
    )


def network_info(merged: NetworkAnswer, request: BeaconRequest) -> dict[str, object]:
    """Per-node outcomes, the nodes whose answer is not in the reply (each with its own status:
    refused, down, timeout or error), what any node could not apply, and what the hub itself
    ignored of ``request`` (parameters and body keys it does not forward)."""
    info: dict[str, object] = {
        "apiVersion": API_VERSION,
        "nodes": [
            {
                "node": o.node,
                "status": o.status.value,
                "elapsed_ms": o.elapsed_ms,
                "granularity": None if o.granularity is None else o.granularity.value,
                "count": o.count,
                "detail": o.detail,
                **({"rule": o.rule} if o.rule is not None else {}),
                **({"warnings": list(o.warnings)} if o.warnings else {}),
            }
            for o in merged.nodes
        ],
        "missingNodes": list(merged.missing),
    }
    if merged.released_total is not None:
        info["total"] = merged.released_total.to_dict()
    unsupported = [{**item, "node": o.node} for o in merged.nodes for item in o.unsupported_filters]
    if unsupported:
        info["unsupportedFilters"] = unsupported
    info |= request.ignored_info()  # ignoredParameters, unknownKeys: never forwarded to a node
    warnings = request.ignored_warnings(by="the hub")
    warnings += [f"{o.node}: {w}" for o in merged.nodes for w in o.warnings]
    if warnings:
        info["warnings"] = warnings
    return info


def _endpoint(path: str, lookup: str | None) -> Callable[[Request], Awaitable[dict[str, object]]]:
    async def endpoint(request: Request) -> dict[str, object]:
        if request.method == "POST":
            beacon_request = parse_body(await json_body(request))
        else:
            params = request.query_params
            beacon_request = parse_query_string({k: ",".join(params.getlist(k)) for k in params})
        return await network_entries(
            hub_of(request),
            beacon_request,
            path=path,
            entry_id=request.path_params.get("entry_id"),
            lookup=lookup,
            who=hub_caller(request),
        )

    return endpoint


add_entry_routes(router, _endpoint, responses=error_responses(401, 403, 502))
