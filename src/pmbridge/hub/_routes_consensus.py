"""``/api/consensus``: organisers draft, lock and run Delphi studies (docs/consensus.md).

Every route here needs the passport of an organiser listed in ``consensus.organisers``; none returns
a personal link token, and per-person ratings only where the locked protocol allows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from pmbridge.audit import request_audit
from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.errors import ConsensusError
from pmbridge.hub import _consensus_rounds as rounds
from pmbridge.hub import _consensus_view as views
from pmbridge.hub._consensus_auth import Organiser, organiser_of, organisers
from pmbridge.hub._consensus_desk import ConsensusDesk
from pmbridge.hub._consensus_invite import invite as invite_panel
from pmbridge.hub._consensus_store import CONSENSUS_FILE, ConsensusStore
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.knowledge import KnowledgeBase

T = TypeVar("T")
STUDIES = "/api/consensus/studies"
STUDY = STUDIES + "/{study_id}"
_ERRORS = error_responses(400, 401, 403, 404, 409)
_OBJECT: dict[str, Any] = {"type": "object"}


def _body(schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return json_request_body(dict(schema or _OBJECT), required=True)


@asynccontextmanager
async def _open_consensus_desk(app: FastAPI) -> AsyncIterator[None]:
    ctx = app.state.hub  # set by the hub's own lifespan, which runs first
    assert isinstance(ctx, HubContext)
    app.state.consensus = await asyncio.to_thread(
        open_consensus_desk, ctx, getattr(app.state, "knowledge", None)
    )
    yield


def open_consensus_desk(ctx: HubContext, kb: object = None) -> ConsensusDesk:
    """The desk over ``consensus.sqlite`` in the hub's state folder, writing to the hub's audit log."""
    config = ctx.config
    smtp = config.access.smtp
    return ConsensusDesk(
        ConsensusStore(config.state_dir / CONSENSUS_FILE),
        audit=ctx.audit,
        audit_key=ctx.key.verifying_key,
        organisers=organisers(config.consensus),
        mail=smtp is not None and smtp.enabled,
        public_url=config.public_api.public_url or "",
        reminder_days=config.consensus.reminder_days,
        kb=kb if isinstance(kb, KnowledgeBase) else None,
    )


router = APIRouter(tags=["consensus"], lifespan=_open_consensus_desk)
_bearer = HTTPBearer(
    auto_error=False, description="The GA4GH passport of an organiser in consensus.organisers"
)


def consensus_desk(request: Request) -> ConsensusDesk:
    """The hub's consensus desk (``app.state.consensus``)."""
    desk = request.app.state.consensus
    assert isinstance(desk, ConsensusDesk)
    return desk


