"""The hub's connections to its nodes: one pool that a burst, a frozen node or a cancelled caller
can never wedge.

httpcore's pool leaks a connection slot for good when a request is cancelled while it waits for a
connection (encode/httpcore#1093, open in 1.0.9): after a burst every slot is stuck and every node
looks timed out. So an exchange with a node is never cancelled: it runs as its own task, bounded
by httpx's timeouts and a wall-clock check while reading, and a caller that stops waiting at its
deadline leaves it to finish on its own. And the pool is never contended: each node has a fixed
number of slots (``per_node``), taken before a request is handed to httpx, and the pool holds one
connection for every slot, so httpx never waits for a connection. Waiting for a slot is ours to
cancel; a node that holds all of its slots (frozen, or slow under load) delays only itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from pmbridge.hub._registry import DEFAULT_PER_NODE

log = logging.getLogger(__name__)

T = TypeVar("T")


KEEPALIVE_EXPIRY = 10.0
"""Seconds the hub keeps an idle connection to a node: well inside the node's own keep-alive
(``pmbridge.service.KEEP_ALIVE_SECONDS``), so the node never closes a connection just as the hub
sends on it (which would read as the node being down)."""


class SlotTimeout(Exception):
    """No slot to the node came free before the deadline: all are taken by earlier exchanges."""


class NodeLinks:
    """An HTTP client (pool) for each node, opened when first needed, and each node's slots.

    ``open_client(limits)`` makes a node's client; ``limits`` give it a connection for every slot,
    so a request never waits in the pool (and httpcore scans only that node's few connections).
    """

    def __init__(
        self,
        open_client: Callable[[httpx.Limits], httpx.AsyncClient],
        *,
        per_node: int = DEFAULT_PER_NODE,
        owns_clients: bool = True,
    ) -> None:
        if per_node < 1:
            raise ValueError("per_node must be at least 1")
        self.per_node = per_node
        self._open = open_client
        self._owns = owns_clients
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._busy: dict[str, int] = {}
        self._running: set[asyncio.Future[Any]] = set()  # every exchange under way, held here
        self._closed = False
        self._probes: NodeLinks | None = None

    @classmethod
    def over(cls, client: httpx.AsyncClient, *, per_node: int = DEFAULT_PER_NODE) -> NodeLinks:
        """Links that share ``client`` for every node (which its owner closes), e.g. in tests."""
        return cls(lambda _: client, per_node=per_node, owns_clients=False)

    def client(self, node: str) -> httpx.AsyncClient:
        """The client of ``node``'s connections."""
        client = self._clients.get(node)
        if client is None:
            if self._closed:
                raise RuntimeError("the hub's links to its nodes are closed: it is shutting down")
            limits = httpx.Limits(
                max_connections=self.per_node,
                max_keepalive_connections=self.per_node,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            )
            client = self._clients[node] = self._open(limits)
        return client

    @property
    def probes(self) -> NodeLinks:
        """A lane of its own for ``/health`` checks: one connection per node that requests never
        take, so slow questions filling a node's slots cannot make its health check time out (and
        open its breaker for everyone)."""
        if self._probes is None:
            self._probes = NodeLinks(self._open, per_node=1, owns_clients=self._owns)
        return self._probes

    def in_flight(self, node: str) -> int:
        """Exchanges with ``node`` under way now (including those whose callers gave up)."""
        return self._busy.get(node, 0)

    async def run(self, node: str, exchange: Callable[[], Awaitable[T]], *, timeout: float) -> T:
        """``exchange()`` in a slot of ``node``, waiting at most ``timeout`` seconds in all.

        Raises :class:`SlotTimeout` when no slot came free in time, and ``TimeoutError`` when the
        exchange did not finish in time; it then runs on, uncancelled, and frees its slot when done.
        """
        slots = self._slots.setdefault(node, asyncio.Semaphore(self.per_node))
        loop = asyncio.get_running_loop()
        until = loop.time() + max(timeout, 0.0)
        try:
            async with asyncio.timeout_at(until):
                await slots.acquire()
        except TimeoutError:
            raise SlotTimeout(f"all {self.per_node} connections to the node are busy") from None
        # No await between taking the slot and starting the task: nothing can strand the slot.
        self._busy[node] = self._busy.get(node, 0) + 1
        try:
            task: asyncio.Future[T] = asyncio.ensure_future(exchange())
        except BaseException:
            self._busy[node] -= 1
            slots.release()
            raise
        self._running.add(task)

        def finished(_: object) -> None:
            self._running.discard(task)
            self._busy[node] -= 1
            slots.release()
            if not task.cancelled() and task.exception() is not None:
                log.warning("an exchange with node %s failed: %r", node, task.exception())

        task.add_done_callback(finished)
        done, _ = await asyncio.wait({task}, timeout=max(until - loop.time(), 0.0))
        if not done:
            raise TimeoutError
        return task.result()

    async def aclose(self, *, wait: float = 10.0) -> None:
        """Wait (at most ``wait`` seconds) for the exchanges under way, which end by themselves
        shortly after their deadline, then close the clients; no client opens after this."""
        self._closed = True
        if self._probes is not None:
            await self._probes.aclose(wait=wait)
        if self._running:
            await asyncio.wait(set(self._running), timeout=wait)
        if self._owns:
            for client in self._clients.values():
                await client.aclose()
        self._clients.clear()
