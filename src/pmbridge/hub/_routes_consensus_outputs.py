"""``/api/consensus`` outputs: the anonymised ratings as CSV, the report (HTML or PDF, English or
Chinese), and agreed items' roadmap updates, which a knowledge steward confirms into the roadmap.

Its lifespan runs the studies' clock (rounds opening and closing, reminders) and their outbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.consensus import export_csv
from pmbridge.errors import ConsensusError, KnowledgeError, PMBridgeError
from pmbridge.hub import _consensus_roadmap as roadmap
from pmbridge.hub import _consensus_view as views
from pmbridge.hub._access_open import access_delivery
from pmbridge.hub._consensus_auth import organiser_of
from pmbridge.hub._consensus_desk import ConsensusDesk
from pmbridge.hub._consensus_pdf import print_pdf
from pmbridge.hub._consensus_report import render_report
from pmbridge.hub._consensus_steps import record
from pmbridge.hub._consensus_store import load_study, round_ratings, rounds_of
from pmbridge.hub._consensus_sweep import ConsensusLoop
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._kb_stewards import steward_of
from pmbridge.hub._routes_consensus import STUDY, Desk, Who
from pmbridge.knowledge import KnowledgeBase


@asynccontextmanager
async def _run_consensus_loop(app: FastAPI) -> AsyncIterator[None]:
    ctx, desk = app.state.hub, app.state.consensus  # set by the hub's and the studies' lifespans
    assert isinstance(ctx, HubContext)
    assert isinstance(desk, ConsensusDesk)
    loop = ConsensusLoop(desk, access_delivery(ctx.config), seconds=ctx.config.access.sweep_seconds)
    app.state.consensus_loop = loop
    async with loop.running():
        yield


router = APIRouter(tags=["consensus"], lifespan=_run_consensus_loop)
UPDATES = "/api/consensus/roadmap-updates"
_ERRORS = error_responses(400, 401, 403, 404, 409)
_bearer = HTTPBearer(
    auto_error=False, description="An organiser's or a knowledge steward's passport, or the steward token"
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _now() -> datetime:
    return datetime.now(UTC)


def _kb(request: Request) -> KnowledgeBase:
    kb = getattr(request.app.state, "knowledge", None)
    if not isinstance(kb, KnowledgeBase):
        raise KnowledgeError("the knowledge base is not open on this hub", hint="restart the hub")
    return kb


@router.get(STUDY + "/export.csv", responses=_ERRORS)
def export(who: Who, desk: Desk, study_id: str) -> Response:
    """The closed rounds' ratings, anonymised: `code,round,group,item,score` (1–9 or `unable`). Codes
    are given per round from the answers, not the people (stable across rounds only where the
    protocol lets the organiser see ratings); a group of fewer than k respondents in a round is
    written as `other groups`; a round with fewer than k respondents is left out."""
    with desk.store.connect() as con:
        study = load_study(con, study_id)
        protocol = desk.protocol(con, study)  # checks the lock first
        ratings = [
            rating
            for found in rounds_of(con, study_id)
            if found.state == "closed"
            for rating in round_ratings(con, study_id, found.round)
        ]
    text = export_csv(ratings, k=protocol.k, stable_codes=protocol.organiser_sees_ratings)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{study_id}-ratings.csv"'},
    )


@router.get(STUDY + "/report", responses=error_responses(400, 401, 403, 404, 409, 503))
async def report(
    who: Who,
    desk: Desk,
    study_id: str,
    fmt: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html",
    lang: Literal["en", "zh"] = "en",
) -> Response:
    """The study's report following ACCORD: methods (the locked rule in words, k, the lock's digest
    and audit entry, the anonymity statement), retention per round, each item's status and reason
    with a chart per released block, and the checklist. `format=pdf` needs Chromium on the hub."""

    def page() -> str:
        study, results = views.study_view(desk, study_id), views.results(desk, study_id)
        return render_report(study, results, lang=lang, generated=_now())

    html = await run_in_threadpool(page)
    if fmt == "html":
        return Response(html, media_type="text/html; charset=utf-8")
    pdf = await print_pdf(html)
    headers = {"content-disposition": f'attachment; filename="{study_id}-report-{lang}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post(
    STUDY + "/items/{item_id}/roadmap",
    status_code=201,
    responses=_ERRORS,
    openapi_extra=json_request_body({"type": "object"}, required=True),
)
async def propose_roadmap(
    request: Request, who: Who, desk: Desk, study_id: str, item_id: str
) -> dict[str, Any]:
    """Propose `{action, status, note}` for a roadmap action the item links, once the panel agreed
    on the item (final status `in`); a knowledge steward confirms it."""
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise ConsensusError(
            "the request body must be a JSON object", hint='send {"action", "status", "note"}'
        )
    kb = _kb(request)

    def work() -> dict[str, Any]:
        study, results = views.study_view(desk, study_id), views.results(desk, study_id)
        items = study.get("items")
        item = roadmap.texts_of(items if isinstance(items, list) else [], item_id)
        with desk.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            update = roadmap.propose(
                con,
                kb,
                study=study_id,
                item=item,
                results=results,
                body=body,
                organiser=who.label,
                now=_now(),
            )
            released = {"item": item_id, "action": str(update["action"]), "status": str(update["status"])}
            record(
                con,
                desk.audit,
                actor=who.label,
                study=study_id,
                step="roadmap",
                released=released,
                now=_now(),
            )
        return {"update": update}

    return await run_in_threadpool(work)


def _organiser_or_steward(request: Request, credentials: Bearer) -> str:
    """Who may read the proposals: a study organiser or a knowledge steward."""
    ctx = hub_of(request)
    bearer = credentials.credentials if credentials else ""
    try:
        return organiser_of(bearer, table=ctx.config.consensus, trust=ctx.release.trust).label
    except PMBridgeError:
        return steward_of(bearer, named="steward", settings=ctx.config.knowledge, trust=ctx.release.trust)


@router.get(UPDATES, responses=error_responses(401, 403))
def list_updates(
    request: Request,
    desk: Desk,
    reader: Annotated[str, Depends(_organiser_or_steward)],
    state: Literal["proposed", "confirmed"] | None = None,
) -> dict[str, Any]:
    """Roadmap updates agreed items proposed, newest first (for organisers and knowledge stewards)."""
    with desk.store.connect() as con:
        return {"updates": roadmap.updates(con, state=state)}


@router.post(
    UPDATES + "/{update_id}/confirm",
    responses=_ERRORS,
    openapi_extra=json_request_body({"type": "object"}, required=False),
)
async def confirm_update(request: Request, desk: Desk, update_id: str, credentials: Bearer) -> dict[str, Any]:
    """A knowledge steward confirms the update: the action's status changes and its history names the
    study, the item and the round that agreed it (`steward` names the holder of the steward token)."""
    body = await json_body(request) if await request.body() else {}
    named = body.get("steward", "") if isinstance(body, Mapping) else ""
    ctx = hub_of(request)
    steward = steward_of(
        credentials.credentials if credentials else "",
        named=named if isinstance(named, str) else "",
        settings=ctx.config.knowledge,
        trust=ctx.release.trust,
    )
    kb = _kb(request)

    def work() -> dict[str, Any]:
        with desk.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            found = [u for u in roadmap.updates(con) if u["id"] == update_id]
            study = load_study(con, str(found[0]["study"])) if found else None
            title = study.title.get("en", "") if study else ""
            update = roadmap.confirm(con, kb, update_id, steward=steward, study_title=title, now=_now())
            released = {"update": update_id, "action": str(update["action"]), "status": str(update["status"])}
            record(
                con,
                desk.audit,
                actor=steward,
                study=str(update["study"]),
                step="roadmap_confirm",
                released=released,
                now=_now(),
            )
        return {"update": update}

    return await run_in_threadpool(work)
