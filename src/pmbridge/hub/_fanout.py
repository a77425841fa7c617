"""Concurrent, deadline-bound fan-out of one request to every node; no node can block the answer.

Every request is signed for the one node it goes to (the client's ``NodeRequestSigner``, which
``create_hub_app`` installs with the hub's key), and a reply counts only when it is signed with
that node's registered key: any other reply is an error outcome, never part of the answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import httpx
import orjson

from pmbridge.audit import AuditEvent, AuditLog, RouteTemplates, describe_request
from pmbridge.beacon import FILTERING_TERMS_PATHS, entry_endpoints
from pmbridge.errors import SignatureRejected
from pmbridge.hub._registry import NodeEntry
from pmbridge.signing import (
    AUDIENCE_HEADER,
    DEFAULT_MAX_SKEW,
    KeyRing,
    SigningKey,
    VerifiedSignature,
    sign_request,
    verify_reply,
)

NODE_ROUTES = RouteTemplates(
    [
        *(f"/api/{path}" for path in FILTERING_TERMS_PATHS.values()),
        *(template for template, _, _ in entry_endpoints()),
        "/api/match",
        "/api/match/contact",
        "/api/aggregates",
        "/api/budget",
        "/api/configuration",
        "/api/filtering_terms",
    ]
)
"""The node paths the hub asks, as its audit log names them (entry ids only as digests)."""


class NodeStatus(StrEnum):
    """How a node answered; each is reported as itself, never as another (a refusal is an answer)."""

    OK = "ok"
    REFUSED = "refused"  # answered 401 or 403: a passport, signature, policy or privacy rule said no
    DOWN = "down"  # connection refused or reset
    TIMEOUT = "timeout"  # timed out: no reply within the deadline
    ERROR = "error"  # answered, but with another error status or an unusable body


REFUSALS = (401, 403)
"""The statuses by which a node refuses (who asked, or what may leave), as opposed to failing."""


@dataclass(frozen=True, slots=True)
class NodeReply:
    """What one node said (or why it said nothing)."""

    node: NodeEntry
    status: NodeStatus
    elapsed_ms: float
    body: dict[str, object] | None = None
    http_status: int | None = None
    detail: str = ""
    signature: VerifiedSignature | None = None  # the node's verified signature on this reply


class NodeRequestSigner(httpx.Auth):
    """Signs every request of the hub's client with the hub key, for the node named in its
    ``PMBridge-Audience`` header (``fan_out`` sets it), so no call to a node can go unsigned."""

    requires_request_body = True

    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(
            sign_request(
                method=request.method,
                target=request.url.raw_path.decode("ascii"),
                body=request.content,
                key=self.key,
                audience=request.headers.get(AUDIENCE_HEADER),
                caller=request.headers,
            )
        )
        yield request


async def fan_out(
    method: str,
    path: str,
    *,
    nodes: Sequence[NodeEntry],
    json_body: object = None,
    deadline: float,
    max_reply_bytes: int,
    client: httpx.AsyncClient,
    headers: Mapping[str, str] | None = None,
    max_skew: float = DEFAULT_MAX_SKEW,
    audit: AuditLog | None = None,
) -> list[NodeReply]:
    """Send the request to all ``nodes`` at once; every reply is in by ``deadline`` seconds.

    ``headers`` go to every node as they are (e.g. the researcher's passport in ``Authorization``).
    A reply whose signature does not verify against its node's key within ``max_skew`` seconds is
    an error outcome, and a ``refusal`` entry in ``audit`` when given.
    """
    asked = _Asked(method, path, json_body, dict(headers or {}), max_skew, audit)
    tasks = [_ask(node, asked, deadline=deadline, limit=max_reply_bytes, client=client) for node in nodes]
    return list(await asyncio.gather(*tasks))


@dataclass(frozen=True, slots=True)
class _Asked:
    method: str
    path: str
    json_body: object
    headers: dict[str, str]
    max_skew: float
    audit: AuditLog | None


async def _ask(
    node: NodeEntry, asked: _Asked, *, deadline: float, limit: int, client: httpx.AsyncClient
) -> NodeReply:
    started = time.perf_counter()
    method, path, json_body = asked.method, asked.path, asked.json_body

    def done(status: NodeStatus, **kw: object) -> NodeReply:
        return NodeReply(node, status, (time.perf_counter() - started) * 1000, **kw)  # type: ignore[arg-type]

    try:
        async with asyncio.timeout(deadline):
            content = None if json_body is None else orjson.dumps(json_body)
            headers = {**asked.headers, AUDIENCE_HEADER: node.id}
            if content is not None:
                headers["content-type"] = "application/json"
            async with client.stream(method, node.url + path, content=content, headers=headers) as reply:
                raw = await _read_capped(reply, limit)
    except TimeoutError:
        return done(NodeStatus.TIMEOUT, detail=f"no reply within {deadline:g} s")
    except httpx.TransportError as exc:
        return done(NodeStatus.DOWN, detail=f"{type(exc).__name__}: {exc}".rstrip(": "))
    except _ReplyTooLarge:
        return done(NodeStatus.ERROR, detail=f"reply larger than {limit} bytes was cut off")
    ring = KeyRing({node.id: node.public_key} if node.public_key is not None else {})
    try:
        signature = verify_reply(reply, raw, keys=ring, max_skew=asked.max_skew)
    except SignatureRejected as exc:
        if asked.audit is not None:
            bare, _, asked_query = path.partition("?")
            query = describe_request(method, bare, asked_query.encode(), content or b"", routes=NODE_ROUTES)
            rule = f"signature:{exc.reason}"
            event = AuditEvent(node.id, "refusal", query, rule, {"status": reply.status_code})
            asked.audit.append(event)
        return done(
            NodeStatus.ERROR, http_status=reply.status_code, detail=f"reply signature invalid: {exc.message}"
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return done(NodeStatus.ERROR, http_status=reply.status_code, detail="reply is not JSON")
    if not isinstance(body, dict):
        return done(NodeStatus.ERROR, http_status=reply.status_code, detail="reply is not a JSON object")
    if reply.status_code >= 400:
        error = body.get("error")
        message = error.get("errorMessage", "") if isinstance(error, dict) else ""
        return done(
            NodeStatus.REFUSED if reply.status_code in REFUSALS else NodeStatus.ERROR,
            body=body,
            http_status=reply.status_code,
            detail=str(message),
            signature=signature,
        )
    return done(NodeStatus.OK, body=body, http_status=reply.status_code, signature=signature)


class _ReplyTooLarge(Exception):
    pass


async def _read_capped(reply: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in reply.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _ReplyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
