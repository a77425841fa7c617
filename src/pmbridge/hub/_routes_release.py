"""Hub endpoints for researchers: the demo broker (``/api/auth/…``), the network's aggregates for
the portal's charts and each researcher's privacy budget, node by node."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import (
    BeaconRequest,
    aggregates_body_schema,
    check_filters,
    error_responses,
    json_body,
    json_request_body,
    parse_body,
    request_body,
)
from pmbridge.errors import QueryError
from pmbridge.hub._access_visas import passport_grants
from pmbridge.hub._broker import demo_token, user_summary
from pmbridge.hub._caller import hub_caller
from pmbridge.hub._context import hub_of
from pmbridge.hub._merge_aggregates import merge_aggregates, merge_budgets
from pmbridge.hub._refusals import unanswered
from pmbridge.hub._request_limits import check_sign_in
from pmbridge.model import DIMENSIONS, Granularity
from pmbridge.policy import ANONYMOUS, DEMO_ISSUER, crosses_border, demo_users
from pmbridge.privacy import DisclosureControl

router = APIRouter()

AGGREGATES_OPERATION = json_request_body(aggregates_body_schema(DIMENSIONS))
"""``openapi_extra`` of the aggregates routes, which read their body themselves."""
TOKEN_BODY = {
    "title": "TokenRequest",
    "type": "object",
    "required": ["user"],
    "properties": {"user": {"type": "string", "description": "A demo user's id (GET /api/auth/users)"}},
}


@router.get("/api/auth/users")
def users(request: Request) -> dict[str, object]:
    """The demo users a visitor may sign in as (none unless ``hub.demo_broker`` is on)."""
    demo = hub_of(request).release.broker_key is not None
    return {"demo": demo, "users": [user_summary(u) for u in demo_users()] if demo else []}


@router.post(
    "/api/auth/token",
    openapi_extra=json_request_body(TOKEN_BODY, required=True),
    responses=error_responses(429),
)
async def token(request: Request) -> dict[str, object]:
    """``{"user": ID}`` → the demo user's passport and when it expires (demo mode only)."""
    key = hub_of(request).release.broker_key
    if key is None:
        raise QueryError(
            "this hub issues no passports (hub.demo_broker is off)",
            hint="sign in at the network's identity broker, or run the demo (`pmbridge demo`)",
        )
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise QueryError('the body must be {"user": ID}', hint="GET /api/auth/users lists the ids")
    check_sign_in(request, str(body.get("user")))  # 429 past hub.rate_limits.sign_in_*
    desk = hub_of(request).access
    return demo_token(
        key, body.get("user"), grants=lambda user, now: passport_grants(desk, DEMO_ISSUER, user, now)
    )


@router.post("/api/aggregates", openapi_extra=AGGREGATES_OPERATION, responses=error_responses(401, 403, 502))
async def aggregates(request: Request) -> dict[str, object]:
    """Each node's datasets with totals and breakdowns, after the hub's own disclosure pass."""
    ctx, who = hub_of(request), hub_caller(request)
    body, beacon = aggregates_body(await json_body(request))
    replies = await ctx.ask("POST", "/api/aggregates", json_body=body, headers=who.forward)
    if (silent := unanswered(replies)) is not None:
        raise silent  # 502: no node answered at all
    counted = request_body(replace(beacon, granularity=Granularity.COUNT, include_resultset_responses="ALL"))
    where = {n.id: n.jurisdiction for n in ctx.config.nodes}
    researcher = who.caller.researcher
    merged = await run_in_threadpool(  # the ledger may wait on a lock: not on the event loop
        merge_aggregates,
        replies,
        control=ctx.release.disclosure,
        researcher=researcher.id,
        question=lambda node, dataset: {
            "path": "/api/individuals",
            "query": counted["query"],
            "node": node,
            "dataset": dataset,
        },
        cross_border=lambda node: crosses_border(where[node], researcher.country),
    )
    if who.audit is not None:
        await run_in_threadpool(
            who.audit.record_release,
            rule="hub-privacy",
            granularity="count",
            released={"datasets": len(merged.datasets)},
        )
    return merged.to_dict()


def aggregates_body(body: object) -> tuple[Mapping[str, object], BeaconRequest]:
    """The body of ``/api/aggregates`` (and of its cost) checked before any node is asked: its
    shape, and filters the hub can read; returns it with its query as a Beacon request."""
    if body is None:
        body = {}
    if not isinstance(body, Mapping) or not isinstance(body.get("breakdowns", []), list):
        raise QueryError(
            'the aggregates body must be {"query": {...}, "breakdowns": [...]}',
            hint='e.g. {"query": {"filters": [{"id": "HP:0001250"}]}, "breakdowns": ["sex"]}',
        )
    beacon = parse_body({"query": body.get("query", {})})
    check_filters(beacon.filters)
    return body, beacon


@router.get("/api/budget", responses=error_responses(401))
async def budget(request: Request) -> dict[str, object]:
    """The caller's remaining ε per node and dataset this year, and what the hub itself charged."""
    ctx, who = hub_of(request), hub_caller(request)
    replies = await ctx.ask("GET", "/api/budget", headers=who.forward)
    researcher = who.caller.researcher
    year = dt.datetime.now(dt.UTC).year
    return {
        "researcher": researcher.id,
        "anonymous": researcher.is_anonymous,
        "tier": "public" if researcher.is_anonymous else "researcher",
        "year": year,
        **merge_budgets(replies),
        "hub": await run_in_threadpool(hub_budget, ctx.release.disclosure, researcher.id, year),
    }


def hub_budget(control: DisclosureControl, researcher: str, year: int) -> dict[str, object]:
    """What the hub itself charged ``researcher`` in ``year``, read from its ledger (blocking); the
    public tier (anonymous callers) is charged nothing and has no budget."""
    public = researcher == ANONYMOUS
    return {
        "noise": control.settings.noise,
        "epsilonPerCount": control.settings.epsilon_per_count,
        "budget": None if public else control.settings.yearly_epsilon_budget,
        "datasets": [
            {"dataset": key, "spent": value, "remaining": control.remaining(researcher, key, year)}
            for key, value in sorted(control.spending(researcher, year).items())
        ],
    }
