"""The hub's background work for access requests: the deadline sweep and the outbox, on a timer
and whenever a request changes (``kick``), so a notification leaves within moments."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import httpx

from pmbridge.errors import PMBridgeError
from pmbridge.hub._access_delivery import Delivery, deliver
from pmbridge.hub._access_desk import AccessDesk
from pmbridge.hub._access_sweep import sweep
from pmbridge.hub._timer_loop import TimerLoop

log = logging.getLogger("pmbridge.hub.access")


class AccessLoop(TimerLoop):
    """Runs :func:`sweep` and :func:`deliver` every ``desk.settings.sweep_seconds`` or on ``kick``."""

    def __init__(
        self, desk: AccessDesk, delivery: Delivery, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(name="pmbridge-access-loop", seconds=desk.settings.sweep_seconds, clock=clock)
        self.desk = desk
        self.delivery = delivery

    async def run_once(self, client: httpx.AsyncClient) -> None:
        now = self._clock()
        try:
            await asyncio.to_thread(sweep, self.desk, now)
            await deliver(self.desk.store, self.delivery, client, now=now)
        except PMBridgeError as exc:  # a full disk or a locked file: say so, try again next round
            log.error("access requests: %s (%s)", exc.message, exc.hint)
