"""One error handler per app: any error becomes a Beacon error body with the right 4xx/5xx status,
or, where a page installed :data:`ERROR_PAGE_STATE` (the portal), an HTML page for a browser."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount

from pmbridge.beacon._body import BODY_STATE
from pmbridge.beacon._openapi import document_errors
from pmbridge.beacon._received import received_request
from pmbridge.beacon._response import error_response
from pmbridge.errors import (
    BodyTooLarge,
    InternalError,
    MatchIndexNotReady,
    MethodNotAllowed,
    NotFound,
    Overloaded,
    PMBridgeError,
    QueryError,
    RateLimited,
    UpstreamError,
)

log = logging.getLogger(__name__)

METHODS = frozenset({"DELETE", "GET", "PATCH", "POST", "PUT"})

ErrorPage = Callable[[Request, PMBridgeError, int], Response | None]
"""Renders an error as a page for ``request`` (with the HTTP status to send), or None to leave it
to the Beacon error body."""
ERROR_PAGE_STATE: Final = "error_page"
"""The ``app.state`` attribute where a web UI mounted on the app puts its :data:`ErrorPage`."""


def install_error_handlers(app: FastAPI, *, beacon_id: str) -> None:
    """Route PM Bridge errors, malformed requests and unknown paths to the Beacon error shape."""

    def reply(
        request: Request,
        error: PMBridgeError,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        sent = error.status if status is None else status
        page: ErrorPage | None = getattr(request.app.state, ERROR_PAGE_STATE, None)
        shown = page(request, error, sent) if page is not None else None
        if shown is not None:
            shown.headers.update(headers or {})
            return shown
        # The body is known only once a route has read it; it is never read here, since a
        # replayed stream (the audit and signature middleware) cannot be read twice.
        params = request.query_params
        asked, entry = received_request(
            request.method,
            request.url.path,
            query={k: ",".join(params.getlist(k)) for k in params},
            body=getattr(request.state, BODY_STATE, None),
        )
        body = error_response(beacon_id=beacon_id, request=asked, entry=entry, error=error, status=status)
        return JSONResponse(body, status_code=sent, headers=headers)

    async def on_pmbridge(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PMBridgeError)
        if exc.status >= 500:
            log.error("request failed: %s", exc)
        retry = (
            {"Retry-After": str(exc.retry_after)}
            if isinstance(exc, RateLimited | Overloaded | MatchIndexNotReady)
            else None
        )
        return reply(request, exc, headers=retry)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
        )
        return reply(request, QueryError(f"malformed request: {problems}", hint="fix the fields named"))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        allowed = allowed_methods(request) if exc.status_code == 405 else []
        if allowed:  # Starlette's Allow names only the methods of the path's first route
            headers["Allow"] = ", ".join(allowed)
        error = http_error(exc.status_code, str(exc.detail))
        return reply(request, error, None if error.status == exc.status_code else exc.status_code, headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception and re-raises it once this reply is sent.
        return reply(request, InternalError("the server failed to answer", hint="its log says why; retry"))

    app.add_exception_handler(PMBridgeError, on_pmbridge)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
    document_errors(app)  # the OpenAPI document names this error shape, and 400 where FastAPI says 422


_RETRY_LATER = (RateLimited, Overloaded, MatchIndexNotReady)
"""Errors whose reply carries a Retry-After header (and ``retryAfter`` in its body)."""


def http_error(status: int, message: str) -> PMBridgeError:
    """The error a framework's HTTP exception (``status``, ``message``) stands for: the class of
    that status (404, 405, 413, 502), else a bad request for a 4xx or an internal error.

    >>> http_error(404, "Not Found").code, http_error(418, "teapot").code
    ('not_found', 'bad_request')
    """
    if status == 404:
        return NotFound(
            message,
            hint="check the address; GET /api lists the Beacon endpoints (at a hub, / is the portal)",
        )
    if status == 405:
        return MethodNotAllowed(message, hint="use one of the methods the Allow header lists")
    if status == 413:
        return BodyTooLarge(message, hint="send a smaller body")
    if status == 502:
        return UpstreamError(message)
    return (
        QueryError(message)
        if 400 <= status < 500
        else InternalError(message, hint="the server's log says why")
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers at the request's path, HEAD wherever GET is
    (``install_head``), sorted: what a 405's ``Allow`` header lists."""
    found: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Mount):  # static files
            if route.matches(request.scope)[0] is not Match.NONE:
                found |= {"GET", "HEAD"}
            continue
        for method in METHODS - found:
            if route.matches({**request.scope, "method": method})[0] is Match.FULL:
                found.add(method)
    if "GET" in found:
        found.add("HEAD")
    return sorted(found)
