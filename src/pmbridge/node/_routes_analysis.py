"""The node's analysis endpoint: one step of a vetted analysis, for the hub that conducts it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.analytics import node_step_schema
from pmbridge.beacon import BEACON_REQUEST_BODY, error_responses, json_body, json_request_body
from pmbridge.node._analysis import answer_analysis, parse_analysis_body
from pmbridge.node._deps import audit_of, caller_of, context_of

router = APIRouter(responses=error_responses(401))  # under /api a node answers only what the hub signed
ANALYSIS_OPERATION = json_request_body(
    node_step_schema(BEACON_REQUEST_BODY["properties"]["query"]), required=True
)


@router.post("/api/analysis", openapi_extra=ANALYSIS_OPERATION, responses=error_responses(403))
async def analysis(request: Request) -> dict[str, object]:
    """This node's aggregate part of one step of an analysis (summary, crosstab, GLM, Kaplan–Meier,
    Cox), after its own disclosure checks; a failing output is destroyed and the step refused."""
    spec, step = parse_analysis_body(await json_body(request))
    return await run_in_threadpool(
        answer_analysis, context_of(request), spec, step, caller=caller_of(request), audit=audit_of(request)
    )
