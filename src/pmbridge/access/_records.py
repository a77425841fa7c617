"""What the negotiation keeps: requests, sub-negotiations, messages, attachments, grants, history.

Plain records with their wire form; the hub's SQLite store reads and writes them, the API and
the portal show them. Attachments are listed here by name, size and digest only: the file stays
at the node whose steward needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime


def stamp(moment: datetime) -> str:
    """One spelling of a moment on the wire: UTC, seconds, ``Z``."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Resource:
    """One sub-negotiation: a dataset at a node, with that node's stewards."""

    id: str
    request_id: str
    node: str
    dataset: str
    state: str
    granularity: str | None
    precheck: Mapping[str, object]
    updated: datetime
    last_activity: datetime
    reminders_sent: int = 0
    reason: str = ""
    conditions: str = ""
    until: date | None = None

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "node": self.node,
            "dataset": self.dataset,
            "state": self.state,
            "granularity": self.granularity,
            "precheck": dict(self.precheck),
            "updated": stamp(self.updated),
            "lastActivity": stamp(self.last_activity),
            "reason": self.reason,
            "conditions": self.conditions,
            "until": None if self.until is None else self.until.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """A request and its sub-negotiations; ``body`` is the draft as the researcher wrote it."""

    id: str
    researcher: str
    issuer: str
    state: str
    kind: str
    title: str
    body: Mapping[str, object]
    created: datetime
    updated: datetime
    last_activity: datetime
    resources: tuple[Resource, ...] = field(default=())

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "researcher": self.researcher,
            "state": self.state,
            "kind": self.kind,
            "title": self.title,
            "request": dict(self.body),
            "created": stamp(self.created),
            "updated": stamp(self.updated),
            "lastActivity": stamp(self.last_activity),
            "resources": [r.to_wire() for r in self.resources],
        }


@dataclass(frozen=True, slots=True)
class Message:
    """A post in a sub-negotiation's thread, kept as written (either language)."""

    id: str
    resource_id: str
    author: str
    author_name: str
    role: str
    text: str
    created: datetime

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "resource": self.resource_id,
            "author": self.author,
            "authorName": self.author_name,
            "role": self.role,
            "text": self.text,
            "created": stamp(self.created),
        }


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment's metadata; the bytes are at ``node``."""

    id: str
    resource_id: str
    node: str
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    created: datetime

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "resource": self.resource_id,
            "node": self.node,
            "name": self.name,
            "mediaType": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "uploadedBy": self.uploaded_by,
            "created": stamp(self.created),
        }


@dataclass(frozen=True, slots=True)
class Grant:
    """An entitlement: ``researcher`` may use ``dataset`` at ``granularity`` until ``until``.

    Only a record-level grant becomes a visa: counts and yes/no answers are what registered access
    already gives, and a visa names a dataset, not a level, so it would give records.

    ``state`` is active, revoked or expired, kept apart: a revoked grant was taken back, an
    expired one ran out.
    """

    id: str
    resource_id: str
    request_id: str
    researcher: str
    issuer: str
    node: str
    dataset: str
    committee: str
    granted: datetime
    until: date
    state: str = "active"
    ended: datetime | None = None
    reason: str = ""
    conditions: str = ""
    granularity: str = "record"

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "request": self.request_id,
            "granularity": self.granularity,
            "resource": self.resource_id,
            "researcher": self.researcher,
            "node": self.node,
            "dataset": self.dataset,
            "committee": self.committee,
            "granted": stamp(self.granted),
            "until": self.until.isoformat(),
            "state": self.state,
            "ended": None if self.ended is None else stamp(self.ended),
            "reason": self.reason,
            "conditions": self.conditions,
        }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One transition as it happened, with the audit entry that records it."""

    request_id: str
    resource_id: str | None
    level: str
    source: str
    event: str
    target: str
    actor: str
    at: datetime
    reason: str
    audit_seq: int

    def to_wire(self) -> dict[str, object]:
        return {
            "resource": self.resource_id,
            "level": self.level,
            "from": self.source,
            "event": self.event,
            "to": self.target,
            "actor": self.actor,
            "at": stamp(self.at),
            "reason": self.reason,
            "auditSeq": self.audit_seq,
        }
