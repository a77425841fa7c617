"""The panellist's pages: the personal link, the round's form and its post, with no account.

``/delphi/p/{token}`` moves the token from the address into an HttpOnly cookie scoped to ``/delphi``
and redirects, so it leaves the address bar and the history; every later call sends it to the hub
as ``X-Panel-Token``. A link the hub does not know gets a page in both languages saying what to do.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pmbridge.errors import PMBridgeError
from pmbridge.portal._access_pages import STALE_FORM, access_page, from_this_page, problem_of
from pmbridge.portal._context import portal_of
from pmbridge.portal._delphi_form import answers_body
from pmbridge.portal._delphi_hub import panel_call
from pmbridge.portal._delphi_panel_view import panel_page
from pmbridge.portal._delphi_view import zone_of
from pmbridge.portal._delphi_words import WORDS
from pmbridge.portal._i18n import LANG_COOKIE, N_, Lang

router = APIRouter()

PANEL_COOKIE: Final = "pmbridge_panel"
PANEL_PATH: Final = "/delphi"
LINK_INVALID: Final = "panel_link_invalid"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
PRIVATE: Final = {"Cache-Control": "no-store"}
"""A panellist's page holds their own answers: never cached. (Its referrer policy stays the site's
``same-origin``: under ``no-referrer`` a browser posts its form with ``Origin: null``, refused.)"""
LINK_ONLY: Final = {**PRIVATE, "Referrer-Policy": "no-referrer"}
"""A reply at ``/delphi/p/{token}``: its address, the token in it, is never sent as a referrer."""


LINK_PREFIX: Final = PANEL_PATH + "/p/"
ACCESS_LOG: Final = "uvicorn.access"


class HiddenPanelLinks(logging.Filter):
    """Writes ``/delphi/p/…`` in place of a personal link in the server's access log, where the
    token would otherwise be kept as part of the request line."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(str(a).startswith(LINK_PREFIX) for a in args):
            record.args = tuple(LINK_PREFIX + "…" if str(a).startswith(LINK_PREFIX) else a for a in args)
        return True


def hide_panel_links() -> None:
    """Install :class:`HiddenPanelLinks` on the access log once (the portal may be installed again)."""
    logger = logging.getLogger(ACCESS_LOG)
    if not any(isinstance(f, HiddenPanelLinks) for f in logger.filters):
        logger.addFilter(HiddenPanelLinks())


@router.get("/delphi/p/{token}", include_in_schema=False)
async def open_link(request: Request, token: str) -> Response:
    """Check the link's token with the hub, keep it in the cookie and send the browser on."""
    if not _TOKEN.fullmatch(token):
        return _link_page(request)
    try:
        view = await panel_call(request, "GET", token)
    except PMBridgeError as exc:
        if exc.code == LINK_INVALID:
            return _link_page(request)
        view = {}  # the hub is busy or down: the panel page says so, and the link is kept
    target = PANEL_PATH + "/panel"
    panellist = view.get("panellist")
    language = panellist.get("language") if isinstance(panellist, Mapping) else None
    if LANG_COOKIE not in request.cookies and language in ("en", "zh"):
        target += f"?lang={language}"  # the language they were invited in, until they choose one
    response = RedirectResponse(target, status_code=303, headers=LINK_ONLY)
    response.set_cookie(
        PANEL_COOKIE,
        token,
        path=PANEL_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/delphi/panel", response_class=HTMLResponse, include_in_schema=False)
async def panel(request: Request) -> Response:
    done = request.query_params.get("done", "")
    return await _panel_page(request, done=done if done in ("saved", "submitted") else "")


@router.post("/delphi/panel", include_in_schema=False)
async def answer(request: Request) -> Response:
    """Save (or submit) the answers of the round, then back to the page with a confirmation."""
    form = await request.form()
    token = request.cookies.get(PANEL_COOKIE, "")
    if not token:
        return _link_page(request)
    if not from_this_page(request, form):
        return await _panel_page(request, refusal=STALE_FORM, posted=form, status=403)
    submit = form.get("action") == "submit"
    lang = portal_of(request).renderer.lang_of(request)
    items = [str(item) for item in form.getlist("item")]
    body = answers_body(form, items, page=lang, submit=submit)
    try:
        await panel_call(request, "PUT", token, path="/answers", json=body)
    except PMBridgeError as exc:
        if exc.code == LINK_INVALID:
            return _link_page(request, forget=True)
        return await _panel_page(request, problem=problem_of(exc), posted=form, status=exc.status)
    return RedirectResponse(
        f"{PANEL_PATH}/panel?done={'submitted' if submit else 'saved'}", status_code=303, headers=PRIVATE
    )


async def _panel_page(
    request: Request,
    *,
    done: str = "",
    refusal: str = "",
    problem: str = "",
    posted: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    token = request.cookies.get(PANEL_COOKIE, "")
    if not token:
        return _link_page(request)
    lang = portal_of(request).renderer.lang_of(request)
    view: Mapping[str, object] = {}
    try:
        view = await panel_call(request, "GET", token)
    except PMBridgeError as exc:
        if exc.code == LINK_INVALID:
            return _link_page(request, forget=True)
        problem, status = problem or problem_of(exc), exc.status if status == 200 else status
    page = access_page(
        request,
        "delphi_panel.html",
        {
            **WORDS,
            "zone": zone_of,
            "panel": panel_page(view, lang, posted=posted) if view else None,
            "done": done,
            "refusal": refusal,
            "problem": problem,
            "saving": posted is not None,
        },
        status=status,
    )
    page.headers.update(PRIVATE)
    return page


@dataclass(frozen=True, slots=True)
class LinkWords:
    lang: Lang
    title: str
    said: str
    todo: str


LINK_TITLE: Final = N_("This panel link does not work")
LINK_SAID: Final = N_("The hub does not know this link, or this browser has not opened a personal link yet.")
LINK_TODO: Final = N_(
    "Open the link in the latest invitation or reminder mail from the study's organiser. "
    "If it still does not work, reply to that mail."
)


def _link_page(request: Request, *, forget: bool = False) -> HTMLResponse:
    """The link is unknown (links never expire) or none was opened: say so in both languages (the
    page's first); ``forget``: the cookie's token is the one refused, so it goes (an old link leaves
    a newer cookie alone)."""
    renderer = portal_of(request).renderer
    first = renderer.lang_of(request)
    words = [
        LinkWords(lang, *(renderer.gettext(lang, text) for text in (LINK_TITLE, LINK_SAID, LINK_TODO)))
        for lang in sorted(Lang, key=lambda lang: lang is not first)
    ]
    page = access_page(request, "delphi_link.html", {"link_words": words}, status=401)
    page.headers.update(LINK_ONLY)
    if forget and PANEL_COOKIE in request.cookies:
        page.delete_cookie(PANEL_COOKIE, path=PANEL_PATH)
    return page
