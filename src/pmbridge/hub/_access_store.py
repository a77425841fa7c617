"""The hub's record of access requests: one SQLite file (``access.sqlite`` in ``hub.state_dir``).

Each change is one transaction that writes the new state, its history row and its notifications
together, so a crash never leaves a transition without its notification or the reverse. Mails
and webhooks are sent afterwards from the notification rows (an outbox): nothing is lost when an
SMTP server is down, and nothing is sent twice.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Final

from pmbridge.access import AccessRequest, Attachment, Grant, HistoryEntry, Message, Resource
from pmbridge.local_db import StateFile

ACCESS_FILE: Final = "access.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY, researcher TEXT NOT NULL, issuer TEXT NOT NULL, state TEXT NOT NULL,
    kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, created TEXT NOT NULL,
    updated TEXT NOT NULL, last_activity TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
    id TEXT PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), node TEXT NOT NULL,
    dataset TEXT NOT NULL, state TEXT NOT NULL, granularity TEXT, precheck TEXT NOT NULL,
    updated TEXT NOT NULL, last_activity TEXT NOT NULL, reminders_sent INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '', conditions TEXT NOT NULL DEFAULT '', until TEXT);
CREATE INDEX IF NOT EXISTS resources_by_node ON resources(node, state);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, resource_id TEXT NOT NULL REFERENCES resources(id), author TEXT NOT NULL,
    author_name TEXT NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY, resource_id TEXT NOT NULL REFERENCES resources(id), node TEXT NOT NULL,
    name TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY, resource_id TEXT NOT NULL UNIQUE REFERENCES resources(id),
    request_id TEXT NOT NULL, researcher TEXT NOT NULL, issuer TEXT NOT NULL, node TEXT NOT NULL,
    dataset TEXT NOT NULL, committee TEXT NOT NULL, granularity TEXT NOT NULL, granted TEXT NOT NULL,
    until TEXT NOT NULL,
    state TEXT NOT NULL, ended TEXT, reason TEXT NOT NULL DEFAULT '', conditions TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS grants_by_researcher ON grants(issuer, researcher, state);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, resource_id TEXT,
    level TEXT NOT NULL, source TEXT NOT NULL, event TEXT NOT NULL, target TEXT NOT NULL,
    actor TEXT NOT NULL, at TEXT NOT NULL, reason TEXT NOT NULL, audit_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY, issuer TEXT NOT NULL, user TEXT NOT NULL, name TEXT NOT NULL, email TEXT,
    language TEXT NOT NULL,
    kind TEXT NOT NULL, request_id TEXT NOT NULL, resource_id TEXT, title TEXT NOT NULL,
    params TEXT NOT NULL, link TEXT NOT NULL, created TEXT NOT NULL, read_at TEXT,
    mail TEXT NOT NULL, hooks TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications(issuer, user, read_at);
CREATE INDEX IF NOT EXISTS notifications_outbox ON notifications(mail, hooks);
"""


def text_time(moment: datetime) -> str:
    return moment.isoformat()


def read_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


