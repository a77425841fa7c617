"""One error handler per app: any error becomes a Beacon error body with the right 4xx/5xx status."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from pmbridge.beacon._body import BODY_STATE
from pmbridge.beacon._openapi import document_errors
from pmbridge.beacon._received import received_request
from pmbridge.beacon._response import error_response
from pmbridge.errors import PMBridgeError, RateLimited

log = logging.getLogger(__name__)

METHODS = frozenset({"DELETE", "GET", "PATCH", "POST", "PUT"})


def install_error_handlers(app: FastAPI, *, beacon_id: str) -> None:
    """Route PM Bridge errors, malformed requests and unknown paths to the Beacon error shape."""

    def reply(
        request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> JSONResponse:
        # The body is known only once a route has read it; it is never read here, since a
        # replayed stream (the audit and signature middleware) cannot be read twice.
        params = request.query_params
        asked, entry = received_request(
            request.method,
            request.url.path,
            query={k: ",".join(params.getlist(k)) for k in params},
            body=getattr(request.state, BODY_STATE, None),
        )
        body = error_response(beacon_id=beacon_id, request=asked, entry=entry, status=status, message=message)
        return JSONResponse(body, status_code=status, headers=headers)

    async def on_pmbridge(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PMBridgeError)
        if exc.status >= 500:
            log.error("request failed: %s", exc)
        retry = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        message = f"{exc.message}. {exc.hint}".strip() if exc.hint else exc.message
        return reply(request, exc.status, message, retry)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
        )
        return reply(request, 400, f"malformed request: {problems}")

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        allowed = allowed_methods(request) if exc.status_code == 405 else []
        if allowed:  # Starlette's Allow names only the methods of the path's first route
            headers["Allow"] = ", ".join(allowed)
        return reply(request, exc.status_code, str(exc.detail), headers)

    app.add_exception_handler(PMBridgeError, on_pmbridge)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    document_errors(app)  # the OpenAPI document names this error shape, and 400 where FastAPI says 422


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
