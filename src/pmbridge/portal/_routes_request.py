"""One access request's page, for its researcher and its stewards alike, and the forms on it.

The hub decides what each viewer sees and which steps are open to them (``steps``); the page
shows exactly those as buttons, each a small form that posts one step, message or attachment to
the hub as the signed-in person and comes back here (303) or shows the hub's refusal.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from pmbridge.errors import PMBridgeError, error_from_wire
from pmbridge.hub import client_address, hub_of
from pmbridge.portal._access_pages import SIGN_IN_FIRST, STALE_FORM, access_page, from_this_page, problem_of
from pmbridge.portal._i18n import N_
from pmbridge.portal._session import passport_of
from pmbridge.portal._sources import HUB_URL, hub_api

router = APIRouter()

MAX_UPLOAD = 5 * 1024 * 1024
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
NO_FILE: str = N_("Choose a PDF, text, PNG or JPEG file of at most 5 MiB.")
NOT_FOUND: str = N_("This request could not be shown:")


@router.get("/requests/attachments/{attachment_id}", include_in_schema=False)
async def download(request: Request, attachment_id: str) -> Response:
    """The file, fetched from the hub (which fetches it from its node) as the signed-in person."""
    browser = (client_address(request.scope, hub_of(request).config.public_api), 0)
    passport = passport_of(request)
    headers = {"Authorization": f"Bearer {passport}"} if passport else {}
    transport = httpx.ASGITransport(app=request.app, client=browser)
    async with httpx.AsyncClient(transport=transport, base_url=HUB_URL, timeout=60) as client:
        reply = await client.get(f"/api/access/attachments/{attachment_id}", headers=headers)
    if reply.status_code != 200:  # the hub's error, raised again: the page says what went wrong
        try:
            doc = reply.json()
        except ValueError:
            doc = None
        error = doc.get("error") if isinstance(doc, Mapping) else None
        raise error_from_wire(
            error if isinstance(error, Mapping) else None,
            status=reply.status_code,
            fallback=f"the attachment could not be fetched (HTTP {reply.status_code})",
        )
    return Response(
        reply.content,
        media_type=reply.headers.get("content-type", "application/octet-stream"),
        headers={
            "Content-Disposition": reply.headers.get(
                "content-disposition", 'attachment; filename="attachment"'
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse, include_in_schema=False)
async def request_page(request: Request, request_id: str) -> HTMLResponse:
    return await _page(request, request_id)


@router.post("/requests/{request_id}/steps", include_in_schema=False)
async def request_step(request: Request, request_id: str) -> Response:
    form = await request.form()
    body = {"event": str(form.get("event", ""))}
    return await _post(request, request_id, form, f"/api/access/requests/{request_id}/steps", body)


@router.post("/requests/{request_id}/resources/{resource_id}/steps", include_in_schema=False)
async def resource_step(request: Request, request_id: str, resource_id: str) -> Response:
    form = await request.form()
    body: dict[str, object] = {"event": str(form.get("event", ""))}
    for key in ("reason", "conditions", "until"):
        value = str(form.get(key) or "").strip()
        if value:
            body[key] = value
    return await _post(request, request_id, form, f"/api/access/resources/{resource_id}/steps", body)


@router.post("/requests/{request_id}/resources/{resource_id}/messages", include_in_schema=False)
async def message(request: Request, request_id: str, resource_id: str) -> Response:
    form = await request.form()
    body = {"text": str(form.get("text", ""))}
    return await _post(request, request_id, form, f"/api/access/resources/{resource_id}/messages", body)


@router.post("/requests/{request_id}/resources/{resource_id}/attachments", include_in_schema=False)
async def attach(request: Request, request_id: str, resource_id: str) -> Response:
    form = await request.form(max_part_size=6 * 1024 * 1024)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _page(request, request_id, problem=NO_FILE, status=400)
    content = await upload.read(MAX_UPLOAD + 1)
    suffix = "." + upload.filename.rpartition(".")[2].lower()
    media_type = MEDIA_TYPES.get(suffix) or (upload.content_type or "")
    if len(content) > MAX_UPLOAD or not content:
        return await _page(request, request_id, problem=NO_FILE, status=400)
    body = {"name": upload.filename, "mediaType": media_type, "content": base64.b64encode(content).decode()}
    return await _post(request, request_id, form, f"/api/access/resources/{resource_id}/attachments", body)


async def _post(
    request: Request, request_id: str, form: Mapping[str, object], path: str, body: Mapping[str, object]
) -> Response:
    if not from_this_page(request, form):
        return await _page(request, request_id, problem=STALE_FORM, status=403)
    try:
        async with hub_api(request) as client:
            await client.request("POST", path, json=dict(body))
    except PMBridgeError as exc:
        return await _page(request, request_id, detail=problem_of(exc), status=exc.status)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


async def _page(
    request: Request,
    request_id: str,
    *,
    problem: str = "",
    detail: str = "",
    status: int = 200,
) -> HTMLResponse:
    """The request as the hub shows it to this viewer; ``problem`` / ``detail`` say why a post failed."""
    found: Mapping[str, object] | None = None
    failure = ""
    if passport_of(request) is None:
        failure, status = "", 401 if status == 200 else status
        problem = problem or SIGN_IN_FIRST
    else:
        try:
            async with hub_api(request) as client:
                found = await client.request("GET", f"/api/access/requests/{request_id}")
        except PMBridgeError as exc:
            failure = problem_of(exc)
            status = exc.status if status == 200 else status
    return access_page(
        request,
        "request.html",
        {
            "detail_of": found,
            "prechecks": prechecks(found),
            "problem": problem,
            "detail": detail,
            "failure": failure,
            "not_found": NOT_FOUND,
        },
        status=status,
    )


def prechecks(found: Mapping[str, object] | None) -> list[tuple[str, str, Mapping[str, object]]]:
    """(node, dataset, pre-check) of each dataset asked for: from the request as stored (a draft
    has no sub-negotiations yet), else from its sub-negotiations.

    >>> prechecks({"request": {"request": {"precheck": {"rome/rd": {"send": True}}}, "resources": []}})
    [('rome', 'rd', {'send': True})]
    """
    request = found.get("request") if found is not None else None
    if not isinstance(request, Mapping):
        return []
    body = request.get("request")
    stored = body.get("precheck") if isinstance(body, Mapping) else None
    if isinstance(stored, Mapping) and stored:
        found_checks = []
        for key, value in stored.items():
            node, _, dataset = str(key).partition("/")
            if isinstance(value, Mapping):
                found_checks.append((node, dataset, value))
        return found_checks
    resources = request.get("resources")
    return [
        (str(r.get("node", "")), str(r.get("dataset", "")), _mapping(r.get("precheck")))
        for r in (resources if isinstance(resources, list) else ())
        if isinstance(r, Mapping)
    ]


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}
