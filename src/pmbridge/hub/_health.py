"""The hub's view of its nodes' health: each node's ``/health`` reading, kept for a while and
fetched once for any number of callers, so that a crowd on ``/api/nodes`` never stampedes a node.

A probe runs detached, as a task the cache owns: a caller that gives up (its deadline, a closed
page) never cancels it, so the probe always gets the hub's whole deadline, and every caller waits
at most its own time. A probe that is lost (cancelled, crashed) is never kept as a reading: its
callers are told so, and the next caller starts a fresh one.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._registry import NodeEntry

__all__ = ["ALIVE", "HealthCache", "HealthReading"]

log = logging.getLogger(__name__)

ALIVE = frozenset({NodeStatus.OK, NodeStatus.REFUSED, NodeStatus.OVERLOADED})
"""The outcomes by which a node shows it is alive: it answered, signed (a refusal is an answer)."""

Probe = Callable[[NodeEntry], Awaitable[NodeReply]]
"""Asks one node's ``/health`` within the hub's whole deadline (not the caller's)."""


@dataclass(frozen=True, slots=True)
class HealthReading:
    """One probe of a node's ``/health``: what it said, and when it started and ended (the
    cache's clock). ``kept`` is False for a reading made up for a caller that could not wait for
    the probe, or whose probe was lost: it is no reading of the node."""

    reply: NodeReply
    started: float
    ended: float
    kept: bool = True

    def age(self, now: float) -> float:
        """Seconds since the probe ended."""
        return max(now - self.ended, 0.0)


class HealthCache:
    """Each node's latest ``/health`` reading, kept ``max_age`` seconds (0: none is kept, but
    callers still share a probe under way). ``on_reading(node, reading)`` hears every probe that
    ended (the breakers learn from it)."""

    def __init__(
        self,
        probe: Probe,
        *,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
        on_reading: Callable[[str, HealthReading], None] | None = None,
    ) -> None:
        if max_age < 0:
            raise ValueError("max_age must be 0 or more")
        self.max_age = max_age
        self._probe = probe
        self._clock = clock
        self._on_reading = on_reading
        self._kept: dict[str, HealthReading] = {}
        self._flying: dict[str, tuple[float, asyncio.Task[HealthReading]]] = {}
        self.probes = 0  # probes started, for tests and the benchmark

    def now(self) -> float:
        """The cache's clock (readings' ``started`` and ``ended`` are on it)."""
        return self._clock()

    def fresh(self, node: str, *, newer_than: float | None = None) -> HealthReading | None:
        """``node``'s kept reading when it is younger than ``max_age`` (and started after
        ``newer_than`` when given), else None."""
        kept = self._kept.get(node)
        if kept is None or self._clock() - kept.ended > self.max_age or self.max_age == 0:
            return None
        if newer_than is not None and kept.started < newer_than:
            return None
        return kept

    def refresh(
        self, node: NodeEntry, *, newer_than: float | None = None
    ) -> asyncio.Task[HealthReading] | None:
        """Start a probe of ``node`` unless a fresh enough reading is kept or one (started after
        ``newer_than``) is under way; the probe's task, or None when a reading is kept."""
        if self.fresh(node.id, newer_than=newer_than) is not None:
            return None
        flying = self._flying.get(node.id)
        if flying is not None and not flying[1].done() and (newer_than is None or flying[0] >= newer_than):
            return flying[1]
        started = self._clock()
        # A fresh context: the probe must not inherit the deadline of the request that started it.
        task = asyncio.get_running_loop().create_task(self._run(node, started), context=contextvars.Context())
        self._flying[node.id] = (started, task)
        self.probes += 1
        task.add_done_callback(lambda done: self._landed(node.id, done))
        return task

    def heard_from(self, node: str, status: NodeStatus) -> None:
        """A request to ``node`` just ended with ``status``. A kept reading it proves out of date
        is dropped, so that the next look checks again rather than contradict the request: alive
        when the node could not be reached (``down``), or failing when the node answered. A
        request's timeout proves nothing about ``/health`` (one slow question), so it keeps it."""
        kept = self._kept.get(node)
        if kept is None:
            return
        alive = kept.reply.status in ALIVE
        if (alive and status is NodeStatus.DOWN) or (not alive and status in ALIVE):
            del self._kept[node]

    async def read(self, node: NodeEntry, *, within: float) -> HealthReading:
        """``node``'s health: the kept reading, or the one under way, or a new probe's; waits at
        most ``within`` seconds, then answers ``timeout`` (the probe runs on, and is kept)."""
        task = self.refresh(node)
        if task is None:
            kept = self.fresh(node.id)
            if kept is not None:
                return kept
            task = self.refresh(node)  # it aged out between the two looks
            if task is None:  # pragma: no cover - a reading cannot be kept and not fresh twice
                raise RuntimeError("health cache: no reading and no probe")
        started = self._clock()
        done, _ = await asyncio.wait({task}, timeout=max(within, 0.0))
        if done and not task.cancelled() and task.exception() is None:
            return task.result()
        seconds = f"{within:.1f}".rstrip("0").rstrip(".")
        if done:  # lost: cancelled, or crashed
            why = "cancelled" if task.cancelled() else repr(task.exception())
            status, detail = NodeStatus.ERROR, f"the hub's health check was lost ({why}); ask again"
        else:
            status, detail = NodeStatus.TIMEOUT, f"no reply within {seconds} s"
        ended = self._clock()
        reply = NodeReply(node, status, (ended - started) * 1000, detail=detail)
        return HealthReading(reply, started, ended, kept=False)

    async def read_all(self, nodes: Sequence[NodeEntry], *, within: float) -> list[HealthReading]:
        """:meth:`read` of every node at once."""
        return list(await asyncio.gather(*(self.read(n, within=within) for n in nodes)))

    async def aclose(self) -> None:
        """Cancel the probes under way (the exchanges they started end by themselves)."""
        tasks = [task for _, task in self._flying.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._flying.clear()

    async def _run(self, node: NodeEntry, started: float) -> HealthReading:
        reply = await self._probe(node)
        return HealthReading(reply, started, self._clock())

    def _landed(self, node: str, task: asyncio.Task[HealthReading]) -> None:
        flying = self._flying.get(node)
        if flying is not None and flying[1] is task:
            del self._flying[node]
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.warning("the health check of node %s failed: %r", node, error)
            return
        reading = task.result()
        kept = self._kept.get(node)
        if kept is None or reading.started >= kept.started:  # a late, older probe never overwrites
            self._kept[node] = reading
        if self._on_reading is not None:
            self._on_reading(node, reading)
