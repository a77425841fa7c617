"""One error handler per app: any error becomes a Beacon error body with the right 4xx/5xx status."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pmbridge.beacon._body import BODY_STATE
from pmbridge.beacon._received import received_request
from pmbridge.beacon._response import error_response
from pmbridge.errors import PMBridgeError

log = logging.getLogger(__name__)


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
        return reply(request, exc.status, f"{exc.message}. {exc.hint}".strip() if exc.hint else exc.message)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
        )
        return reply(request, 400, f"malformed request: {problems}")

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return reply(request, exc.status_code, str(exc.detail), exc.headers)  # e.g. a 405's Allow

    app.add_exception_handler(PMBridgeError, on_pmbridge)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
