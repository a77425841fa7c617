"""The audit of the requests a node or the hub answers: one entry per request under /api, written
before its reply leaves, with the request's ``RequestAudit`` in the scope for the routes.

A plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: the body is read once,
bounded, before any route sees it (a node checks the hub's signature on it, through ``check``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from pmbridge.audit import (
    MAX_REQUEST_BYTES,
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
from pmbridge.errors import AuditLogError, BodyTooDeep, BodyTooLarge, PMBridgeError

log = logging.getLogger(__name__)

AUDITED = "/api"
"""Requests under this path are audited (and, at a node, must be signed by the hub); ``/health``
and the API docs are not."""


RequestCheck = Callable[[Scope, bytes, RequestAudit], "str | PMBridgeError"]
"""Run on each audited request once its body is read and its audit attached, before the app: returns
the rule that admitted the request (its audit entry's ``rule``), or the error that refuses it
(having marked the refusal on the audit), which is sent as the Beacon error reply."""


PRIVATE_BODY = "/api/consensus/panel"
"""A panellist's requests: the audit names the actor ``panellist`` and keeps no digest of what was
sent (a digest of a 1–9 answer is guessed back in nine tries), nor of the query string."""
PANELLIST = "panellist"


def is_private_body(path: str) -> bool:
    """Whether a request to ``path`` is audited without a digest of its body.

    >>> is_private_body("/api/consensus/panel/answers"), is_private_body("/api/consensus/studies")
    (True, False)
    """
    return path == PRIVATE_BODY or path.startswith(PRIVATE_BODY + "/")


ATTACHMENT_REQUEST_BYTES = 8 * 1_048_576
"""An access request's attachment (≤ 5 MiB, base64 in JSON) may be larger than any question."""


def request_limit(method: str, path: str) -> int:
    """The most bytes a request body may have: attachment uploads get room for a 5 MiB file.

    >>> request_limit("POST", "/api/access/resources/rs-1/attachments") > request_limit("POST", "/api")
    True
    """
    if method == "POST" and path.startswith("/api/access/") and path.endswith("/attachments"):
        return ATTACHMENT_REQUEST_BYTES
    return MAX_REQUEST_BYTES


def is_audited(path: str) -> bool:
    """Whether a request to ``path`` gets an audit entry.

    >>> is_audited("/api"), is_audited("/api/individuals"), is_audited("/apis"), is_audited("/docs")
    (True, True, False, False)
    """
    return path == AUDITED or path.startswith(AUDITED + "/")


class AuditedRequests:
    """ASGI middleware: audit every request under /api of the ``role`` (``"node"`` or ``"hub"``)
    named ``name``; ``audit_log`` is read per request, since the hub opens its log in its lifespan."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        audit_log: Callable[[], AuditLog],
        role: str,
        name: str,
        beacon_id: str,
        check: RequestCheck | None = None,
    ) -> None:
        self.app = app
        self.audit_log = audit_log
        self.role = role
        self.name = name
        self.beacon_id = beacon_id
        self.check = check
        self._routes: RouteTemplates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not is_audited(path):
            await self.app(scope, receive, send)
            return
        method = str(scope["method"])
        try:
            body = await read_body(receive, limit=request_limit(method, path))
        except RequestTooLarge as exc:
            audit = RequestAudit(
                self.audit_log(), describe_request(method, path, b"", b"", routes=self._routes_of(scope))
            )
            audit.refuse("request_too_large")
            await self._refuse(send, audit, BodyTooLarge(str(exc), hint="send a smaller body"), scope)
            return
        private = is_private_body(path)
        described = describe_request(
            method,
            path,
            b"" if private else scope["query_string"],
            b"" if private else body,
            routes=self._routes_of(scope),
        )
        audit = RequestAudit(self.audit_log(), described, researcher=PANELLIST if private else None)
        too_deep = nesting_refusal(body)  # before anything parses it: a parser would recurse past its stack
        if too_deep:
            audit.refuse("request_too_deep")
            await self._refuse(send, audit, BodyTooDeep(too_deep), scope)
            return
        attach_request_audit(scope, audit)
        rule = ""
        if self.check is not None:
            checked = self.check(scope, body, audit)
            if isinstance(checked, PMBridgeError):
                await self._refuse(send, audit, checked, scope, body)
                return
            rule = checked
        await self._answer(scope, replay_body(body, receive), send, audit, rule=rule, body=body)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, audit: RequestAudit, *, rule: str, body: bytes
    ) -> None:
        """Run the app, writing the audit entry as its reply starts; a request the log cannot record
        gets no answer but a 500."""
        started = failed = False

        async def audited_send(message: MutableMapping[str, Any]) -> None:
            nonlocal started, failed
            if message["type"] == "http.response.start":
                started = True
                try:
                    audit.finish(int(message["status"]), rule=rule)
                except AuditLogError as exc:
                    log.error("%s %s: %s", self.role, self.name, exc)
                    failed = True
                    await self._error(send, self._cannot_audit(), scope, body)
                    return
            if not failed:
                await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            if not started:  # whoever answers the error (the server, a node's signer) does so outside
                try:
                    audit.finish(500, rule=rule)
                except AuditLogError as exc:
                    log.error("%s %s: %s", self.role, self.name, exc)
            raise

    def _cannot_audit(self) -> AuditLogError:
        return AuditLogError(
            f"the {self.role} cannot write its audit log, so it does not answer",
            hint=f"the {self.role}'s operator must repair the log (its own log says why)",
        )

    async def _refuse(
        self, send: Send, audit: RequestAudit, refusal: PMBridgeError, scope: Scope, body: bytes = b""
    ) -> None:
        """Audit the refusal first, then send it."""
        try:
            audit.finish(refusal.status)
        except AuditLogError as exc:
            log.error("%s %s: %s", self.role, self.name, exc)
            refusal = self._cannot_audit()
        await self._error(send, refusal, scope, body)

    def _routes_of(self, scope: Scope) -> RouteTemplates:
        """The app's route templates, for the audit log to name paths by (read once; Starlette puts
        the app in the scope before its middleware runs)."""
        if self._routes is None and "app" in scope:
            self._routes = RouteTemplates.of_app(scope["app"])
        return self._routes or RouteTemplates(())

    async def _error(self, send: Send, error: PMBridgeError, scope: Scope, body: bytes) -> None:
        headers, raw = wire_error(scope, beacon_id=self.beacon_id, error=error, body=body)
        await send({"type": "http.response.start", "status": error.status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})
