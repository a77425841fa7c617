"""The node's trust boundary: requests under /api must carry the hub's signature, every reply leaves
signed, and every request under /api gets one audit entry, written before its reply leaves.

A plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: the body is read once,
bounded, before any route sees it, and the whole reply is in hand to be signed.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any, NamedTuple

from starlette.types import ASGIApp, Receive, Scope, Send

from pmbridge.audit import (
    RequestAudit,
    RequestTooLarge,
    RouteTemplates,
    attach_request_audit,
    describe_request,
    read_body,
    replay_body,
)
from pmbridge.beacon import nesting_refusal, wire_error
from pmbridge.errors import AuditLogError, PMBridgeError, SignatureRejected
from pmbridge.node._trust import NodeTrust
from pmbridge.signing import Message, sign_response

log = logging.getLogger(__name__)

PROTECTED = "/api"
"""Requests under this path must be signed by the hub; ``/health`` and the API docs stay open."""

Headers = list[tuple[bytes, bytes]]


class Reply(NamedTuple):
    """A whole reply, held until it is audited and signed."""

    status: int
    headers: Headers
    body: bytes


class SignedExchange:
    """Verify the hub's signature on requests under /api, sign every reply, audit each request."""

    def __init__(self, app: ASGIApp, *, trust: NodeTrust, node_id: str) -> None:
        self.app = app
        self.trust = trust
        self.node_id = node_id
        self._routes: RouteTemplates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = str(scope["method"]), str(scope["path"])
        target = _target(scope)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        asked = Message.request(method, target, headers)
        if not (path == PROTECTED or path.startswith(PROTECTED + "/")):
            await self._reply(send, asked, await self._answer(scope, receive))
            return
        try:
            body = await read_body(receive)
        except RequestTooLarge as exc:
            audit = RequestAudit(
                self.trust.audit, describe_request(method, path, b"", b"", routes=self._routes_of(scope))
            )
            audit.refuse("request_too_large")
            await self._finish(send, asked, audit, self._error(413, str(exc), scope))
            return
        described = describe_request(method, path, scope["query_string"], body, routes=self._routes_of(scope))
        audit = RequestAudit(self.trust.audit, described)
        too_deep = nesting_refusal(body)  # before anything parses it, the signature's refusal included
        if too_deep:
            audit.refuse("request_too_deep")
            await self._finish(send, asked, audit, self._error(400, too_deep, scope))
            return
        attach_request_audit(scope, audit)
        rule = "signature:not_required"
        if self.trust.verifier is not None:
            try:
                signed = self.trust.verifier.verify(method=method, target=target, headers=headers, body=body)
            except SignatureRejected as exc:
                client = scope.get("client") or ("?", 0)
                log.warning(
                    "node %s refused %s %s from %s: %s", self.node_id, method, target, client[0], exc.message
                )
                audit.refuse(f"signature:{exc.reason}", claimed_key=exc.key_id)
                message = f"{exc.message}. {exc.hint}" if exc.hint else exc.message
                await self._finish(send, asked, audit, self._error(exc.status, message, scope, body))
                return
            except PMBridgeError as exc:  # the replay ledger busy or unreadable: no answer, but signed
                log.error("node %s could not check a signature: %s", self.node_id, exc)
                audit.refuse(f"signature:{exc.code}")
                message = f"{exc.message}. {exc.hint}" if exc.hint else exc.message
                await self._finish(send, asked, audit, self._error(exc.status, message, scope, body))
                return
            audit.signer, rule = signed.owner, "signature:ok"
        reply = await self._answer(scope, replay_body(body, receive))
        await self._finish(send, asked, audit, reply, rule=rule)

    def _routes_of(self, scope: Scope) -> RouteTemplates:
        """The app's route templates, for the audit log to name paths by (read once; Starlette puts
        the app in the scope before its middleware runs)."""
        if self._routes is None and "app" in scope:
            self._routes = RouteTemplates.of_app(scope["app"])
        return self._routes or RouteTemplates(())

    async def _answer(self, scope: Scope, receive: Receive) -> Reply:
        """Run the app and keep its whole reply; an unexpected error becomes a Beacon 500."""
        start: MutableMapping[str, Any] | None = None
        chunks: list[bytes] = []

        async def keep(message: MutableMapping[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        try:
            await self.app(scope, receive, keep)
        except Exception:
            log.exception("node %s: %s %s failed", self.node_id, scope["method"], scope["path"])
            return self._error(500, "the node failed to answer; its log says why", scope)
        if start is None:
            return self._error(500, "the node sent no reply", scope)
        return Reply(int(start["status"]), list(start.get("headers", [])), b"".join(chunks))

    async def _finish(
        self,
        send: Send,
        asked: Message,
        audit: RequestAudit,
        reply: Reply,
        *,
        rule: str = "",
    ) -> None:
        """Audit first, then reply: a request the log cannot record gets no answer but a 500."""
        try:
            audit.finish(reply.status, rule=rule)
        except AuditLogError as exc:
            log.error("node %s: %s", self.node_id, exc)
            reply = self._error(500, "the node cannot write its audit log, so it does not answer")
        await self._reply(send, asked, reply)

    async def _reply(self, send: Send, asked: Message, reply: Reply) -> None:
        signature = sign_response(status=reply.status, body=reply.body, key=self.trust.key, request=asked)
        extra = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in signature.items()
        ]
        start = {"type": "http.response.start", "status": reply.status, "headers": [*reply.headers, *extra]}
        await send(start)
        await send({"type": "http.response.body", "body": reply.body})

    def _error(self, status: int, message: str, scope: Scope | None = None, body: bytes = b"") -> Reply:
        """A Beacon error reply describing the request of ``scope`` (with ``body``) as far as it can."""
        beacon_id = f"org.pmbridge.node.{self.node_id}"
        headers, raw = wire_error(scope, beacon_id=beacon_id, status=status, message=message, body=body)
        return Reply(status, headers, raw)


def _target(scope: Scope) -> str:
    """The path and query exactly as sent (percent-encoding kept), as the hub signed them."""
    raw = scope.get("raw_path") or str(scope["path"]).encode("utf-8")
    query = scope.get("query_string") or b""
    return raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
