"""A study's results for its organiser: per round retention, each item's status with the reason the
locked rule gave, a chart per released block; the proposals to adopt; the report and CSV export.

The report and the export are the hub's own files, fetched as the signed-in organiser and handed
to the browser as they came (a link straight to ``/api`` would carry no passport).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.errors import PMBridgeError
from pmbridge.portal._access_pages import STALE_FORM, from_this_page, problem_of
from pmbridge.portal._context import portal_of
from pmbridge.portal._delphi_form import links_of, texts_body
from pmbridge.portal._delphi_hub import organiser_file
from pmbridge.portal._delphi_pages import SIGN_IN_ORGANISER, delphi_page, get_or_problem, hub_json
from pmbridge.portal._delphi_study_view import comment_rows, proposal_rows, round_results
from pmbridge.portal._session import passport_of

router = APIRouter()

STUDIES = "/api/consensus/studies"


@router.get("/delphi/{sid}/results", response_class=HTMLResponse, include_in_schema=False)
async def results_page(request: Request, sid: str) -> HTMLResponse:
    done = request.query_params.get("done", "")
    return await _results(request, sid, done=done)


async def _results(
    request: Request,
    sid: str,
    *,
    done: str = "",
    refusal: str = "",
    problem: str = "",
    posted: Mapping[str, object] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, object] = {
        "sid": sid,
        "study": None,
        "done": done,
        "refusal": refusal,
        "problem": problem,
        "posted": posted or {},
    }
    if passport_of(request) is None:
        context["refusal"] = SIGN_IN_ORGANISER
        return delphi_page(request, "delphi_results.html", context, status=401)
    (found, missing, missing_status), (results, not_yet, _), (proposals, _, _) = await asyncio.gather(
        get_or_problem(request, f"{STUDIES}/{sid}"),
        get_or_problem(request, f"{STUDIES}/{sid}/results"),
        get_or_problem(request, f"{STUDIES}/{sid}/proposals"),
    )
    study = found.get("study")
    lang = portal_of(request).renderer.lang_of(request)
    if not isinstance(study, Mapping):
        context["problem"] = problem or missing
        return delphi_page(request, "delphi_results.html", context, status=missing_status)
    rule = results.get("rule")
    closed = round_results(results, study, lang)
    numbers = [r.round for r in closed]
    said = await asyncio.gather(
        *(get_or_problem(request, f"{STUDIES}/{sid}/comments", params=(("round", str(n)),)) for n in numbers)
    )
    context |= {
        "comments": {n: comment_rows(reply) for n, (reply, _, _) in zip(numbers, said, strict=True)},
        "study": study,
        "rounds": closed,
        "results_problem": not_yet,
        "rule_digest": rule.get("digest", "") if isinstance(rule, Mapping) else "",
        "k": results.get("k"),
        "proposals": proposal_rows(proposals, lang),
        "item_names": {item.id: item.text for r in closed for item in r.items},
    }
    return delphi_page(request, "delphi_results.html", context, status=status)


@router.post("/delphi/{sid}/proposals/{pid}/adopt", include_in_schema=False)
async def adopt(request: Request, sid: str, pid: str) -> Response:
    """Adopt a proposal as a new item of the next round, with both languages and its links."""
    form = await request.form()
    if not from_this_page(request, form):
        return await _results(request, sid, refusal=STALE_FORM, posted=form, status=403)
    prefix = f"{pid}-"
    body: dict[str, object] = {"texts": texts_body(form, prefix), "links": links_of(form)}
    given = str(form.get(f"{prefix}item-id") or "").strip()
    if given:
        body["id"] = given
    try:
        await hub_json(request, "POST", f"{STUDIES}/{sid}/proposals/{pid}/adopt", json=body)
    except PMBridgeError as exc:
        return await _results(request, sid, problem=problem_of(exc), posted=form, status=exc.status)
    return RedirectResponse(f"/delphi/{sid}/results?done=adopted", status_code=303)


@router.post("/delphi/{sid}/comments/{cid}/texts", include_in_schema=False)
async def translate_comment(request: Request, sid: str, cid: str) -> Response:
    """A comment's text in the other language, machine-made or reviewed, for the next round's panel."""
    form = await request.form()
    if not from_this_page(request, form):
        return await _results(request, sid, refusal=STALE_FORM, posted=form, status=403)
    lang = "zh" if form.get("lang") == "zh" else "en"
    provenance = "reviewed" if form.get("provenance") == "reviewed" else "machine"
    body = {"text": str(form.get("text") or "").strip(), "provenance": provenance}
    try:
        await hub_json(request, "PUT", f"{STUDIES}/{sid}/comments/{cid}/texts/{lang}", json=body)
    except PMBridgeError as exc:
        return await _results(request, sid, problem=problem_of(exc), posted=form, status=exc.status)
    return RedirectResponse(f"/delphi/{sid}/results?done=comment#comment-{cid}", status_code=303)


@router.get("/delphi/{sid}/report", include_in_schema=False)
async def report(request: Request, sid: str) -> Response:
    """The hub's ACCORD report of the study (HTML or PDF, English or Chinese)."""
    kind = "pdf" if request.query_params.get("format") == "pdf" else "html"
    lang = "zh" if request.query_params.get("lang") == "zh" else "en"
    return await _file(request, sid, "/report", [("format", kind), ("lang", lang)])


@router.get("/delphi/{sid}/export.csv", include_in_schema=False)
async def export(request: Request, sid: str) -> Response:
    """The hub's CSV export of the study's anonymised ratings."""
    return await _file(request, sid, "/export.csv", [])


async def _file(request: Request, sid: str, path: str, params: list[tuple[str, str]]) -> Response:
    if passport_of(request) is None:
        return await _results(request, sid)
    try:
        found = await organiser_file(request, f"{STUDIES}/{sid}{path}", params=params)
    except PMBridgeError as exc:
        return await _results(request, sid, problem=problem_of(exc), status=exc.status)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if found.disposition:
        headers["Content-Disposition"] = found.disposition
    return Response(found.content, media_type=found.media_type, headers=headers)
