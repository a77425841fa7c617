"""The hub's audit of the requests it answers: one entry per request under /api, written before the
reply leaves, with the request's ``RequestAudit`` in the scope for the routes (researcher, releases).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from pmbridge.audit import (
    AuditLog,
    RequestAudit,
    RequestTooLarge,
    RouteTemplates,
    attach_request_audit,
    describe_request,
    read_body,
    replay_body,
)
from pmbridge.beacon import nesting_refusal, wire_error
from pmbridge.errors import AuditLogError

log = logging.getLogger(__name__)

AUDITED = "/api"


class AuditedRequests:
    """ASGI middleware: audit every request under /api; ``audit_log`` is read per request because
    the hub opens its log when it starts serving (in the app's lifespan)."""

    def __init__(self, app: ASGIApp, *, audit_log: Callable[[], AuditLog], hub_id: str) -> None:
        self.app = app
        self.audit_log = audit_log
        self.hub_id = hub_id
        self._routes: RouteTemplates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not (path == AUDITED or path.startswith(AUDITED + "/")):
            await self.app(scope, receive, send)
            return
        method = str(scope["method"])
        try:
            body = await read_body(receive)
        except RequestTooLarge as exc:
            audit = RequestAudit(
                self.audit_log(), describe_request(method, path, b"", b"", routes=self._routes_of(scope))
            )
            audit.refuse("request_too_large")
            audit.finish(413)
            await self._error(send, 413, str(exc), scope)
            return
        described = describe_request(method, path, scope["query_string"], body, routes=self._routes_of(scope))
        audit = RequestAudit(self.audit_log(), described)
        too_deep = nesting_refusal(body)  # before anything parses it: a parser would recurse past its stack
        if too_deep:
            audit.refuse("request_too_deep")
            audit.finish(400)
            await self._error(send, 400, too_deep, scope)
            return
        attach_request_audit(scope, audit)
        started = failed = False

        async def audited_send(message: MutableMapping[str, Any]) -> None:
            nonlocal started, failed
            if message["type"] == "http.response.start":
                started = True
                try:
                    audit.finish(int(message["status"]))
                except AuditLogError as exc:
                    log.error("hub %s: %s", self.hub_id, exc)
                    failed = True
                    await self._error(
                        send, 500, "the hub cannot write its audit log, so it does not answer", scope, body
                    )
                    return
            if not failed:
                await send(message)

        try:
            await self.app(scope, replay_body(body, receive), audited_send)
        except Exception:
            if not started:  # the server's error handler answers 500 outside this middleware
                audit.finish(500)
            raise

    def _routes_of(self, scope: Scope) -> RouteTemplates:
        """The app's route templates, for the audit log to name paths by (read once; Starlette puts
        the app in the scope before its middleware runs)."""
        if self._routes is None and "app" in scope:
            self._routes = RouteTemplates.of_app(scope["app"])
        return self._routes or RouteTemplates(())

    async def _error(self, send: Send, status: int, message: str, scope: Scope, body: bytes = b"") -> None:
        headers, raw = wire_error(scope, beacon_id=self.hub_id, status=status, message=message, body=body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})