class AccessStore(StateFile):
    """Open per call: the file is small, SQLite's WAL lets the CLI read while the hub writes."""

    schema = _SCHEMA
    what = "the access-request store"
    hint = "check that hub.state_dir is writable and the file is not damaged"

    # --- reading -------------------------------------------------------------------------------

    def request(self, con: sqlite3.Connection, request_id: str) -> AccessRequest | None:
        row = con.execute(
            "SELECT id, researcher, issuer, state, kind, title, body, created, updated, last_activity "
            "FROM requests WHERE id = ?",
            (request_id,),
        ).fetchone()
        if row is None:
            return None
        resources = tuple(
            _resource(r)
            for r in con.execute(
                f"SELECT {_RESOURCE} FROM resources WHERE request_id = ? ORDER BY rowid", (row[0],)
            )
        )
        return AccessRequest(
            id=row[0],
            researcher=row[1],
            issuer=row[2],
            state=row[3],
            kind=row[4],
            title=row[5],
            body=json.loads(row[6]),
            created=read_time(row[7]),
            updated=read_time(row[8]),
            last_activity=read_time(row[9]),
            resources=resources,
        )

    def request_ids(
        self,
        con: sqlite3.Connection,
        *,
        researcher: tuple[str, str] | None = None,
        nodes: tuple[str, ...] = (),
    ) -> list[str]:
        """Newest first: a researcher's own requests, or those with a sub-negotiation at ``nodes``."""
        if researcher is not None:
            rows = con.execute(
                "SELECT id FROM requests WHERE issuer = ? AND researcher = ? ORDER BY created DESC, id",
                researcher,
            ).fetchall()
        else:
            marks = ",".join("?" * len(nodes))
            rows = con.execute(
                f"SELECT DISTINCT q.id, q.created FROM requests q JOIN resources r ON r.request_id = q.id "
                f"WHERE r.node IN ({marks}) AND r.state != 'not_sent' ORDER BY q.created DESC, q.id",
                nodes,
            ).fetchall()
        return [r[0] for r in rows]

    def resource(self, con: sqlite3.Connection, resource_id: str) -> Resource | None:
        row = con.execute(f"SELECT {_RESOURCE} FROM resources WHERE id = ?", (resource_id,)).fetchone()
        return None if row is None else _resource(row)

    def open_resources(self, con: sqlite3.Connection) -> list[Resource]:
        rows = con.execute(f"SELECT {_RESOURCE} FROM resources WHERE state NOT IN ('not_sent')").fetchall()
        return [_resource(r) for r in rows]

    def messages(self, con: sqlite3.Connection, request_id: str) -> list[Message]:
        rows = con.execute(
            "SELECT m.id, m.resource_id, m.author, m.author_name, m.role, m.text, m.created FROM messages m "
            "JOIN resources r ON r.id = m.resource_id WHERE r.request_id = ? ORDER BY m.created, m.rowid",
            (request_id,),
        ).fetchall()
        return [Message(r[0], r[1], r[2], r[3], r[4], r[5], read_time(r[6])) for r in rows]

    def attachments(self, con: sqlite3.Connection, request_id: str) -> list[Attachment]:
        rows = con.execute(
            f"SELECT {_ATTACHMENT} FROM attachments a JOIN resources r ON r.id = a.resource_id "
            "WHERE r.request_id = ? ORDER BY a.created, a.rowid",
            (request_id,),
        ).fetchall()
        return [_attachment(r) for r in rows]

    def attachment(self, con: sqlite3.Connection, attachment_id: str) -> Attachment | None:
        row = con.execute(
            f"SELECT {_ATTACHMENT} FROM attachments a WHERE a.id = ?", (attachment_id,)
        ).fetchone()
        return None if row is None else _attachment(row)

    def history(self, con: sqlite3.Connection, request_id: str) -> list[HistoryEntry]:
        rows = con.execute(
            "SELECT request_id, resource_id, level, source, event, target, actor, at, reason, audit_seq "
            "FROM history WHERE request_id = ? ORDER BY seq",
            (request_id,),
        ).fetchall()
        return [
            HistoryEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], read_time(r[7]), r[8], r[9]) for r in rows
        ]

    def grants(
        self,
        con: sqlite3.Connection,
        *,
        researcher: tuple[str, str] | None = None,
        request_id: str | None = None,
    ) -> list[Grant]:
        if researcher is not None:
            rows = con.execute(
                f"SELECT {_GRANT} FROM grants WHERE issuer = ? AND researcher = ? ORDER BY granted",
                researcher,
            ).fetchall()
        elif request_id is not None:
            rows = con.execute(
                f"SELECT {_GRANT} FROM grants WHERE request_id = ? ORDER BY granted", (request_id,)
            ).fetchall()
        else:
            rows = con.execute(
                f"SELECT {_GRANT} FROM grants WHERE state = 'active' ORDER BY granted"
            ).fetchall()
        return [_grant(r) for r in rows]


_RESOURCE = (
    "id, request_id, node, dataset, state, granularity, precheck, updated, last_activity, reminders_sent, "
    "reason, conditions, until"
)
_ATTACHMENT = "a.id, a.resource_id, a.node, a.name, a.media_type, a.size, a.sha256, a.uploaded_by, a.created"
_GRANT = (
    "id, resource_id, request_id, researcher, issuer, node, dataset, committee, granted, "
    "until, state, ended, reason, conditions, granularity"
)


def _resource(row: tuple[object, ...]) -> Resource:
    return Resource(
        id=str(row[0]),
        request_id=str(row[1]),
        node=str(row[2]),
        dataset=str(row[3]),
        state=str(row[4]),
        granularity=None if row[5] is None else str(row[5]),
        precheck=json.loads(str(row[6])),
        updated=read_time(str(row[7])),
        last_activity=read_time(str(row[8])),
        reminders_sent=int(str(row[9])),
        reason=str(row[10]),
        conditions=str(row[11]),
        until=None if row[12] is None else date.fromisoformat(str(row[12])),
    )


def _attachment(row: tuple[object, ...]) -> Attachment:
    text = [str(v) for v in row]
    return Attachment(
        text[0], text[1], text[2], text[3], text[4], int(text[5]), text[6], text[7], read_time(text[8])
    )


def _grant(row: tuple[object, ...]) -> Grant:
    return Grant(
        id=str(row[0]),
        resource_id=str(row[1]),
        request_id=str(row[2]),
        researcher=str(row[3]),
        issuer=str(row[4]),
        node=str(row[5]),
        dataset=str(row[6]),
        committee=str(row[7]),
        granted=read_time(str(row[8])),
        until=date.fromisoformat(str(row[9])),
        state=str(row[10]),
        ended=None if row[11] is None else read_time(str(row[11])),
        reason=str(row[12]),
        conditions=str(row[13]),
        granularity=str(row[14]),
    )
