"""The inbox (notifications about one's requests, in the page's language) and the steward's queue.

Both read the hub's ``/api/access`` as the signed-in person; the queue lists the requests that
wait on the steward first.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.errors import PMBridgeError
from pmbridge.portal._access_pages import SIGN_IN_FIRST, STALE_FORM, access_page, from_this_page, problem_of
from pmbridge.portal._access_words import WAITING_ON_STEWARD
from pmbridge.portal._context import portal_of
from pmbridge.portal._session import passport_of
from pmbridge.portal._sources import hub_api

router = APIRouter()


@router.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
async def inbox_page(request: Request) -> HTMLResponse:
    return await _inbox(request)


@router.post("/inbox/read", include_in_schema=False)
async def read_all(request: Request) -> Response:
    form = await request.form()
    if not from_this_page(request, form):
        return await _inbox(request, refusal=STALE_FORM, status=403)
    try:
        async with hub_api(request) as client:
            await client.request("POST", "/api/access/inbox/read", json={"all": True})
    except PMBridgeError as exc:
        return await _inbox(request, detail=problem_of(exc), status=exc.status)
    return RedirectResponse("/inbox", status_code=303)


async def _inbox(request: Request, *, refusal: str = "", detail: str = "", status: int = 200) -> HTMLResponse:
    notifications: list[object] = []
    unread = 0
    if passport_of(request) is None:
        refusal = refusal or SIGN_IN_FIRST
    else:
        lang = portal_of(request).renderer.lang_of(request)
        try:
            async with hub_api(request) as client:
                reply = await client.request("GET", "/api/access/inbox", params=[("lang", lang.value)])
            found = reply.get("notifications")
            notifications = list(found) if isinstance(found, list) else []
            count = reply.get("unread")
            unread = count if isinstance(count, int) else 0
        except PMBridgeError as exc:
            detail = detail or problem_of(exc)
    return access_page(
        request,
        "inbox.html",
        {"notifications": notifications, "unread": unread, "refusal": refusal, "detail": detail},
        status=status,
    )


@router.get("/steward", response_class=HTMLResponse, include_in_schema=False)
async def steward_page(request: Request) -> HTMLResponse:
    """The requests at the nodes one stewards: those waiting on a steward first, then by state."""
    groups: list[tuple[str, list[Mapping[str, object]]]] = []
    stewarded: list[object] = []
    detail = ""
    refusal = "" if passport_of(request) is not None else SIGN_IN_FIRST
    if not refusal:
        try:
            async with hub_api(request) as client:
                reply = await client.request("GET", "/api/access/requests", params=[("steward", "true")])
            found = reply.get("requests")
            of = reply.get("stewardOf")
            stewarded = list(of) if isinstance(of, list) else []
            groups = queue_groups(
                [r for r in found if isinstance(r, Mapping)] if isinstance(found, list) else []
            )
        except PMBridgeError as exc:
            detail = problem_of(exc)
    return access_page(
        request,
        "steward.html",
        {"groups": groups, "stewarded": stewarded, "refusal": refusal, "detail": detail},
    )


def queue_groups(requests: list[Mapping[str, object]]) -> list[tuple[str, list[Mapping[str, object]]]]:
    """Requests grouped by the state that matters to the steward: "waiting" (a dataset of theirs
    is submitted, under review or its conditions accepted) first, then by request state.

    >>> [(g, [r["id"] for r in rs]) for g, rs in queue_groups([
    ...     {"id": "a", "state": "in_progress", "resources": [{"state": "approved"}]},
    ...     {"id": "b", "state": "submitted", "resources": [{"state": "submitted"}]}])]
    [('waiting', ['b']), ('in_progress', ['a'])]
    """
    groups: dict[str, list[Mapping[str, object]]] = {"waiting": []}
    for found in requests:
        resources = found.get("resources")
        states = (
            {r.get("state") for r in resources if isinstance(r, Mapping)}
            if isinstance(resources, list)
            else set()
        )
        key = "waiting" if states & set(WAITING_ON_STEWARD) else str(found.get("state", ""))
        groups.setdefault(key, []).append(found)
    return [(key, rows) for key, rows in groups.items() if rows]
