"""The hub's analysis endpoint: a federated summary, crosstab, GLM, Kaplan–Meier or Cox model."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pmbridge.analytics import analysis_schema, parse_analysis
from pmbridge.beacon import (
    BEACON_REQUEST_BODY,
    check_filters,
    error_responses,
    json_body,
    json_request_body,
    parse_body,
)
from pmbridge.hub._analyses import conduct_analysis
from pmbridge.hub._caller import hub_caller
from pmbridge.hub._context import hub_of

router = APIRouter()
ANALYSES_OPERATION = json_request_body(
    analysis_schema(BEACON_REQUEST_BODY["properties"]["query"]), required=True
)


@router.post("/api/analyses", openapi_extra=ANALYSES_OPERATION, responses=error_responses(400, 401, 403, 502))
async def analyses(request: Request) -> dict[str, object]:
    """Run one vetted analysis over the network; the result equals the pooled analysis (on binned
    event times where binning applies). Every node checks its own part; the hub releases a result
    only when at least ``privacy.min_contributing_nodes`` nodes contributed (docs/analytics.md)."""
    who = hub_caller(request)
    spec = parse_analysis(await json_body(request))
    check_filters(parse_body({"query": dict(spec.cohort)}).filters)
    return await conduct_analysis(hub_of(request), who, spec)
