"""One transition, written whole: the new state, its history row, its audit entry, its notices.

Everything happens inside the caller's SQLite transaction; the audit entry is appended before the
transaction commits, so a failed append rolls the step back, and the notification rows are the
outbox the delivery loop sends from. A step's row in the state table says whom to tell.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pmbridge.access import AccessRequest, Party, Recipient, Resource, Role, Step, find_step
from pmbridge.audit import AuditEvent, AuditLog
from pmbridge.errors import AccessRequestError
from pmbridge.hub._access_parties import NodeDesk
from pmbridge.hub._access_store import text_time


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class Channels:
    """Which deliveries a new notification waits for: mail when SMTP is set and the recipient
    has an address, webhooks when any are configured."""

    mail: bool
    hooks: bool


@dataclass(frozen=True, slots=True)
class Taken:
    """A step as taken: by whom, why, with what conditions or end date."""

    actor: str
    role: Role
    reason: str = ""
    conditions: str = ""
    until: date | None = None


def researcher_of(request: AccessRequest) -> Recipient:
    """The researcher of ``request``, as their draft names them."""
    from pmbridge.access import Language

    body = request.body
    language = str(body.get("language", "en"))
    return Recipient(
        request.researcher,
        str(body.get("name", request.researcher)),
        str(body.get("email") or "") or None,
        Language(language) if language in ("en", "zh") else Language.EN,
        issuer=request.issuer,
    )


def recipients(
    party: Party, request: AccessRequest, nodes: Sequence[str], desks: Mapping[str, NodeDesk]
) -> list[Recipient]:
    """Everyone a step tells: the researcher, or each steward of ``nodes`` once."""
    if party is Party.RESEARCHER:
        return [researcher_of(request)]
    found: dict[str, Recipient] = {}
    for node in nodes:
        desk = desks.get(node)
        for steward in desk.stewards if desk else ():
            found.setdefault(steward.id, steward.recipient())
    return list(found.values())


def check_step(level: str, source: str, event: str, taken: Taken) -> Step:
    """The step, if the table allows it to this role and it carries what it needs; else the error."""
    step = find_step(level, source, event, taken.role)
    missing = [need for need in step.needs if not getattr(taken, need)]
    if missing:
        raise AccessRequestError(
            f"to {event} you must give {' and '.join(missing)}",
            hint={
                "reason": "write the reason the researcher will read",
                "conditions": "state the access conditions",
                "until": "give the last day of access (YYYY-MM-DD)",
            }[missing[0]],
        )
    return step


def take_step(
    con: sqlite3.Connection,
    *,
    audit: AuditLog,
    desks: Mapping[str, NodeDesk],
    channels: Channels,
    request: AccessRequest,
    resource: Resource | None,
    event: str,
    taken: Taken,
    now: datetime,
) -> Step:
    """Apply ``event`` to ``resource`` (or to ``request`` when None) and record it everywhere."""
    level = "request" if resource is None else "resource"
    source = request.state if resource is None else resource.state
    step = check_step(level, source, event, taken)
    stamp = text_time(now)
    if resource is None:
        con.execute(
            "UPDATE requests SET state = ?, updated = ?, last_activity = ? WHERE id = ?",
            (step.target, stamp, stamp, request.id),
        )
        nodes = [r.node for r in request.resources if r.state != "not_sent"]
    else:
        con.execute(
            "UPDATE resources SET state = ?, updated = ?, last_activity = ?, reminders_sent = 0, "
            "reason = CASE WHEN ? != '' THEN ? ELSE reason END, "
            "conditions = CASE WHEN ? != '' THEN ? ELSE conditions END, until = COALESCE(?, until) "
            "WHERE id = ?",
            (
                step.target,
                stamp,
                stamp,
                taken.reason,
                taken.reason,
                taken.conditions,
                taken.conditions,
                None if taken.until is None else taken.until.isoformat(),
                resource.id,
            ),
        )
        con.execute(
            "UPDATE requests SET updated = ?, last_activity = ? WHERE id = ?", (stamp, stamp, request.id)
        )
        nodes = [resource.node]
    released: dict[str, str | int | float | bool | None] = {"level": level, "from": source, "to": step.target}
    if resource is not None:
        released |= {"node": resource.node, "dataset": resource.dataset}
    entry = audit.append(
        AuditEvent(
            actor=taken.actor,
            action="transition",
            query=f"{request.id}/{resource.id}" if resource else request.id,
            rule=step.kind,
            released=released,
        )
    )
    con.execute(
        "INSERT INTO history (request_id, resource_id, level, source, event, target, actor, at, "
        "reason, audit_seq) "
        "VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            request.id,
            resource.id if resource else None,
            level,
            source,
            event,
            step.target,
            taken.actor,
            stamp,
            taken.reason or taken.conditions,
            entry.seq,
        ),
    )
    params = {"state": step.target, "actor": taken.actor}
    if resource is not None:
        params |= {"node": resource.node, "dataset": resource.dataset}
    for key in ("reason", "conditions"):
        if getattr(taken, key):
            params[key] = getattr(taken, key)
    if taken.until is not None:
        params["until"] = taken.until.isoformat()
    notify(
        con,
        channels=channels,
        to=recipients(step.notify, request, nodes, desks),
        kind=step.kind,
        request=request,
        resource_id=resource.id if resource else None,
        params=params,
        now=now,
    )
    return step


def notify(
    con: sqlite3.Connection,
    *,
    channels: Channels,
    to: Sequence[Recipient],
    kind: str,
    request: AccessRequest,
    resource_id: str | None,
    params: Mapping[str, str],
    now: datetime,
) -> None:
    """One in-app notification per recipient, queued for mail and webhooks as configured."""
    for person in to:
        con.execute(
            "INSERT INTO notifications (id, issuer, user, name, email, language, kind, request_id, "
            "resource_id, title, "
            "params, link, created, read_at, mail, hooks) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?,?)",
            (
                new_id("nt"),
                person.issuer,
                person.user,
                person.name,
                person.email,
                person.language.value,
                kind,
                request.id,
                resource_id,
                request.title,
                json.dumps(dict(params), ensure_ascii=False, sort_keys=True),
                f"/requests/{request.id}",
                text_time(now),
                "pending" if channels.mail and person.email else "none",
                "pending" if channels.hooks else "none",
            ),
        )
