"""The portal's error pages: a browser that asked for a portal page and met an error gets a page in
its language saying what happened and what to do, with the error's code; the API keeps its JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fastapi import Request
from starlette.responses import Response

from pmbridge.errors import PMBridgeError
from pmbridge.portal._i18n import N_
from pmbridge.portal._refusals import Refusal, refusal_of
from pmbridge.portal._render import Renderer

API_PREFIX: Final = "/api"


@dataclass(frozen=True, slots=True)
class ErrorKind:
    """How a page tells one kind of error: a title, what happened and what to do (catalogue messages)."""

    title: str
    said: str
    todo: str


KINDS: Final = {
    "not_found": ErrorKind(
        N_("Page not found"),
        N_("There is no page at this address."),
        N_("Check the address, or go on from the network page or the menu above."),
    ),
    "refused": ErrorKind(
        N_("Refused"),
        N_("A rule of the network refused this request."),
        N_("Change the request as the reason or the details below say."),
    ),
    "sign_in": ErrorKind(
        N_("Sign-in needed"),
        N_("This needs a researcher who is signed in, and your sign-in was not accepted."),
        N_("Sign in again, then go back to this page."),
    ),
    "bad_request": ErrorKind(
        N_("This request cannot be answered"),
        N_("The portal cannot answer this request as it was asked."),
        N_("Change the request as the details below say, or go back and try again."),
    ),
    "busy": ErrorKind(
        N_("Too busy right now"),
        N_("The network is busy or not ready yet."),
        N_("Wait a few seconds, then try again."),
    ),
    "upstream": ErrorKind(
        N_("The network did not answer"),
        N_("No node gave an answer that could be used."),
        N_("Try again in a moment; the network page shows each node's health."),
    ),
    "failed": ErrorKind(
        N_("Something went wrong"),
        N_("The portal failed to show this page."),
        N_("Try again; if it keeps failing, tell the network's operators what you did and the code below."),
    ),
}


def error_kind(error: PMBridgeError, status: int) -> str:
    """Which of :data:`KINDS` tells ``error`` (sent with ``status``).

    >>> from pmbridge.errors import NotFound, PolicyRefused, UpstreamError
    >>> error_kind(NotFound("no page"), 404), error_kind(PolicyRefused("X1", "records"), 403)
    ('not_found', 'refused')
    >>> error_kind(UpstreamError("no node answered"), 502)
    'upstream'
    """
    if status == 404:
        return "not_found"
    if status == 401:
        return "sign_in"
    if status == 403:
        return "refused"
    if status in (429, 503):
        return "busy"
    if status in (502, 504):
        return "upstream"
    return "bad_request" if 400 <= status < 500 else "failed"


def wants_page(request: Request) -> bool:
    """Whether ``request`` is a browser's for a portal page (not the API, and HTML accepted)."""
    path = request.url.path
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return False
    return "text/html" in request.headers.get("accept", "")


@dataclass(frozen=True, slots=True)
class ErrorPages:
    """The portal's :data:`pmbridge.beacon.ErrorPage`: ``error.html`` for a browser's portal page,
    None (so the Beacon JSON) for anything else."""

    renderer: Renderer

    def __call__(self, request: Request, error: PMBridgeError, status: int) -> Response | None:
        if not wants_page(request):
            return None
        refusal: Refusal | None = refusal_of(error) if status in (401, 403) else None
        kind = error_kind(error, status)
        context = {"error": error, "status": status, "kind": KINDS[kind], "kind_id": kind, "refusal": refusal}
        return self.renderer.page(request, "error.html", context, status=status)
