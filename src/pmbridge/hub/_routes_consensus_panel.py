"""``/api/consensus/panel``: a panellist's own view and answers, reached with their personal link.

The token travels in ``X-Panel-Token``; the audit names the actor ``panellist`` and keeps no digest of
the body (a 1–9 answer's digest could be guessed back).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.errors import ConsensusError
from pmbridge.hub._consensus_panel import panel_answer, panel_view
from pmbridge.hub._routes_consensus import consensus_desk

router = APIRouter(tags=["consensus"])
PANEL = "/api/consensus/panel"
_ERRORS = error_responses(400, 401, 409)
Token = Annotated[str, Header(alias="X-Panel-Token", description="The token of your personal link")]


@router.get(PANEL, responses=_ERRORS)
def view(request: Request, x_panel_token: Token = "") -> dict[str, object]:
    """Your study, your open round's items with your answers and, from round 2, the previous round's
    released distribution, your own previous score and the anonymised comments."""
    return panel_view(consensus_desk(request), x_panel_token, datetime.now(UTC))


@router.put(
    PANEL + "/answers", responses=_ERRORS, openapi_extra=json_request_body({"type": "object"}, required=True)
)
async def answer(request: Request, x_panel_token: Token = "") -> dict[str, object]:
    """Save answers `{answers: [{item, score: 1..9|"unable"|null, comment?: {text, language}}],
    proposals?: [{text, language}], submit}`; change them freely until the round closes."""
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise ConsensusError(
            "the request body must be a JSON object", hint='send {"answers": [...], "submit": false}'
        )
    desk = consensus_desk(request)
    return await run_in_threadpool(lambda: panel_answer(desk, x_panel_token, body, datetime.now(UTC)))
