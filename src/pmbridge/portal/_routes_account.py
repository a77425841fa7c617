"""Sign-in with the demo users, the current passport's visas, and the privacy budget left.

Signing in asks the hub's broker for a passport (``POST /api/auth/token``) and keeps it in the
session store (the browser gets the session's id in an HttpOnly cookie); every later call the
portal makes for that browser sends the passport as a bearer token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pmbridge.hub import hub_of
from pmbridge.portal._budget import budget_rows
from pmbridge.portal._catalogue import ACCESS_WORDS
from pmbridge.portal._context import portal_of
from pmbridge.portal._session import read_session
from pmbridge.portal._sessions import SESSION_COOKIE
from pmbridge.portal._sources import call, call_or_problem

router = APIRouter()


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
async def account_page(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    (users, users_problem), (budget, budget_problem) = await asyncio.gather(
        call_or_problem(request, "GET", "/api/auth/users"), call_or_problem(request, "GET", "/api/budget")
    )
    listed = users.get("users")
    return portal.renderer.page(
        request,
        "account.html",
        {
            "session": read_session(request),
            "demo": users.get("demo") is True,
            "users": [u for u in listed if isinstance(u, Mapping)] if isinstance(listed, list) else [],
            "users_problem": users_problem,
            "budget": budget_rows(budget),
            "budget_year": budget.get("year"),
            "budget_public": budget.get("tier") == "public",
            "budget_problem": budget_problem,
            "node_names": {n.id: n.name or n.id for n in hub_of(request).config.nodes},
            "access_words": ACCESS_WORDS,
        },
    )


@router.post("/account/sign-in", include_in_schema=False)
async def sign_in(request: Request) -> RedirectResponse:
    """Sign in as the demo user the form names; the anonymous user signs out."""
    form = await request.form()
    reply = await call(request, "POST", "/api/auth/token", {"user": str(form.get("user", ""))})
    sessions = portal_of(request).sessions
    sessions.close(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/account", status_code=303)
    passport, expires = reply.get("passport"), reply.get("expiresAt")
    if not isinstance(passport, str) or not isinstance(expires, str):
        response.delete_cookie(SESSION_COOKIE)
        return response
    until = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    lifetime = max(int((until - datetime.now(UTC)).total_seconds()), 0)
    response.set_cookie(
        SESSION_COOKIE,
        sessions.open(passport, lifetime=lifetime),
        max_age=lifetime,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/account/sign-out", include_in_schema=False)
async def sign_out(request: Request) -> RedirectResponse:
    portal_of(request).sessions.close(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/account", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
