"""The researcher's access requests: the list (``/requests``) and the new-request form.

The form posts to the hub's ``POST /api/access/requests`` as the signed-in researcher; the hub
stores a draft with each node's pre-check and the researcher submits it from its page. A refused
post shows the form again, every field as written, with the hub's message and how to fix it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.errors import PMBridgeError
from pmbridge.hub import hub_of
from pmbridge.policy import Purpose
from pmbridge.portal._access_form import RequestForm, draft_body, prefilled, read_form
from pmbridge.portal._access_pages import SIGN_IN_FIRST, STALE_FORM, access_page, from_this_page, problem_of
from pmbridge.portal._access_words import (
    COMMITMENTS,
    GRANULARITY_WORDS,
    ORGANISATIONS,
    PURPOSES,
    USES,
)
from pmbridge.portal._context import portal_of
from pmbridge.portal._session import passport_of
from pmbridge.portal._sources import catalogues, hub_api

router = APIRouter()


@router.get("/requests", response_class=HTMLResponse, include_in_schema=False)
async def requests_page(request: Request) -> HTMLResponse:
    if passport_of(request) is None:
        return access_page(request, "requests.html", {"requests": [], "refusal": SIGN_IN_FIRST, "detail": ""})
    found: list[object] = []
    detail = ""
    try:
        async with hub_api(request) as client:
            reply = await client.request("GET", "/api/access/requests")
        listed = reply.get("requests")
        found = list(listed) if isinstance(listed, list) else []
    except PMBridgeError as exc:
        detail = problem_of(exc)
    return access_page(request, "requests.html", {"requests": found, "refusal": "", "detail": detail})


@router.get("/requests/new", response_class=HTMLResponse, include_in_schema=False)
async def new_request_page(request: Request) -> HTMLResponse:
    lang = portal_of(request).renderer.lang_of(request)
    form = prefilled(request.query_params.multi_items(), lang=lang, today=datetime.now(UTC).date())
    return await _form_page(request, form)


@router.post("/requests/new", include_in_schema=False)
async def create_request(request: Request) -> Response:
    posted = await request.form()
    form = read_form(posted, {key: posted.getlist(key) for key in posted})
    if not from_this_page(request, posted):
        return await _form_page(request, form, refusal=STALE_FORM, status=403)
    try:
        async with hub_api(request) as client:
            created = await client.request("POST", "/api/access/requests", json=draft_body(form))
    except PMBridgeError as exc:
        return await _form_page(request, form, detail=problem_of(exc), status=exc.status)
    made = created.get("request")
    request_id = made.get("id") if isinstance(made, dict) else None
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


async def _form_page(
    request: Request, form: RequestForm, *, refusal: str = "", detail: str = "", status: int = 200
) -> HTMLResponse:
    """The form with the network's datasets to tick; the ones the link or post named come first
    ticked, and one the catalogue no longer lists still shows, so nothing is lost silently."""
    listed = await catalogues(request)
    datasets: list[tuple[str, str, str]] = []  # (node:dataset, node name, dataset name)
    for node in hub_of(request).config.nodes:
        for item in listed.get(node.id, ()):
            dataset = str(item.get("id", ""))
            datasets.append((f"{node.id}:{dataset}", node.name or node.id, str(item.get("name") or dataset)))
    known = {key for key, _, _ in datasets}
    datasets += [
        (key, key.partition(":")[0], key.partition(":")[2])
        for key in form.items("datasets")
        if key not in known
    ]
    return access_page(
        request,
        "request_new.html",
        {
            "form": form,
            "datasets": datasets,
            "purposes": [(p.value, PURPOSES.get(p.value, p.value)) for p in Purpose],
            "uses": USES,
            "commitments": COMMITMENTS,
            "organisations": ORGANISATIONS,
            "granularities": GRANULARITY_WORDS,
            "signed": passport_of(request) is not None,
            "refusal": refusal or ("" if passport_of(request) is not None else SIGN_IN_FIRST),
            "detail": detail,
        },
        status=status,
    )
