"""The node's trust boundary: requests under /api must carry the hub's signature, and every reply
leaves signed. The audit entry of each request is written by the shared ``AuditedRequests``
(``pmbridge.web``), which runs :func:`hub_signature_check` once the body is read.

``SignedReplies`` is a plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: the
whole reply is in hand to be signed.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any, NamedTuple

from starlette.types import ASGIApp, Receive, Scope, Send

from pmbridge.audit import RequestAudit
from pmbridge.beacon import wire_error
from pmbridge.errors import InternalError, PMBridgeError, SignatureRejected
from pmbridge.signing import Message, RequestVerifier, SigningKey, sign_response
from pmbridge.web import RequestCheck

log = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]


class Reply(NamedTuple):
    """A whole reply, held until it is signed."""

    status: int
    headers: Headers
    body: bytes


def hub_signature_check(verifier: RequestVerifier | None, *, node_id: str) -> RequestCheck:
    """The check ``AuditedRequests`` runs on each request under /api: the hub's signature must
    verify (``verifier``; None when ``node.require_signatures`` is off, which the log then says)."""

    def check(scope: Scope, body: bytes, audit: RequestAudit) -> str | PMBridgeError:
        if verifier is None:
            return "signature:not_required"
        method, target = str(scope["method"]), _target(scope)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        try:
            signed = verifier.verify(method=method, target=target, headers=headers, body=body)
        except SignatureRejected as exc:
            client = scope.get("client") or ("?", 0)
            log.warning("node %s refused %s %s from %s: %s", node_id, method, target, client[0], exc.message)
            audit.refuse(f"signature:{exc.reason}", claimed_key=exc.key_id)
            return exc
        except PMBridgeError as exc:  # the replay ledger busy or unreadable: no answer, but signed
            log.error("node %s could not check a signature: %s", node_id, exc)
            audit.refuse(f"signature:{exc.code}")
            return exc
        audit.signer = signed.owner
        return "signature:ok"

    return check


class SignedReplies:
    """Sign every reply of the node, refusals and errors included, with the node's key."""

    def __init__(self, app: ASGIApp, *, key: SigningKey, node_id: str) -> None:
        self.app = app
        self.key = key
        self.node_id = node_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        asked = Message.request(str(scope["method"]), _target(scope), headers)
        reply = await self._answer(scope, receive)
        signature = sign_response(status=reply.status, body=reply.body, key=self.key, request=asked)
        extra = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in signature.items()
        ]
        start = {"type": "http.response.start", "status": reply.status, "headers": [*reply.headers, *extra]}
        await send(start)
        await send({"type": "http.response.body", "body": reply.body})

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
            return self._error(InternalError("the node failed to answer; its log says why"), scope)
        if start is None:
            return self._error(InternalError("the node sent no reply"), scope)
        return Reply(int(start["status"]), list(start.get("headers", [])), b"".join(chunks))

    def _error(self, error: PMBridgeError, scope: Scope) -> Reply:
        headers, raw = wire_error(scope, beacon_id=f"org.pmbridge.node.{self.node_id}", error=error)
        return Reply(error.status, headers, raw)


def _target(scope: Scope) -> str:
    """The path and query exactly as sent (percent-encoding kept), as the hub signed them."""
    raw = scope.get("raw_path") or str(scope["path"]).encode("utf-8")
    query = scope.get("query_string") or b""
    return raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
