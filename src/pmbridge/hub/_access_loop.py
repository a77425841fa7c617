"""The hub's background work for access requests: the deadline sweep and the outbox, on a timer
and whenever a request changes (``kick``), so a notification leaves within moments."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx

from pmbridge.errors import PMBridgeError
from pmbridge.hub._access_delivery import Delivery, deliver
from pmbridge.hub._access_desk import AccessDesk
from pmbridge.hub._access_sweep import sweep

log = logging.getLogger("pmbridge.hub.access")


class AccessLoop:
    """Runs :func:`sweep` and :func:`deliver` every ``desk.settings.sweep_seconds`` or on ``kick``."""

    def __init__(
        self, desk: AccessDesk, delivery: Delivery, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.desk = desk
        self.delivery = delivery
        self._clock = clock or (lambda: datetime.now(UTC))
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Deliver now (after a transition or a message)."""
        self._wake.set()

    async def run_once(self, client: httpx.AsyncClient) -> None:
        now = self._clock()
        try:
            await asyncio.to_thread(sweep, self.desk, now)
            await deliver(self.desk.store, self.delivery, client, now=now)
        except PMBridgeError as exc:  # a full disk or a locked file: say so, try again next round
            log.error("access requests: %s (%s)", exc.message, exc.hint)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[AccessLoop]:
        """The loop as a task for the hub's lifetime."""
        async with httpx.AsyncClient(timeout=10.0) as client:
            task = asyncio.create_task(self._forever(client), name="pmbridge-access-loop")
            try:
                yield self
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _forever(self, client: httpx.AsyncClient) -> None:
        while True:
            await self.run_once(client)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.desk.settings.sweep_seconds)
            self._wake.clear()
