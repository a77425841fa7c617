"""The roadmap page: the seven domains → their actions → responsible stakeholders and status, each
action with its status history; knowledge-base stewards change a status here, with a note.

The change goes to the hub's ``POST /api/kb/actions/{id}/status`` with the signed-in researcher's
passport: the hub decides who is a steward (``knowledge.stewards``) and records the change under
the passport's identity. The form carries the session's form token (``_forms``), so another site
cannot post it.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.hub import hub_of
from pmbridge.knowledge import ACTION_STATUSES
from pmbridge.portal._context import portal_of
from pmbridge.portal._forms import from_this_site
from pmbridge.portal._i18n import N_
from pmbridge.portal._kb_roadmap import anchor, roadmap_domains, status_counts
from pmbridge.portal._kb_sources import ask
from pmbridge.portal._kb_words import WORDS
from pmbridge.portal._session import passport_of, read_session
from pmbridge.portal._sessions import SESSION_COOKIE

router = APIRouter()

SIGN_IN: str = N_("Sign in as a knowledge-base steward to change an action's status.")
NOT_A_STEWARD: str = N_(
    "You are signed in, but not as a knowledge-base steward of this hub, so the status was not changed. "
    "The hub's operator lists its stewards in the knowledge.stewards setting."
)
STALE_FORM: str = N_(
    "This form has expired or did not come from this page, so the status was not changed. "
    "Please try again from the roadmap below."
)
REFUSED: str = N_("The hub did not change the status:")


@router.get("/knowledge/roadmap", response_class=HTMLResponse, include_in_schema=False)
async def roadmap_page(request: Request) -> HTMLResponse:
    return await _page(request)


@router.post("/knowledge/roadmap/{action_id}/status", include_in_schema=False)
async def change_status(request: Request, action_id: str) -> Response:
    """Change an action's status as the signed-in steward, then show the roadmap at that action."""
    portal = portal_of(request)
    form = await request.form()
    if passport_of(request) is None:
        return await _page(request, refusal=SIGN_IN, status=401)
    api = hub_of(request).config.public_api  # a browser's post from another site is refused outright
    token = str(form.get("token", ""))
    if not from_this_site(request, api=api) or not portal.forms.check(
        request.cookies.get(SESSION_COOKIE), token
    ):
        return await _page(request, refusal=STALE_FORM, status=403)
    change = {"status": str(form.get("status", "")), "note": str(form.get("note", ""))}
    answer = await ask(request, "POST", f"/api/kb/actions/{quote(action_id, safe=':')}/status", body=change)
    if answer.ok:
        lang = portal.renderer.lang_of(request)
        shown = urlencode({"lang": lang.value, "changed": action_id})
        return RedirectResponse(f"/knowledge/roadmap?{shown}#{anchor(action_id)}", status_code=303)
    refusal = {401: SIGN_IN, 403: NOT_A_STEWARD}.get(answer.status, REFUSED)
    return await _page(request, refusal=refusal, detail=answer.problem, status=answer.status)


async def _page(request: Request, *, refusal: str = "", detail: str = "", status: int = 200) -> HTMLResponse:
    portal = portal_of(request)
    lang = portal.renderer.lang_of(request)
    answer = await ask(request, "GET", "/api/kb/roadmap")
    session = read_session(request)
    researcher = session.researcher if session else None
    steward = (
        hub_of(request).config.knowledge.steward(researcher.issuer, researcher.id) if researcher else None
    )
    session_id = request.cookies.get(SESSION_COOKIE)
    domains = roadmap_domains(answer.body, lang)
    changed = request.query_params.get("changed", "")
    return portal.renderer.page(
        request,
        "knowledge_roadmap.html",
        {
            **WORDS,
            "domains": domains,
            "counts": status_counts(answer.body),
            "problem": answer.problem,
            "researcher": researcher,
            "steward": steward,
            "token": portal.forms.token(session_id) if steward and session_id else "",
            "action_statuses": ACTION_STATUSES,
            "changed": next((a for d in domains for a in d.actions if a.entry.id == changed), None),
            "refusal": refusal,
            "detail": detail,
        },
        status=status if status >= 400 else (answer.status if not answer.ok else 200),
    )
