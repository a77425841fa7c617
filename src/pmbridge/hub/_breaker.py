"""Per-node circuit breakers: the hub stops asking a node that keeps timing out and fails its
health check, so that one dead node does not cost every request the whole deadline.

The core (:class:`Breaker`) is pure: every event carries its time from a clock the caller passes,
so tests need no sleeps. It opens only on evidence from two sides: ``timeouts`` exchanges in a row
that the node let run out (each of which had nearly the whole deadline: the hub's own queueing is
never the node's silence) and then a ``/health`` probe, started after that, that failed too. One
user's slow requests therefore never cut a node off for everyone while it answers ``/health``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["FAIR_SHARE", "Breaker", "BreakerState", "Breakers", "Decision"]

FAIR_SHARE = 0.9
"""A timeout counts against a node only when its exchange had at least this share of the hub's
per-node deadline (the rest went in the hub's own queue, which is not the node's silence)."""


class BreakerState(StrEnum):
    """Whether the hub asks a node: ``closed`` (asks), ``open`` (skips), ``half_open`` (tries)."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether to ask the node now; ``trial`` when this request is the half-open breaker's one
    trial, ``retry_in`` the seconds until the node is tried again when it is skipped."""

    ask: bool
    trial: bool = False
    retry_in: float = 0.0


class Breaker:
    """One node's breaker. Events: :meth:`decide` before a request, :meth:`replied` and
    :meth:`timed_out` when its exchange ends, :meth:`health` when a ``/health`` probe ends.

    >>> now = [0.0]
    >>> b = Breaker(timeouts=2, cool_down=30.0, clock=lambda: now[0])
    >>> b.timed_out(); b.timed_out(); b.wants_probe, b.state
    (True, <BreakerState.CLOSED: 'closed'>)
    >>> now[0] = 1.0; b.health(ok=False, started=1.0); b.decide()
    Decision(ask=False, trial=False, retry_in=30.0)
    >>> now[0] = 31.0; b.decide()
    Decision(ask=True, trial=True, retry_in=0.0)
    >>> b.replied(trial=True); b.state
    <BreakerState.CLOSED: 'closed'>
    """

    def __init__(
        self, *, timeouts: int, cool_down: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if timeouts < 1 or cool_down <= 0:
            raise ValueError("a breaker needs timeouts >= 1 and cool_down > 0")
        self.threshold = timeouts
        self.cool_down = cool_down
        self._clock = clock
        self.state = BreakerState.CLOSED
        self.streak = 0  # timeouts in a row that counted
        self._full_at: float | None = None  # when the streak reached the threshold
        self._last_timeout: float | None = None
        self._health_ok: bool | None = None  # the latest probe's outcome (by its start)
        self._health_at = float("-inf")
        self._opened_at = 0.0
        self._trial_at: float | None = None  # a trial is out since then

    @property
    def wants_probe(self) -> bool:
        """The streak is full and no ``/health`` probe started since its last timeout has said
        whether the node is alive: the hub should start one (it decides whether to open)."""
        return (
            self.state is BreakerState.CLOSED
            and self._full_at is not None
            and self._last_timeout is not None
            and self._health_at < self._last_timeout
        )

    @property
    def full_at(self) -> float | None:
        """When the current streak of timeouts reached the threshold (None while it has not): a
        failed health check that started since then opens the breaker."""
        return self._full_at

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a trial through (0 unless open)."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(self._opened_at + self.cool_down - self._clock(), 0.0)

    def decide(self) -> Decision:
        """Whether a request may go to the node now. A half-open breaker lets one trial through at a
        time, unless the node's latest health check succeeded: then every request goes, so that a
        node is skipped only while its latest health check failed."""
        now = self._clock()
        if self.state is BreakerState.CLOSED:
            return Decision(True)
        if self.state is BreakerState.OPEN:
            if now < self._opened_at + self.cool_down:
                return Decision(False, retry_in=self._opened_at + self.cool_down - now)
            self.state = BreakerState.HALF_OPEN
            self._trial_at = None
        if self._health_ok:  # its health answered since it opened: every request goes
            return Decision(True)
        if self._trial_at is None or now - self._trial_at >= self.cool_down:  # none out, or one lost
            self._trial_at = now
            return Decision(True, trial=True)
        return Decision(False)

    def replied(self, *, trial: bool = False) -> None:
        """An exchange ended with any reply (or a refused connection) in time: the node is not silent."""
        del trial  # any reply closes, the trial's or a late one's
        self.state = BreakerState.CLOSED
        self.streak = 0
        self._full_at = self._last_timeout = self._trial_at = None

    def timed_out(self, *, counted: bool = True, trial: bool = False) -> None:
        """An exchange ended without a reply in time; ``counted`` when it had its fair share of the
        deadline (:data:`FAIR_SHARE`), else it says nothing about the node."""
        if trial:
            self._trial_at = None
        if not counted:
            return
        now = self._clock()
        self.streak += 1
        self._last_timeout = now
        if self.streak >= self.threshold and self._full_at is None:
            self._full_at = now
        if self.state is BreakerState.HALF_OPEN:
            if self._health_ok:  # it answers /health: it stays asked until a probe fails
                self.state = BreakerState.CLOSED
            elif trial:  # the trial failed and so did its latest health check: back to waiting
                self._open(now)

    def health(self, *, ok: bool, started: float) -> None:
        """A ``/health`` probe that started at ``started`` ended: ``ok`` when the node answered."""
        if started < self._health_at:
            return  # an older probe finishing late says less than the one already read
        self._health_ok, self._health_at = ok, started
        if ok:
            if self.state is BreakerState.OPEN:
                self.state = BreakerState.HALF_OPEN
                self._trial_at = None
            return
        full = self._full_at is not None and started >= self._full_at
        if full and self.state is not BreakerState.OPEN:
            self._open(self._clock())

    def _open(self, now: float) -> None:
        self.state = BreakerState.OPEN
        self._opened_at = now
        self._trial_at = None


class Breakers:
    """Every node's breaker, made when first needed. ``wants_probe(node, since)`` is called when a
    node's timeout ends a full streak (the hub then needs a ``/health`` reading of it that started
    after ``since``, when the streak filled: a kept one, the one under way, or a new probe, so that a
    burst of timeouts costs one check) and when a request skips it (``since`` None: any recent
    reading will do)."""

    def __init__(
        self,
        *,
        timeouts: int,
        cool_down: float,
        clock: Callable[[], float] = time.monotonic,
        wants_probe: Callable[[str, float | None], None] | None = None,
    ) -> None:
        self.timeouts, self.cool_down, self.clock = timeouts, cool_down, clock
        self._on_wants_probe = wants_probe
        self._nodes: dict[str, Breaker] = {}

    def of(self, node: str) -> Breaker:
        """``node``'s breaker."""
        breaker = self._nodes.get(node)
        if breaker is None:
            breaker = self._nodes[node] = Breaker(
                timeouts=self.timeouts, cool_down=self.cool_down, clock=self.clock
            )
        return breaker

    def decide(self, node: str) -> Decision:
        """:meth:`Breaker.decide` of ``node``; a skipped node gets a probe (its way back)."""
        decision = self.of(node).decide()
        if not decision.ask and self._on_wants_probe is not None:
            self._on_wants_probe(node, None)
        return decision

    def ended(self, node: str, *, timed_out: bool, counted: bool, trial: bool) -> None:
        """An exchange with ``node`` ended (called by the exchange itself, not by its caller)."""
        breaker = self.of(node)
        if timed_out:
            breaker.timed_out(counted=counted, trial=trial)
        else:
            breaker.replied(trial=trial)
        if breaker.wants_probe and self._on_wants_probe is not None:
            self._on_wants_probe(node, breaker.full_at)

    def lost(self, node: str, *, trial: bool) -> None:
        """An exchange ended without an outcome (it crashed): it says nothing about the node."""
        self.of(node).timed_out(counted=False, trial=trial)

    def health(self, node: str, *, ok: bool, started: float) -> None:
        """A ``/health`` probe of ``node`` that started at ``started`` (this clock) ended."""
        self.of(node).health(ok=ok, started=started)

    def shown(self, node: str) -> dict[str, object]:
        """``node``'s breaker as ``GET /api/nodes`` shows it."""
        breaker = self.of(node)
        return {
            "state": breaker.state.value,
            "consecutiveTimeouts": breaker.streak,
            "retryInSeconds": round(breaker.retry_in(), 1),
        }
