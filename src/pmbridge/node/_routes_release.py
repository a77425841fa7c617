"""The node's aggregates and budget endpoints, for the hub and the portal's charts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import aggregates_body_schema, error_responses, json_body, json_request_body
from pmbridge.node._aggregate_costs import price_aggregates
from pmbridge.node._aggregates import answer_aggregates, answer_budget, parse_aggregates_body
from pmbridge.node._deps import audit_of, caller_of, context_of
from pmbridge.store import DIMENSIONS

router = APIRouter(responses=error_responses(401))  # under /api a node answers only what the hub signed
AGGREGATES_OPERATION = json_request_body(aggregates_body_schema(DIMENSIONS))  # the route reads it


@router.post("/api/aggregates", openapi_extra=AGGREGATES_OPERATION, responses=error_responses(403))
async def aggregates(request: Request) -> dict[str, object]:
    """Each dataset's total and breakdowns (sex, ageBand, phenotypeCategory) for a Beacon query."""
    beacon_request, breakdowns = parse_aggregates_body(await json_body(request))
    caller = caller_of(request)
    return await run_in_threadpool(
        answer_aggregates,
        context_of(request),
        beacon_request,
        breakdowns,
        caller=caller,
        audit=audit_of(request),
    )


@router.post("/api/aggregates/cost", openapi_extra=AGGREGATES_OPERATION, responses=error_responses(403))
async def aggregates_cost(request: Request) -> dict[str, object]:
    """What ``POST /api/aggregates`` with the same body would spend per dataset, and whether it would
    be refused; nothing is spent, remembered or released."""
    beacon_request, breakdowns = parse_aggregates_body(await json_body(request))
    return await run_in_threadpool(
        price_aggregates, context_of(request), beacon_request, breakdowns, caller=caller_of(request)
    )


@router.get("/api/budget")
def budget(request: Request) -> dict[str, object]:
    """The caller's privacy budget (ε) per dataset this year, from their passport."""
    return answer_budget(context_of(request), caller=caller_of(request))
