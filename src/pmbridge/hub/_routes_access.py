"""``/api/access``: access requests, their negotiation, the inbox and grants (docs/access.md).

Every route needs a signed-in researcher or steward (a passport); none releases data about
people: a request carries what the researcher wrote, the pre-check carries the nodes' verdicts,
and an attachment goes to, and comes from, the one node whose steward needs it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from pmbridge.access import OPEN_RESOURCE, AccessRequest, Language, Role, open_steps, parse_draft
from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.errors import AccessRequestError, TransitionRefused, UnknownAccessRequest, UpstreamError
from pmbridge.hub import _access_schemas as schemas
from pmbridge.hub._access_contact import relay_contact
from pmbridge.hub._access_desk import LIVE_REQUEST
from pmbridge.hub._access_inbox import inbox, mark_read, unread
from pmbridge.hub._access_parties import Who, check_address, stewarded_nodes
from pmbridge.hub._access_precheck import check_draft, run_prechecks
from pmbridge.hub._caller import hub_caller
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._fanout import NodeStatus

T = TypeVar("T")
router = APIRouter(tags=["access"])
_ERRORS = error_responses(400, 401, 403, 404, 409, 502)
MAX_ATTACHMENT_REPLY = 8 * 1_048_576


def _who(request: Request) -> tuple[HubContext, Who]:
    ctx = hub_of(request)
    who = Who.of(hub_caller(request).caller.researcher)
    return ctx, _named(ctx, who)


def _named(ctx: HubContext, who: Who) -> Who:
    """A steward carries the name their node lists."""
    for node in ctx.config.nodes:
        for steward in node.stewards:
            if steward.is_(who):
                return Who(who.issuer, who.subject, steward.name)
    return who


def _now() -> datetime:
    return datetime.now(UTC)


def detail(ctx: HubContext, who: Who, request: AccessRequest) -> dict[str, object]:
    """A request with its thread, history, grants and the steps open to the viewer."""
    desk = ctx.access
    mine = (request.issuer, request.researcher) == (who.issuer, who.subject)
    role = Role.RESEARCHER if mine else Role.STEWARD
    messages, attachments, history, grants = desk.thread(who, request)
    stewarded = set(stewarded_nodes(who, desk.desks))
    return {
        "request": request.to_wire(),
        "role": role.value,
        "steps": {
            "request": list(open_steps("request", request.state, role)) if mine else [],
            "resources": {
                r.id: list(open_steps("resource", r.state, Role.RESEARCHER if mine else Role.STEWARD))
                for r in request.resources
                if mine or r.node in stewarded
            },
        },
        "messages": [m.to_wire() for m in messages],
        "attachments": [a.to_wire() for a in attachments],
        "history": [h.to_wire() for h in history],  # type: ignore[attr-defined]
        "grants": [g.to_wire() for g in grants],
    }


@router.post(
    "/api/access/requests",
    status_code=201,
    responses=_ERRORS,
    openapi_extra=json_request_body(schemas.DRAFT, required=True),
)
async def create_request(request: Request) -> dict[str, object]:
    """Store a draft request and each dataset's pre-check by its node; nothing is sent to a steward
    until the researcher submits it (``POST /api/access/requests/{id}/steps {"event": "submit"}``)."""
    ctx, who = _who(request)
    today = _now().date()
    draft = parse_draft(await json_body(request), today=today)
    check_draft(draft, on=today)
    check_address(draft.email, hub_caller(request).caller.researcher)
    prechecks = await run_prechecks(ctx, hub_caller(request), draft, on=today)
    return await _off_loop(lambda: detail(ctx, who, ctx.access.create(who, draft, prechecks, _now())))


@router.get("/api/access/requests", responses=_ERRORS)
def list_requests(request: Request, steward: bool = False) -> dict[str, object]:
    """Your requests, newest first; ``?steward=true``: the requests for the nodes you steward."""
    ctx, who = _who(request)
    found = ctx.access.requests_of(who, as_steward=steward)
    return {
        "requests": [r.to_wire() for r in found],
        "stewardOf": list(stewarded_nodes(who, ctx.access.desks)),
    }


@router.get("/api/access/requests/{request_id}", responses=_ERRORS)
def get_request(request: Request, request_id: str) -> dict[str, object]:
    """One request as you may see it, with its messages, attachments, history and grants."""
    ctx, who = _who(request)
    return detail(ctx, who, ctx.access.request_for(who, request_id))


@router.post(
    "/api/access/requests/{request_id}/steps",
    responses=_ERRORS,
    openapi_extra=json_request_body(schemas.REQUEST_STEP, required=True),
)
async def step_request(request: Request, request_id: str) -> dict[str, object]:
    """``{"event": "submit" | "pause" | "resume" | "conclude" | "abandon"}`` by the researcher.
    Submitting runs the pre-check again and sends what it allows."""
    ctx, who = _who(request)
    body = _object(await json_body(request), {"event"})
    event = _text(body, "event")
    if event == "submit":
        current = await _off_loop(lambda: ctx.access.request_for(who, request_id))
        draft = parse_draft({k: v for k, v in current.body.items() if k != "precheck"}, today=_now().date())
        prechecks = await run_prechecks(ctx, hub_caller(request), draft, on=_now().date())
        if draft.kind == "contact" and current.state == "draft":
            await relay_contact(ctx, hub_caller(request), draft)  # the node learns whom it is about
        updated = await _off_loop(lambda: ctx.access.submit(who, request_id, prechecks, _now()))
    else:
        updated = await _off_loop(lambda: ctx.access.step_request(who, request_id, event, _now()))
    ctx.access_loop.kick()
    return await _off_loop(lambda: detail(ctx, who, updated))


@router.post(
    "/api/access/resources/{resource_id}/steps",
    responses=_ERRORS,
    openapi_extra=json_request_body(schemas.RESOURCE_STEP, required=True),
)
async def step_resource(request: Request, resource_id: str) -> dict[str, object]:
    """A step on one sub-negotiation: ``{"event", "reason"?, "conditions"?, "until"?}``."""
    ctx, who = _who(request)
    body = _object(await json_body(request), {"event", "reason", "conditions", "until"})
    until_text = body.get("until")
    until = None
    if until_text is not None:
        try:
            until = date.fromisoformat(str(until_text))
        except ValueError:
            raise AccessRequestError(
                f"until {until_text!r} is not a date", hint="write it as YYYY-MM-DD"
            ) from None
    updated = await _off_loop(
        lambda: ctx.access.step_resource(
            who,
            resource_id,
            _text(body, "event"),
            _now(),
            reason=_text(body, "reason", required=False),
            conditions=_text(body, "conditions", required=False),
            until=until,
        )
    )
    ctx.access_loop.kick()
    return await _off_loop(lambda: detail(ctx, who, updated))


@router.post(
    "/api/access/resources/{resource_id}/messages",
    status_code=201,
    responses=_ERRORS,
    openapi_extra=json_request_body(schemas.MESSAGE, required=True),
)
async def post_message(request: Request, resource_id: str) -> dict[str, object]:
    """``{"text"}``: a message to the other side of this sub-negotiation, kept as written."""
    ctx, who = _who(request)
    body = _object(await json_body(request), {"text"})
    text = _text(body, "text")
    message = await _off_loop(lambda: ctx.access.post(who, resource_id, text, _now()))
    ctx.access_loop.kick()
    return message.to_wire()


@router.post(
    "/api/access/resources/{resource_id}/attachments",
    status_code=201,
    responses=error_responses(400, 401, 403, 404, 409, 413, 502),
    openapi_extra=json_request_body(schemas.ATTACHMENT, required=True),
)
async def add_attachment(request: Request, resource_id: str) -> dict[str, object]:
    """``{"name", "mediaType", "content": base64}``: stored at this sub-negotiation's node only."""
    ctx, who = _who(request)
    body = _object(await json_body(request), {"name", "mediaType", "content"})
    req, resource, _ = await _off_loop(lambda: ctx.access.party_to(who, resource_id))
    if req.state not in LIVE_REQUEST or resource.state not in (*OPEN_RESOURCE, "approved"):
        raise TransitionRefused(
            f"this sub-negotiation is {resource.state.replace('_', ' ')}: its node takes no files",
            hint="attach files while the request is open at that node",
        )
    node = next(n for n in ctx.config.nodes if n.id == resource.node)
    payload = {
        "request": req.id,
        "resource": resource.id,
        **{k: body.get(k) for k in ("name", "mediaType", "content")},
    }
    (reply,) = await ctx.ask("POST", "/api/access/attachments", json_body=payload, nodes=[node])
    if reply.status is not NodeStatus.OK or reply.body is None:
        if reply.error is not None and reply.http_status is not None and 400 <= reply.http_status < 500:
            raise reply.error
        raise UpstreamError(
            f"node {node.id} did not store the attachment ({reply.status.value}: {reply.detail})",
            hint="try again later; nothing was recorded",
        )
    stored = reply.body
    attachment = await _off_loop(lambda: ctx.access.attach(who, resource_id, stored, _now()))
    return attachment.to_wire()


