"""Sign-in with the demo users, the current passport's visas, and the privacy budget left.

Signing in asks the hub's broker for a passport (``POST /api/auth/token``) and keeps it in the
session store (the browser gets the session's id in an HttpOnly cookie); every later call the
portal makes for that browser sends the passport as a bearer token. Both forms carry the browser's
form token and must come from this site (``_forms``); the hub limits sign-ins per address and user.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.errors import PMBridgeError, RateLimited
from pmbridge.hub import hub_of
from pmbridge.policy import DEMO_ISSUER
from pmbridge.portal._budget import budget_rows
from pmbridge.portal._catalogue import ACCESS_WORDS
from pmbridge.portal._context import portal_of
from pmbridge.portal._forms import browser_form_id, browser_token, keep_form_id, posted_from_here
from pmbridge.portal._i18n import N_
from pmbridge.portal._session import first_visa_expiry, passport_subject, read_session
from pmbridge.portal._sessions import SESSION_COOKIE
from pmbridge.portal._sources import demo_users_and_budget, hub_api

router = APIRouter()


STALE_FORM: str = N_(
    "This form has expired or did not come from this site, so nothing was changed. Please try again below."
)
NOT_SIGNED_IN: str = N_("You were not signed in:")


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
async def account_page(request: Request) -> HTMLResponse:
    return await _page(request)


async def _page(request: Request, *, refusal: str = "", detail: str = "", status: int = 200) -> HTMLResponse:
    portal = portal_of(request)
    (users, users_problem), (budget, budget_problem) = await demo_users_and_budget(request)
    form_id, new = browser_form_id(request)
    page = portal.renderer.page(
        request,
        "account.html",
        {
            "session": read_session(request),
            "demo": users is not None and users.demo,
            "users": users.users if users is not None else [],
            "users_problem": users_problem,
            "budget": budget_rows(budget),
            "budget_year": budget.year if budget is not None else None,
            "budget_public": budget is not None and budget.tier == "public",
            "budget_problem": budget_problem,
            "node_names": {n.id: n.name or n.id for n in hub_of(request).config.nodes},
            "access_words": ACCESS_WORDS,
            "form_token": browser_token(portal.forms, form_id),
            "refusal": refusal,
            "detail": detail,
        },
        status=status,
    )
    if new:
        keep_form_id(page, form_id, request=request)
    return page


@router.post("/account/sign-in", include_in_schema=False)
async def sign_in(request: Request) -> Response:
    """Sign in as the demo user the form names; the anonymous user signs out."""
    form = await request.form()
    portal = portal_of(request)
    if not posted_from_here(request, form, tokens=portal.forms, api=hub_of(request).config.public_api):
        return await _page(request, refusal=STALE_FORM, status=403)
    ctx = hub_of(request)
    user = str(form.get("user", ""))
    epoch = ctx.access.epoch(DEMO_ISSUER, user)  # before minting: a grant made meanwhile mints again
    try:
        async with hub_api(request) as client:  # the hub limits sign-ins (429 with Retry-After)
            signed = await client.sign_in(str(form.get("user", "")))
    except PMBridgeError as exc:
        page = await _page(request, refusal=NOT_SIGNED_IN, detail=exc.message, status=exc.status)
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    sessions = portal.sessions
    sessions.close(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/account", status_code=303)
    passport, expires = signed.passport, signed.expires_at
    if passport is None or expires is None:  # the anonymous visitor: signed out
        response.delete_cookie(SESSION_COOKIE)
        return response
    until = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    lifetime = max(int((until - datetime.now(UTC)).total_seconds()), 0)
    response.set_cookie(
        SESSION_COOKIE,
        sessions.open(
            passport,
            lifetime=lifetime,
            user=passport_subject(passport) if ctx.release.broker_key is not None else "",
            epoch=epoch,
            refresh=first_visa_expiry(passport),
        ),
        max_age=lifetime,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/account/sign-out", include_in_schema=False)
async def sign_out(request: Request) -> Response:
    form = await request.form()
    portal = portal_of(request)
    if not posted_from_here(request, form, tokens=portal.forms, api=hub_of(request).config.public_api):
        return await _page(request, refusal=STALE_FORM, status=403)
    portal.sessions.close(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/account", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
