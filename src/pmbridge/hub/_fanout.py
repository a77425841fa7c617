"""Concurrent, deadline-bound fan-out of one request to every node; no node can block the answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import httpx
import orjson

from pmbridge.hub._registry import NodeEntry


class NodeStatus(StrEnum):
    OK = "ok"
    DOWN = "down"  # connection refused or reset
    TIMEOUT = "timeout"  # slower than the deadline
    ERROR = "error"  # answered, but with an error status or an unusable body


@dataclass(frozen=True, slots=True)
class NodeReply:
    """What one node said (or why it said nothing)."""

    node: NodeEntry
    status: NodeStatus
    elapsed_ms: float
    body: dict[str, object] | None = None
    http_status: int | None = None
    detail: str = ""


async def fan_out(
    method: str,
    path: str,
    *,
    nodes: Sequence[NodeEntry],
    json_body: object = None,
    deadline: float,
    max_reply_bytes: int,
    client: httpx.AsyncClient,
) -> list[NodeReply]:
    """Send the request to all ``nodes`` at once; every reply is in by ``deadline`` seconds."""
    tasks = [
        _ask(node, method, path, json_body=json_body, deadline=deadline, limit=max_reply_bytes, client=client)
        for node in nodes
    ]
    return list(await asyncio.gather(*tasks))


async def _ask(
    node: NodeEntry,
    method: str,
    path: str,
    *,
    json_body: object,
    deadline: float,
    limit: int,
    client: httpx.AsyncClient,
) -> NodeReply:
    started = time.perf_counter()

    def done(status: NodeStatus, **kw: object) -> NodeReply:
        return NodeReply(node, status, (time.perf_counter() - started) * 1000, **kw)  # type: ignore[arg-type]

    try:
        async with asyncio.timeout(deadline):
            content = None if json_body is None else orjson.dumps(json_body)
            headers = {"content-type": "application/json"} if content is not None else {}
            async with client.stream(method, node.url + path, content=content, headers=headers) as reply:
                raw = await _read_capped(reply, limit)
    except TimeoutError:
        return done(NodeStatus.TIMEOUT, detail=f"no reply within {deadline:g} s")
    except httpx.TransportError as exc:
        return done(NodeStatus.DOWN, detail=f"{type(exc).__name__}: {exc}".rstrip(": "))
    except _ReplyTooLarge:
        return done(NodeStatus.ERROR, detail=f"reply larger than {limit} bytes was cut off")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return done(NodeStatus.ERROR, http_status=reply.status_code, detail="reply is not JSON")
    if not isinstance(body, dict):
        return done(NodeStatus.ERROR, http_status=reply.status_code, detail="reply is not a JSON object")
    if reply.status_code >= 400:
        error = body.get("error")
        message = error.get("errorMessage", "") if isinstance(error, dict) else ""
        return done(NodeStatus.ERROR, body=body, http_status=reply.status_code, detail=str(message))
    return done(NodeStatus.OK, body=body, http_status=reply.status_code)


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
