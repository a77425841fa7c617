"""Concurrent, deadline-bound fan-out of one request to every node; no node can block the answer.

Every request is signed for the one node it goes to (the client's ``SignedRequests``, installed by
``create_hub_app`` with the hub's key, signs for the node ``fan_out`` names in ``PMBridge-Audience``),
and a reply counts only when it is signed with that node's registered key: any other reply is an
error outcome, never part of the answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import httpx
import orjson

from pmbridge.audit import AuditEvent, AuditLog, RouteTemplates, describe_request
from pmbridge.beacon import FILTERING_TERMS_PATHS, entry_endpoints, time_left
from pmbridge.errors import PMBridgeError, SignatureRejected, error_from_wire
from pmbridge.hub._breaker import FAIR_SHARE, Breakers, Decision
from pmbridge.hub._links import NodeLinks, SlotTimeout
from pmbridge.hub._registry import NodeEntry
from pmbridge.signing import (
    AUDIENCE_HEADER,
    DEFAULT_MAX_SKEW,
    KeyRing,
    VerifiedSignature,
    verify_reply,
)

NODE_ROUTES = RouteTemplates(
    [
        *(f"/api/{path}" for path in FILTERING_TERMS_PATHS.values()),
        *(template for template, _, _ in entry_endpoints()),
        "/api/match",
        "/api/match/contact",
        "/api/aggregates",
        "/api/analysis",
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
    OVERLOADED = "overloaded"  # answered 503: too busy now, retry later (not down, not refused)
    ERROR = "error"  # answered, but with another error status or an unusable body
    SKIPPED = "skipped"  # not asked: its breaker is open (it kept timing out and failed its health check)


MERGE_SHARE = 0.03
"""The share of the deadline that a request's fan-out leaves for the hub's own work once the nodes
are in (merging, disclosure, the reply), so that a hung node never holds the hub's reply past the
request's deadline. A fan-out outside a request (a health check) waits the whole deadline."""
REFUSALS = (401, 403)
"""The statuses by which a node refuses (who asked, or what may leave), as opposed to failing."""
OVERLOADED = 503
"""The status by which a node says it is too busy to take the request now (``Retry-After`` says when)."""


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
    error: PMBridgeError | None = None  # what the node's error reply said, rebuilt from its code


async def fan_out(
    method: str,
    path: str,
    *,
    nodes: Sequence[NodeEntry],
    json_body: object = None,
    deadline: float,
    max_reply_bytes: int,
    links: NodeLinks,
    headers: Mapping[str, str] | None = None,
    max_skew: float = DEFAULT_MAX_SKEW,
    audit: AuditLog | None = None,
    breakers: Breakers | None = None,
) -> list[NodeReply]:
    """Send the request to all ``nodes`` at once; every reply is in by ``deadline`` seconds, or by
    the deadline of the request being served when that comes sooner (time spent queueing counts),
    less :data:`MERGE_SHARE` of it for the hub's own work after the nodes.

    ``headers`` go to every node as they are (e.g. the researcher's passport in ``Authorization``).
    A reply whose signature does not verify against its node's key within ``max_skew`` seconds is
    an error outcome, and a ``refusal`` entry in ``audit`` when given. With ``breakers``, a node
    whose breaker is open is not asked and is a ``skipped`` outcome, and every exchange tells its
    node's breaker how it ended.
    """
    left = time_left()
    seconds = deadline if left is None else max(min(deadline, left) - MERGE_SHARE * deadline, 0.0)
    content = None if json_body is None else orjson.dumps(json_body)
    asked = _Asked(method, path, content, dict(headers or {}), max_skew, audit)
    tasks = []
    for node in nodes:
        decision = Decision(True) if breakers is None else breakers.decide(node.id)
        if not decision.ask and breakers is not None:
            tasks.append(_skipped(node, decision, breakers))
            continue
        noted = None if breakers is None else _Noted(breakers, deadline, decision.trial)
        tasks.append(_ask(node, asked, seconds=seconds, limit=max_reply_bytes, links=links, noted=noted))
    return list(await asyncio.gather(*tasks))


