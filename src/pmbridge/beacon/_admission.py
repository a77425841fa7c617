"""Back-pressure: a bounded amount of work in flight, and a deadline that starts when a request arrives.

Past ``limit`` requests in flight a service answers ``503`` with ``Retry-After`` at once, rather
than queueing work that would outlive its caller's deadline; such a request is not answered by the
app (the trust boundary outside the gate may have read and checked its body first). ``/health``
is never turned away: it says ``overloaded`` (with the figures, HTTP 200: the process is alive, so a
liveness probe must not restart it) and a monitor tells a busy service from a dead one.

The deadline of the request being served is a context variable: the hub's fan-out reads
:func:`time_left` so that time spent waiting inside the hub counts against the same deadline as the
nodes' replies.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from pmbridge.beacon._received import wire_error
from pmbridge.errors import Overloaded

OPEN_PATHS = ("/health",)
"""Paths that are always served: health must answer exactly when the service is busiest."""

HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Alive. ``status`` is ``up``, or ``overloaded`` while the service turns "
        "requests away (``Retry-After`` then says when to try again); ``load`` has the figures.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
    }
}
"""The OpenAPI ``responses`` of a ``/health`` route."""

_DEADLINE: ContextVar[float | None] = ContextVar("pmbridge_request_deadline", default=None)


def time_left() -> float | None:
    """Seconds left before the deadline of the request being served (None outside a request)."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - asyncio.get_running_loop().time()


@dataclass(slots=True)
class AdmissionGate:
    """How much work a service admits at once, and what it has turned away.

    >>> gate = AdmissionGate(limit=2, deadline_seconds=5.0)
    >>> gate.enter(), gate.enter(), gate.enter(), gate.in_flight, gate.turned_away
    (True, True, False, 2, 1)
    >>> gate.leave(); gate.health()["status"]
    'up'
    """

    limit: int
    deadline_seconds: float | None = None  # None: requests carry no deadline of their own
    retry_after_seconds: int = 1
    in_flight: int = 0
    turned_away: int = 0
    peak: int = field(default=0)

    def enter(self) -> bool:
        """Admit one more request, or say no (and count it) when ``limit`` are in flight."""
        if self.in_flight >= self.limit:
            self.turned_away += 1
            return False
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        return True

    def leave(self) -> None:
        self.in_flight -= 1

    @property
    def saturated(self) -> bool:
        return self.in_flight >= self.limit

    def health(self) -> dict[str, object]:
        """``status`` (``up`` or ``overloaded``) and the figures behind it, for ``/health``."""
        return {
            "status": "overloaded" if self.saturated else "up",
            "load": {
                "inFlight": self.in_flight,
                "limit": self.limit,
                "peak": self.peak,
                "turnedAway": self.turned_away,
            },
        }


class Admission:
    """ASGI middleware that admits at most ``gate.limit`` requests at once and stamps each with its
    deadline; the rest get a Beacon ``503`` with ``Retry-After``, and the app never sees them."""

    def __init__(self, app: ASGIApp, *, gate: AdmissionGate, beacon_id: str) -> None:
        self.app = app
        self.gate = gate
        self.beacon_id = beacon_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")) in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if _DEADLINE.get() is not None:
            # A call made while serving an admitted request (the portal asking its own hub's API
            # in process) is part of that request: it takes no second place, and keeps its deadline.
            await self.app(scope, receive, send)
            return
        if not self.gate.enter():
            await self._turn_away(scope, send)
            return
        seconds = self.gate.deadline_seconds
        token = _DEADLINE.set(None if seconds is None else asyncio.get_running_loop().time() + seconds)
        try:
            await self.app(scope, receive, send)
        finally:
            _DEADLINE.reset(token)
            self.gate.leave()

    async def _turn_away(self, scope: Scope, send: Send) -> None:
        retry = self.gate.retry_after_seconds
        headers, body = wire_error(scope, beacon_id=self.beacon_id, error=Overloaded(self.gate.limit, retry))
        headers.append((b"retry-after", str(retry).encode("ascii")))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