def _organiser(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Organiser:
    ctx = hub_of(request)
    who = organiser_of(
        credentials.credentials if credentials else "", table=ctx.config.consensus, trust=ctx.release.trust
    )
    audit = request_audit(request.scope)
    if audit is not None:
        audit.researcher = who.label
    return who


Who = Annotated[Organiser, Depends(_organiser)]
Desk = Annotated[ConsensusDesk, Depends(consensus_desk)]


def _now() -> datetime:
    return datetime.now(UTC)


async def _off_loop(work: Callable[[], T]) -> T:
    """SQLite work in a worker thread, so a busy store never stalls the event loop."""
    return await run_in_threadpool(work)


async def _object(request: Request) -> Mapping[str, object]:
    body = await json_body(request)
    if not isinstance(body, Mapping):
        raise ConsensusError("the request body must be a JSON object", hint="send a JSON object")
    return body


@router.post(STUDIES, status_code=201, responses=_ERRORS, openapi_extra=_body())
async def create_study(request: Request, who: Who, desk: Desk) -> dict[str, object]:
    """Create a draft study: `{title: {en, zh}, description: {en, zh}, rule: "comet"|{…}, k?, rounds?,
    organiser_sees_ratings?, previous_respondents_only?}`."""
    body = await _object(request)

    def work() -> dict[str, object]:
        return {"study": views.study_view(desk, desk.create(who, body, _now()))}

    return await _off_loop(work)


@router.get(STUDIES, responses=_ERRORS)
def list_studies(who: Who, desk: Desk) -> dict[str, object]:
    """Every study in brief, newest first."""
    return {"studies": views.studies_view(desk)}


@router.get(STUDY, responses=_ERRORS)
def get_study(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """One study: protocol, statement, groups, items, rounds and lock."""
    return {"study": views.study_view(desk, study_id)}


@router.put(STUDY + "/rule", responses=_ERRORS, openapi_extra=_body())
async def set_rule(request: Request, who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Change a draft's rule (and, if sent, k, rounds, flags, title, description); 409 once locked."""
    body = await _object(request)

    def work() -> dict[str, object]:
        desk.edit(who, study_id, body, _now())
        return {"study": views.study_view(desk, study_id)}

    return await _off_loop(work)


@router.post(STUDY + "/groups", status_code=201, responses=_ERRORS, openapi_extra=_body())
async def add_group(request: Request, who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Add a stakeholder group `{id, name: {en, zh}}` to a draft."""
    body = await _object(request)

    def work() -> dict[str, object]:
        desk.add_group(who, study_id, body, _now())
        return {"study": views.study_view(desk, study_id)}

    return await _off_loop(work)


@router.post(STUDY + "/items", status_code=201, responses=_ERRORS, openapi_extra=_body())
async def add_item(request: Request, who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Add a round-1 item `{id?, texts: {en: {text, provenance}, zh: {…}}, links: [kb ids]}` to a draft."""
    body = await _object(request)

    def work() -> dict[str, object]:
        item = desk.add_item(who, study_id, body, _now())
        return {"item": item, "study": views.study_view(desk, study_id)}

    return await _off_loop(work)


@router.put(STUDY + "/items/{item_id}/texts/{lang}", responses=_ERRORS, openapi_extra=_body())
async def set_item_text(
    request: Request, *, who: Who, desk: Desk, study_id: str, item_id: str, lang: str
) -> dict[str, object]:
    """One language's text of an item `{text, provenance}`: in a draft, or of an adopted item before its
    round opens."""
    body = await _object(request)

    def work() -> dict[str, object]:
        desk.set_item_text(who, study_id, item_id, lang, body, now=_now())
        return {"study": views.study_view(desk, study_id)}

    return await _off_loop(work)


@router.post(STUDY + "/panellists", responses=_ERRORS, openapi_extra=_body())
async def invite(request: Request, who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Invite panellists `{panellists: [{name, email, group, language}]}`: each gets a mail with a
    personal link (never returned here); until round 1 opens. Needs `[access.smtp]`."""
    body = await _object(request)
    return {"invited": await _off_loop(lambda: invite_panel(desk, who, study_id, body, _now()))}


@router.get(STUDY + "/participation", responses=_ERRORS)
def participation(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Who was invited to, answered and was reminded of each round; never a score or a comment."""
    return views.participation(desk, study_id)


@router.post(STUDY + "/lock", responses=_ERRORS, openapi_extra=_body())
async def lock(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Lock the protocol, texts, groups and round-1 items; the snapshot's digest goes to the audit log."""
    digest, seq = await _off_loop(lambda: desk.lock(who, study_id, _now()))
    return {"digest": digest, "audit_seq": seq}


@router.get(STUDY + "/verify", responses=_ERRORS)
def verify(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Whether the stored snapshot still has the digest the lock's audit entry recorded."""
    return desk.verify(study_id, _now())


@router.post(STUDY + "/rounds", status_code=201, responses=_ERRORS, openapi_extra=_body())
async def schedule_round(request: Request, who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Schedule the next round `{opens, closes}` (ISO 8601 with offset); it opens at once when due."""
    body = await _object(request)

    def work() -> dict[str, object]:
        number = rounds.schedule(desk, who.label, study_id, body, _now())
        return {"round": number, "study": views.study_view(desk, study_id)}

    return await _off_loop(work)


@router.post(STUDY + "/rounds/{number}/close", responses=_ERRORS, openapi_extra=_body())
async def close_round(who: Who, desk: Desk, study_id: str, number: int) -> dict[str, object]:
    """Close an open round now: its results are computed with the locked rule and released."""
    return {"results": await _off_loop(lambda: rounds.close_round(desk, who.label, study_id, number, _now()))}


@router.post(STUDY + "/remind", responses=_ERRORS, openapi_extra=_body())
async def remind(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Queue a reminder, with a fresh personal link, to each non-responder of the open round."""
    return {"reminded": await _off_loop(lambda: rounds.remind(desk, who.label, study_id, _now()))}


@router.get(STUDY + "/proposals", responses=_ERRORS)
def list_proposals(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """The panel's round-1 proposals, without authors."""
    return {"proposals": views.proposals(desk, study_id)}


@router.post(
    STUDY + "/proposals/{proposal_id}/adopt", status_code=201, responses=_ERRORS, openapi_extra=_body()
)
async def adopt(request: Request, who: Who, desk: Desk, study_id: str, proposal_id: str) -> dict[str, object]:
    """Adopt a proposal as an item of the next round: `{id?, texts: {en, zh}, links}`."""
    body = await _object(request)

    def work() -> dict[str, object]:
        item = rounds.adopt(desk, who.label, study_id, proposal_id, body, now=_now())
        return {"item": item, "study": views.study_view(desk, study_id)}

    return await _off_loop(work)


@router.put(STUDY + "/comments/{comment_id}/texts/{lang}", responses=_ERRORS, openapi_extra=_body())
async def set_comment_text(
    request: Request, *, who: Who, desk: Desk, study_id: str, comment_id: str, lang: str
) -> dict[str, object]:
    """Add a comment's text in the other language `{text, provenance: machine|reviewed}`."""
    body = await _object(request)

    def work() -> dict[str, object]:
        rounds.set_comment_text(desk, who.label, study_id, comment_id, lang=lang, body=body, now=_now())
        return {"ok": True}

    return await _off_loop(work)


@router.get(STUDY + "/comments", responses=_ERRORS)
def list_comments(
    who: Who, desk: Desk, study_id: str, round: Annotated[int, Query(ge=1, le=5)] = 1
) -> dict[str, object]:
    """A closed round's comments, anonymised and ordered as panellists see them."""
    return {"round": round, "comments": views.comments(desk, study_id, round)}


@router.get(STUDY + "/results", responses=_ERRORS)
def results(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """The closed rounds' results: statuses by the locked rule, tallies only in blocks of ≥ k."""
    return views.results(desk, study_id)


@router.get(STUDY + "/ratings", responses=_ERRORS)
def ratings(who: Who, desk: Desk, study_id: str) -> dict[str, object]:
    """Per-person ratings of closed rounds: 403 `ratings_private` unless the protocol allows them."""
    return {"ratings": views.ratings(desk, study_id)}