async def _skipped(node: NodeEntry, decision: Decision, breakers: Breakers) -> NodeReply:
    """The outcome of a node its breaker keeps the hub from asking, saying when it is tried again."""
    streak = breakers.of(node.id).streak
    if decision.retry_in > 0:
        why = f"tried again in {_seconds(max(decision.retry_in, 0.1))} s"
    else:
        why = "one trial request to it is under way"
    detail = f"not asked: {streak} timeouts in a row and a failed health check; {why}"
    return NodeReply(node, NodeStatus.SKIPPED, 0.0, detail=detail)


@dataclass(frozen=True, slots=True)
class _Noted:
    """Where an exchange tells how it ended: its node's breaker, the hub's per-node deadline (of
    which the exchange must have had its fair share for a timeout to count) and whether it is the
    breaker's trial."""

    breakers: Breakers
    deadline: float
    trial: bool


@dataclass(frozen=True, slots=True)
class _Asked:
    method: str
    path: str
    content: bytes | None
    headers: dict[str, str]
    max_skew: float
    audit: AuditLog | None


@dataclass(frozen=True, slots=True)
class _Wire:
    """What came back over the wire: the reply (body read in full, within the cap) or why not."""

    reply: httpx.Response | None
    raw: bytes = b""
    status: NodeStatus = NodeStatus.OK
    detail: str = ""


async def _exchange(
    node: NodeEntry, asked: _Asked, *, until: float, limit: int, client: httpx.AsyncClient
) -> _Wire:
    """One request to ``node``, bounded by httpx's timeouts and a clock check while reading the
    body; the caller never cancels it (see :mod:`pmbridge.hub._links`). A node that drips its reply
    headers byte by byte would pass every read timeout, so the exchange also ends itself
    ``CUT_OFF_GRACE`` seconds past ``until``: by then the connection is established (its connect
    timeout ends at ``until``), so this cancellation cannot strand a pool slot."""
    loop = asyncio.get_running_loop()
    headers = {**asked.headers, AUDIENCE_HEADER: node.id}
    if asked.content is not None:
        headers["content-type"] = "application/json"
    timeout = httpx.Timeout(max(until - loop.time(), 0.001))
    try:
        async with asyncio.timeout_at(until + CUT_OFF_GRACE):
            async with client.stream(
                asked.method, node.url + asked.path, content=asked.content, headers=headers, timeout=timeout
            ) as reply:
                raw = await _read_capped(reply, limit, until=until)
    except (httpx.TimeoutException, _TooSlow, TimeoutError):
        return _Wire(None, status=NodeStatus.TIMEOUT)
    except httpx.TransportError as exc:
        return _Wire(None, status=NodeStatus.DOWN, detail=f"{type(exc).__name__}: {exc}".rstrip(": "))
    except httpx.HTTPError as exc:  # an undecodable body (a bad Content-Encoding), and the like
        return _Wire(None, status=NodeStatus.ERROR, detail=f"{type(exc).__name__}: {exc}".rstrip(": "))
    except _ReplyTooLarge:
        return _Wire(None, status=NodeStatus.ERROR, detail=f"reply larger than {limit} bytes was cut off")
    return _Wire(reply, raw)


async def _noted_exchange(
    node: NodeEntry,
    asked: _Asked,
    *,
    until: float,
    limit: int,
    client: httpx.AsyncClient,
    noted: _Noted | None,
) -> _Wire:
    """:func:`_exchange`, telling the node's breaker how it ended when it ends (not when its caller
    stops waiting). A timeout counts against the node only when the exchange itself had its fair
    share of the deadline: time lost in the hub's own queues is not the node's silence."""
    began = asyncio.get_running_loop().time()
    try:
        wire = await _exchange(node, asked, until=until, limit=limit, client=client)
    except BaseException:
        if noted is not None:
            noted.breakers.lost(node.id, trial=noted.trial)
        raise
    if noted is not None:
        counted = until - began >= FAIR_SHARE * noted.deadline
        timed_out = wire.status is NodeStatus.TIMEOUT
        noted.breakers.ended(node.id, timed_out=timed_out, counted=counted, trial=noted.trial)
    return wire


