"""The desk's clock: reminders after quiet days, abandonment after long ones, grants that end.

Run by the hub every ``access.sweep_seconds`` (and by tests with any ``now``): each action is one
transition or one reminder, written like any other, so the audit log and the inboxes show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pmbridge.access import OPEN_RESOURCE, Party, Role, due
from pmbridge.hub._access_desk import AccessDesk
from pmbridge.hub._access_steps import Taken, notify, recipients
from pmbridge.hub._access_store import text_time

_OPEN_REQUEST = ("approved", "in_progress")


@dataclass(slots=True)
class SweepReport:
    """What one sweep did, by sub-negotiation or request id."""

    reminded: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)


def sweep(desk: AccessDesk, now: datetime) -> SweepReport:
    """Everything due at ``now``; a sweep that ran late does each thing once, never a burst."""
    report = SweepReport()
    settings = desk.settings.deadlines
    with desk.store.connect() as con:
        con.execute("BEGIN IMMEDIATE")
        system = Taken("hub", Role.SYSTEM)
        touched: set[str] = set()
        for resource in desk.store.open_resources(con):
            request = desk.store.request(con, resource.request_id)
            if request is None:
                continue
            if resource.state == "approved" and resource.until is not None and resource.until < now.date():
                desk.step_in(con, request, resource, "expire", taken=system, now=now)
                con.execute(
                    "UPDATE grants SET state = 'expired', ended = ? WHERE resource_id = ? AND state = "
                    "'active'",
                    (text_time(now), resource.id),
                )
                desk.bump(request)
                report.expired.append(resource.id)
                continue
            if request.state not in _OPEN_REQUEST:
                continue
            found = due(
                resource.state,
                last_activity=resource.last_activity,
                reminders_sent=resource.reminders_sent,
                now=now,
                deadlines=settings,
            )
            if found is None:
                continue
            if found.action == "abandon":
                desk.step_in(con, request, resource, "abandon_idle", taken=system, now=now)
                report.abandoned.append(resource.id)
                touched.add(request.id)
                continue
            to = recipients(found.party, request, [resource.node], desk.desks)
            notify(
                con,
                channels=desk.channels,
                to=to,
                kind="reminder",
                request=request,
                resource_id=resource.id,
                params={
                    "node": resource.node,
                    "dataset": resource.dataset,
                    "state": resource.state,
                    "days": str(found.idle_days),
                    "reminder": str(found.reminder),
                    "waiting": "researcher" if found.party is Party.RESEARCHER else "stewards",
                },
                now=now,
            )
            con.execute("UPDATE resources SET reminders_sent = ? WHERE id = ?", (found.reminder, resource.id))
            report.reminded.append(resource.id)
        _abandon_requests(desk, con, now, touched, report)
    return report


def _abandon_requests(
    desk: AccessDesk, con: object, now: datetime, touched: set[str], report: SweepReport
) -> None:
    """A request with nothing left open and nothing granted is abandoned when its last
    sub-negotiation was, or when it has been quiet for the abandonment period."""
    import sqlite3

    assert isinstance(con, sqlite3.Connection)
    limit = timedelta(days=desk.settings.deadlines.abandon_days)
    rows = con.execute("SELECT id FROM requests WHERE state IN ('approved', 'in_progress')").fetchall()
    for (request_id,) in rows:
        request = desk.store.request(con, request_id)
        if request is None:
            continue
        states = {r.state for r in request.resources}
        if states & {*OPEN_RESOURCE, "approved"}:
            continue
        if request.id in touched or now - request.last_activity >= limit:
            desk.step_in(con, request, None, "abandon_idle", taken=Taken("hub", Role.SYSTEM), now=now)
            report.abandoned.append(request.id)
