"""One error handler per app: any error becomes a Beacon error body with the right 4xx/5xx status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pmbridge.beacon._request import BeaconRequest
from pmbridge.beacon._response import error_response
from pmbridge.errors import PMBridgeError

log = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI, *, beacon_id: str) -> None:
    """Route PM Bridge errors, malformed requests and unknown paths to the Beacon error shape."""

    def reply(status: int, message: str) -> JSONResponse:
        body = error_response(beacon_id=beacon_id, request=BeaconRequest(), status=status, message=message)
        return JSONResponse(body, status_code=status)

    async def on_pmbridge(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PMBridgeError)
        if exc.status >= 500:
            log.error("request failed: %s", exc)
        return reply(exc.status, f"{exc.message}. {exc.hint}".strip() if exc.hint else exc.message)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
        )
        return reply(400, f"malformed request: {problems}")

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return reply(exc.status_code, str(exc.detail))

    app.add_exception_handler(PMBridgeError, on_pmbridge)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