async def _ask(
    node: NodeEntry,
    asked: _Asked,
    *,
    seconds: float,
    limit: int,
    links: NodeLinks,
    noted: _Noted | None = None,
) -> NodeReply:
    started = time.perf_counter()
    method, path, content = asked.method, asked.path, asked.content

    def done(status: NodeStatus, **kw: object) -> NodeReply:
        return NodeReply(node, status, (time.perf_counter() - started) * 1000, **kw)  # type: ignore[arg-type]

    until = asyncio.get_running_loop().time() + seconds
    try:
        wire = await links.run(
            node.id,
            lambda: _noted_exchange(
                node, asked, until=until, limit=limit, client=links.client(node.id), noted=noted
            ),
            timeout=seconds,
        )
    except SlotTimeout as exc:
        if noted is not None and noted.trial:  # never sent: the trial goes to the next request
            noted.breakers.lost(node.id, trial=True)
        return done(NodeStatus.TIMEOUT, detail=f"no reply within {_seconds(seconds)} s: {exc}")
    except TimeoutError:
        return done(NodeStatus.TIMEOUT, detail=f"no reply within {_seconds(seconds)} s")
    if wire.reply is None:
        return done(wire.status, detail=wire.detail or f"no reply within {_seconds(seconds)} s")
    reply, raw = wire.reply, wire.raw
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
        error = node_error(body, status=reply.status_code)
        return done(
            _failure(reply.status_code),
            body=body,
            http_status=reply.status_code,
            detail=f"{error.message}. {error.hint}" if error.hint else error.message,
            signature=signature,
            error=error,
        )
    return done(NodeStatus.OK, body=body, http_status=reply.status_code, signature=signature)


def node_error(body: Mapping[str, object], *, status: int) -> PMBridgeError:
    """The error a node's Beacon error reply (``body``, sent with HTTP ``status``) stands for, read
    from its ``code`` and fields, never from its prose.

    >>> from pmbridge.errors import PolicyRefused
    >>> node_error({"error": PolicyRefused("X4", "genetic").to_wire()}, status=403).refusal_rule
    'X4'
    >>> node_error({"detail": "Not Found"}, status=404).message
    'the node answered 404 without a Beacon error'
    """
    error = body.get("error")
    return error_from_wire(
        error if isinstance(error, Mapping) else None,
        status=status,
        fallback=f"the node answered {status} without a Beacon error",
    )


def _seconds(value: float) -> str:
    """``value`` to a tenth of a second, as people read a deadline.

    >>> _seconds(5.0), _seconds(0.2977), _seconds(12.25)
    ('5', '0.3', '12.2')
    """
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _failure(http_status: int) -> NodeStatus:
    """How a node's error status is reported.

    >>> _failure(403), _failure(503), _failure(500)
    (<NodeStatus.REFUSED: 'refused'>, <NodeStatus.OVERLOADED: 'overloaded'>, <NodeStatus.ERROR: 'error'>)
    """
    if http_status in REFUSALS:
        return NodeStatus.REFUSED
    return NodeStatus.OVERLOADED if http_status == OVERLOADED else NodeStatus.ERROR


class _ReplyTooLarge(Exception):
    pass


CUT_OFF_GRACE = 1.0
"""Seconds past its deadline after which an exchange with a node ends itself, whatever the node does."""


class _TooSlow(Exception):
    pass


async def _read_capped(reply: httpx.Response, limit: int, *, until: float) -> bytes:
    """The body, up to ``limit`` bytes and only until the loop's clock reaches ``until`` (a node
    that drips its reply slowly cannot hold the exchange past the deadline)."""
    loop = asyncio.get_running_loop()
    chunks: list[bytes] = []
    size = 0
    async for chunk in reply.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _ReplyTooLarge
        if loop.time() > until:
            raise _TooSlow
        chunks.append(chunk)
    return b"".join(chunks)
