"""The organiser's Delphi pages: the studies with a form to create one, and a study's page with its
forms (groups, items, panellists, lock, rounds, reminders), each posted to the consensus API.

Every form carries the browser's form token and must come from this site (``_forms``); the hub
decides who may do what (an organiser of ``[consensus] organisers``) and the page shows its refusal.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.errors import PMBridgeError
from pmbridge.portal._access_pages import STALE_FORM, from_this_page, problem_of
from pmbridge.portal._delphi_form import (
    links_of,
    moment,
    panellists_body,
    study_body,
    texts_body,
)
from pmbridge.portal._delphi_pages import SIGN_IN_ORGANISER, delphi_page, get_or_problem, hub_json, study_page
from pmbridge.portal._i18n import N_
from pmbridge.portal._session import passport_of

router = APIRouter()

CONFIRM_LOCK: str = N_("Tick the box to confirm that the protocol and rule cannot change after locking.")
STUDIES: str = "/api/consensus/studies"


@router.get("/delphi", response_class=HTMLResponse, include_in_schema=False)
async def studies_page(request: Request) -> HTMLResponse:
    return await _studies(request)


async def _studies(
    request: Request,
    *,
    refusal: str = "",
    problem: str = "",
    posted: Mapping[str, object] | None = None,
    status: int = 200,
) -> HTMLResponse:
    studies: list[object] = []
    if passport_of(request) is None:
        refusal, status = refusal or SIGN_IN_ORGANISER, 401 if status == 200 else status
    else:
        found, listed_problem, listed_status = await get_or_problem(request, STUDIES)
        listed = found.get("studies")
        studies = list(listed) if isinstance(listed, list) else []
        problem = problem or listed_problem
        status = listed_status if status == 200 else status
    context = {"studies": studies, "refusal": refusal, "problem": problem, "posted": posted or {}}
    return delphi_page(request, "delphi_studies.html", context, status=status)


@router.post("/delphi", include_in_schema=False)
async def create_study(request: Request) -> Response:
    form = await request.form()
    if not from_this_page(request, form):
        return await _studies(request, refusal=STALE_FORM, posted=form, status=403)
    try:
        created = await hub_json(request, "POST", STUDIES, json=study_body(form))
    except PMBridgeError as exc:
        return await _studies(request, problem=problem_of(exc), posted=form, status=exc.status)
    study = created.get("study")
    sid = study.get("id") if isinstance(study, Mapping) else None
    return RedirectResponse(f"/delphi/{sid}?done=created", status_code=303)


@router.get("/delphi/{sid}", response_class=HTMLResponse, include_in_schema=False)
async def study(request: Request, sid: str) -> HTMLResponse:
    done = request.query_params.get("done", "")
    return await study_page(request, sid, done=done)


async def _act(request: Request, sid: str, method: str, path: str, body: object, *, done: str) -> Response:
    """Post one form's body to the study's ``path``; back to the study with ``done``, or the study
    with the hub's refusal and the form as it was written."""
    form = await request.form()
    if not from_this_page(request, form):
        return await study_page(request, sid, refusal=STALE_FORM, posted=form, status=403)
    try:
        await hub_json(request, method, f"{STUDIES}/{sid}{path}", json=body)
    except PMBridgeError as exc:
        return await study_page(request, sid, problem=problem_of(exc), posted=form, status=exc.status)
    return RedirectResponse(f"/delphi/{sid}?done={done}", status_code=303)


@router.post("/delphi/{sid}/edit", include_in_schema=False)
async def edit_study(request: Request, sid: str) -> Response:
    """A draft's texts, rule and protocol, changed together (the hub's ``PUT …/rule``)."""
    form = await request.form()
    return await _act(request, sid, "PUT", "/rule", study_body(form), done="edited")


@router.post("/delphi/{sid}/groups", include_in_schema=False)
async def add_group(request: Request, sid: str) -> Response:
    form = await request.form()
    name = {lang: str(form.get(f"group-{lang}") or "").strip() for lang in ("en", "zh")}
    body = {"id": str(form.get("group-id") or "").strip(), "name": name}
    return await _act(request, sid, "POST", "/groups", body, done="group")


@router.post("/delphi/{sid}/items", include_in_schema=False)
async def add_item(request: Request, sid: str) -> Response:
    form = await request.form()
    body: dict[str, object] = {"texts": texts_body(form), "links": links_of(form)}
    given = str(form.get("item-id") or "").strip()
    if given:
        body["id"] = given
    return await _act(request, sid, "POST", "/items", body, done="item")


@router.post("/delphi/{sid}/items/{iid}/texts", include_in_schema=False)
async def edit_texts(request: Request, sid: str, iid: str) -> Response:
    """Both languages' texts of an item (a reviewer marks a machine translation ``reviewed`` here),
    one ``PUT …/texts/{lang}`` each; a language left empty is left as it was."""
    form = await request.form()
    if not from_this_page(request, form):
        return await study_page(request, sid, refusal=STALE_FORM, posted=form, status=403)
    try:
        for lang, text in texts_body(form, f"{iid}-").items():
            if text["text"]:
                await hub_json(request, "PUT", f"{STUDIES}/{sid}/items/{iid}/texts/{lang}", json=text)
    except PMBridgeError as exc:
        return await study_page(request, sid, problem=problem_of(exc), posted=form, status=exc.status)
    return RedirectResponse(f"/delphi/{sid}?done=text", status_code=303)


@router.post("/delphi/{sid}/panellists", include_in_schema=False)
async def add_panellists(request: Request, sid: str) -> Response:
    form = await request.form()
    body = panellists_body(str(form.get("panellists") or ""))
    return await _act(request, sid, "POST", "/panellists", body, done="panellists")


@router.post("/delphi/{sid}/lock", include_in_schema=False)
async def lock(request: Request, sid: str) -> Response:
    form = await request.form()
    if form.get("confirm") != "1" and from_this_page(request, form):
        return await study_page(request, sid, refusal=CONFIRM_LOCK, status=400)
    return await _act(request, sid, "POST", "/lock", {}, done="locked")


@router.post("/delphi/{sid}/rounds", include_in_schema=False)
async def schedule_round(request: Request, sid: str) -> Response:
    form = await request.form()
    offset = str(form.get("offset") or "")
    body = {
        "opens": moment(str(form.get("opens") or ""), offset),
        "closes": moment(str(form.get("closes") or ""), offset),
    }
    return await _act(request, sid, "POST", "/rounds", body, done="round")


@router.post("/delphi/{sid}/rounds/{number}/close", include_in_schema=False)
async def close_round(request: Request, sid: str, number: int) -> Response:
    return await _act(request, sid, "POST", f"/rounds/{number}/close", {}, done="closed")


@router.post("/delphi/{sid}/remind", include_in_schema=False)
async def remind(request: Request, sid: str) -> Response:
    return await _act(request, sid, "POST", "/remind", {}, done="reminded")