@router.get("/api/access/attachments/{attachment_id}", responses=_ERRORS)
async def get_attachment(request: Request, attachment_id: str) -> Response:
    """The file, fetched from the node that keeps it, for the request's researcher or a "
    "steward of that node."""
    ctx, who = _who(request)
    found = await _off_loop(lambda: ctx.access.attachment_for(who, attachment_id))
    node = next(n for n in ctx.config.nodes if n.id == found.node)
    (reply,) = await ctx.ask(
        "GET", f"/api/access/attachments/{found.id}", nodes=[node], max_reply_bytes=MAX_ATTACHMENT_REPLY
    )
    if (
        reply.status is not NodeStatus.OK
        or reply.body is None
        or not isinstance(reply.body.get("content"), str)
    ):
        if reply.http_status == 404:
            raise UnknownAccessRequest(
                f"node {node.id} no longer has attachment {found.id}", hint="ask the steward"
            )
        raise UpstreamError(
            f"node {node.id} did not send the attachment ({reply.detail})", hint="try again later"
        )
    content = base64.b64decode(str(reply.body["content"]))
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in found.name) or "attachment"
    return Response(
        content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/api/access/inbox", responses=_ERRORS)
def get_inbox(request: Request, lang: str = "en") -> dict[str, object]:
    """Your notifications, newest first, with how many are unread (``?lang=zh`` for Chinese lines)."""
    ctx, who = _who(request)
    language = Language.ZH if lang.startswith("zh") else Language.EN
    return {
        "unread": unread(ctx.access.store, who.issuer, who.subject),
        "notifications": inbox(ctx.access.store, who.issuer, who.subject, lang=language),
    }


@router.post(
    "/api/access/inbox/read", responses=_ERRORS, openapi_extra=json_request_body(schemas.READ, required=True)
)
async def read_inbox(request: Request) -> dict[str, object]:
    """``{"ids": [...]}`` or ``{"all": true}``: mark notifications as read."""
    ctx, who = _who(request)
    body = _object(await json_body(request), {"ids", "all"})
    ids = body.get("ids")
    if body.get("all") is True:
        chosen = None
    elif isinstance(ids, list) and all(isinstance(i, str) for i in ids) and len(ids) <= 1000:
        chosen = [str(i) for i in ids]
    else:
        raise AccessRequestError(
            'send {"ids": ["nt-…", …]} or {"all": true}', hint="ids come from GET /api/access/inbox"
        )
    changed = await _off_loop(
        lambda: mark_read(ctx.access.store, who.issuer, who.subject, chosen, now=_now())
    )
    return {
        "marked": changed,
        "unread": await _off_loop(lambda: unread(ctx.access.store, who.issuer, who.subject)),
    }


@router.get("/api/access/grants", responses=_ERRORS)
def get_grants(request: Request) -> dict[str, object]:
    """Your grants: active, revoked or expired, each with its dataset, committee and end date."""
    ctx, who = _who(request)
    return {"grants": [g.to_wire() for g in ctx.access.grants_of(who)]}


async def _off_loop(work: Callable[[], T]) -> T:
    """The desk's SQLite work in a worker thread: a busy database (a sweep holding its write lock)
    must not stall the hub's event loop, which serves every other request too."""
    return await run_in_threadpool(work)


def _object(value: object, keys: set[str]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise AccessRequestError("the body must be a JSON object", hint=f"with: {', '.join(sorted(keys))}")
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise AccessRequestError(
            f"unknown field(s) {', '.join(unknown)}", hint=f"the fields are: {', '.join(sorted(keys))}"
        )
    return value


def _text(body: Mapping[str, object], key: str, *, required: bool = True) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise AccessRequestError(
            f"{key} must be {'non-empty ' if required else ''}text", hint=f"send {key} as a string"
        )
    return value
