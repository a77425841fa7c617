"""The consensus studies' clock: rounds open at their time and close when due, and non-responders get
a reminder some days before a round closes (``consensus.reminder_days``, 3 and 1 by default).

Run by the hub's loop (and by tests with any ``now``); a sweep that ran late does each thing once:
two reminder days passed while the hub was down make one reminder, not two in a row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import httpx

from pmbridge.errors import PMBridgeError, RoundClosed
from pmbridge.hub._access_delivery import Delivery
from pmbridge.hub._consensus_delivery import deliver_consensus
from pmbridge.hub._consensus_desk import ConsensusDesk
from pmbridge.hub._consensus_rounds import close_due, open_due, remind
from pmbridge.hub._timer_loop import TimerLoop

__all__ = ["ConsensusLoop", "SweepReport", "sweep"]

log = logging.getLogger("pmbridge.hub.consensus")

# Which automatic reminders a round has had: the invitations' counts also hold the organiser's own.
_REMINDERS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS sweep_reminders (
    study TEXT NOT NULL, round INTEGER NOT NULL, days INTEGER NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (study, round, days))
"""


@dataclass(slots=True)
class SweepReport:
    """What one sweep did: rounds opened and closed, reminders queued, as (study, round[, mails])."""

    opened: list[tuple[str, int]] = field(default_factory=list)
    closed: list[tuple[str, int]] = field(default_factory=list)
    reminded: list[tuple[str, int, int]] = field(default_factory=list)


def sweep(desk: ConsensusDesk, now: datetime) -> SweepReport:
    """Everything due at ``now``: close due rounds first (their results free the next round), then
    open scheduled ones, then queue the reminders that fell due since the last sweep."""
    report = SweepReport()
    report.closed = close_due(desk, now)
    report.opened = open_due(desk, now)
    for study_id, number, count in _reminders(desk, now):
        report.reminded.append((study_id, number, count))
    return report


def _reminders(desk: ConsensusDesk, now: datetime) -> list[tuple[str, int, int]]:
    sent = []
    with desk.store.connect() as con:
        con.execute(_REMINDERS_TABLE)
        rounds = con.execute("SELECT study, round, opens, closes FROM rounds WHERE state = 'open'").fetchall()
    for study_id, number, opens_text, closes_text in rounds:
        opens, closes = datetime.fromisoformat(opens_text), datetime.fromisoformat(closes_text)
        if now >= closes:
            continue
        # a reminder day counts only when it falls after the round opened: a round opened two days
        # before it closes must not remind everyone at once of the invitation they just had
        due = [d for d in desk.reminder_days if opens < closes - timedelta(days=d) <= now]
        with desk.store.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            done = {
                row[0]
                for row in con.execute(
                    "SELECT days FROM sweep_reminders WHERE study = ? AND round = ?", (study_id, number)
                )
            }
            new = [d for d in due if d not in done]
            # marked before sending: a crash between the two loses one reminder rather than doubling it
            con.executemany(
                "INSERT INTO sweep_reminders (study, round, days, at) VALUES (?, ?, ?, ?)",
                [(study_id, number, d, now.isoformat()) for d in new],
            )
        if not new:
            continue
        try:
            count = remind(desk, "hub", study_id, now)
        except RoundClosed:  # closed between the two steps: nobody needs reminding
            continue
        sent.append((study_id, number, count))
    return sent


class ConsensusLoop(TimerLoop):
    """Runs :func:`sweep` and the outbox every ``seconds`` or on ``kick``, for the hub's lifetime."""

    def __init__(
        self,
        desk: ConsensusDesk,
        delivery: Delivery,
        *,
        seconds: float = 60.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(name="pmbridge-consensus-loop", seconds=seconds, clock=clock)
        self.desk = desk
        self.delivery = delivery

    async def run_once(self, client: httpx.AsyncClient) -> SweepReport | None:
        now = self._clock()
        try:
            report = await asyncio.to_thread(sweep, self.desk, now)
            await deliver_consensus(self.desk.store, self.delivery, client, now=now)
        except PMBridgeError as exc:  # a locked file or a broken lock: say so, try again next round
            log.error("consensus studies: %s (%s)", exc.message, exc.hint)
            return None
        return report
