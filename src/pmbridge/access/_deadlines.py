"""Deadlines of a sub-negotiation: reminders after days without a post or a status change, then
abandonment. The Negotiator's users asked for reminders at one and two weeks and auto-close after
two months; those are the defaults, and a hub's ``[access]`` table changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pmbridge.access._states import OPEN_RESOURCE, Party, ResourceState

WAITS_ON: dict[str, Party] = {
    ResourceState.SUBMITTED: Party.STEWARDS,
    ResourceState.UNDER_REVIEW: Party.STEWARDS,
    ResourceState.CONDITIONS_MET: Party.STEWARDS,
    ResourceState.RETURNED: Party.RESEARCHER,
    ResourceState.CONDITIONS_INDICATED: Party.RESEARCHER,
}
"""Whose move it is in each open state: the party a reminder goes to."""
assert set(WAITS_ON) == set(OPEN_RESOURCE)


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Days without activity before each reminder, and before the sub-negotiation is abandoned."""

    reminder_days: tuple[int, ...] = (7, 14)
    abandon_days: int = 60


@dataclass(frozen=True, slots=True)
class Due:
    """What a sweep must do now for one sub-negotiation: remind ``party`` (the n-th reminder) or
    abandon it; ``idle_days`` is how long nothing happened."""

    action: Literal["remind", "abandon"]
    party: Party
    idle_days: int
    reminder: int = 0


def due(
    state: str, *, last_activity: datetime, reminders_sent: int, now: datetime, deadlines: Deadlines
) -> Due | None:
    """The one thing due now for a sub-negotiation in ``state``, or None.

    A sweep that ran late sends only the next reminder (never a burst), and activity resets the
    count, so each quiet spell earns its own reminders.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> d = Deadlines()
    >>> due("submitted", last_activity=t0, reminders_sent=0, now=t0 + timedelta(days=6), deadlines=d) is None
    True
    >>> due("submitted", last_activity=t0, reminders_sent=0, now=t0 + timedelta(days=7), deadlines=d).reminder
    1
    >>> due("returned", last_activity=t0, reminders_sent=2, now=t0 + timedelta(days=60), deadlines=d).action
    'abandon'
    """
    party = WAITS_ON.get(state)
    if party is None:
        return None
    idle = now - last_activity
    idle_days = idle // timedelta(days=1)
    if idle >= timedelta(days=deadlines.abandon_days):
        return Due("abandon", party, idle_days)
    passed = sum(1 for days in sorted(deadlines.reminder_days) if idle >= timedelta(days=days))
    if passed > reminders_sent:
        return Due("remind", party, idle_days, reminder=reminders_sent + 1)
    return None
