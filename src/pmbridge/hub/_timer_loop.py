"""Background work of the hub on a timer: run every so many seconds, and at once when kicked.

The access requests' sweep and the consensus studies' clock are both one of these.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Self

import httpx


class TimerLoop(ABC):
    """Runs :meth:`run_once` every ``seconds`` or on :meth:`kick`, as a task for the hub's lifetime."""

    def __init__(self, *, name: str, seconds: float, clock: Callable[[], datetime] | None = None) -> None:
        self.name = name
        self.seconds = seconds
        self._clock = clock or (lambda: datetime.now(UTC))
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Run now (after a step queued mail), not at the next tick."""
        self._wake.set()

    @abstractmethod
    async def run_once(self, client: httpx.AsyncClient) -> object:
        """One pass; errors worth retrying are logged by the subclass, not raised."""

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        """The loop as a task for the hub's lifetime."""
        async with httpx.AsyncClient(timeout=10.0) as client:
            task = asyncio.create_task(self._forever(client), name=self.name)
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
                await asyncio.wait_for(self._wake.wait(), timeout=self.seconds)
            self._wake.clear()
