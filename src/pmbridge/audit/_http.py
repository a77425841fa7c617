"""The audit trail of one HTTP request that a node or the hub answers, kept in the ASGI scope.

The serving middleware opens a :class:`RequestAudit` when a request arrives and writes its
``request`` (or ``refusal``) entry when the reply leaves; code answering the request finds it with
:func:`request_audit`, names the researcher and appends ``release`` entries with the same actor
and query, so the entries of one request can be read together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from pmbridge.audit._entry import AuditEntry, AuditEvent, Scalar, query_digest
from pmbridge.audit._log import AuditLog
from pmbridge.audit._paths import RouteTemplates

SCOPE_KEY = "pmbridge.audit"
MAX_REQUEST_BYTES = 1_048_576
"""Largest request body a node or the hub reads: Beacon queries are a few kilobytes, and a body
is read whole before its signature can be checked."""

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


def describe_request(
    method: str, path: str, query_string: bytes, body: bytes, *, routes: RouteTemplates
) -> str:
    """What the log's ``query`` says about a request: method, route (path parameters, such as an
    individual's id, only as digests; :class:`RouteTemplates`) and a digest of what was asked.

    >>> routes = RouteTemplates(["/api/individuals", "/api/individuals/{entry_id}", "/api/info"])
    >>> describe_request("POST", "/api/individuals", b"", b'{"query": {"filters": []}}', routes=routes)
    'POST /api/individuals sha256:7ba5bffd92046f5f7a38f06f2adff7ae480a3ca18da519acff0df8d97bef4cb9'
    >>> describe_request("GET", "/api/info", b"", b"", routes=routes)
    'GET /api/info'
    >>> describe_request("GET", "/api/individuals/rel-eu-5", b"", b"", routes=routes)
    'GET /api/individuals/{entry_id} entry_id=sha256:053f2842c80ba306'
    """
    what = body or query_string
    shown = routes.audited(path)
    if not what:
        return f"{method} {shown}"
    return f"{method} {shown} {query_digest(what.decode('utf-8', 'replace') if body else what)}"


def record_release(
    log: AuditLog,
    *,
    actor: str,
    query: str,
    rule: str,
    granularity: str,
    released: Mapping[str, Scalar] | None = None,
) -> AuditEntry:
    """Append a ``release`` entry: who got what answer to which query, and which rule decided.

    ``released`` describes what left (flat scalars: how many results, how each was marked,
    aggregate values that passed disclosure control), never records.
    """
    described: dict[str, Scalar] = {"granularity": granularity, **(released or {})}
    return log.append(AuditEvent(actor=actor, action="release", query=query, rule=rule, released=described))


@dataclass(slots=True)
class RequestAudit:
    """One request being answered: who asked (as far as checked so far) and what.

    ``signer`` is the owner of the key whose signature on the request verified (a node's view of
    the hub); ``researcher`` the subject of a verified passport, set by the code that checked it.
    """

    log: AuditLog
    query: str
    signer: str | None = None
    researcher: str | None = None
    refused_by: str = ""
    claimed_key: str = ""

    @property
    def actor(self) -> str:
        """Who the log names: the researcher, else the signer, else who the request claimed to be."""
        if self.researcher:
            return self.researcher
        if self.signer:
            return self.signer
        return f"key {self.claimed_key}" if self.claimed_key else "anonymous"

    def refuse(self, rule: str, *, claimed_key: str = "") -> None:
        """Mark the request as refused before it was answered (``rule``: e.g. ``signature:stale``)."""
        self.refused_by = rule
        self.claimed_key = claimed_key

    def record_release(
        self, *, rule: str, granularity: str, released: Mapping[str, Scalar] | None = None
    ) -> AuditEntry:
        """Append a ``release`` entry for this request (see :func:`record_release`)."""
        return record_release(
            self.log,
            actor=self.actor,
            query=self.query,
            rule=rule,
            granularity=granularity,
            released=released,
        )

    def finish(self, status: int, *, rule: str = "") -> AuditEntry:
        """Append the request's own entry when its reply leaves: ``refusal`` or ``request``."""
        refused = bool(self.refused_by)
        return self.log.append(
            AuditEvent(
                actor=self.actor,
                action="refusal" if refused else "request",
                query=self.query,
                rule=self.refused_by if refused else rule,
                released={"status": status},
            )
        )


def attach_request_audit(scope: MutableMapping[str, Any], audit: RequestAudit) -> None:
    """Keep ``audit`` in the request's scope (``request.state`` in Starlette) for the handlers."""
    scope.setdefault("state", {})[SCOPE_KEY] = audit


def request_audit(scope: Mapping[str, Any]) -> RequestAudit | None:
    """The audit trail of the request being answered (pass ``request.scope``); None outside one."""
    state = scope.get("state")
    found = state.get(SCOPE_KEY) if isinstance(state, Mapping) else None
    return found if isinstance(found, RequestAudit) else None


class RequestTooLarge(Exception):
    """The request body is longer than the limit; nothing more of it was read."""


async def read_body(receive: Receive, *, limit: int = MAX_REQUEST_BYTES) -> bytes:
    """Read a whole ASGI request body, refusing (``RequestTooLarge``) one longer than ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: the client has gone
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(f"request body longer than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then defers to the real one."""
    sent = False

    async def replay() -> MutableMapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
