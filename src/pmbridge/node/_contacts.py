"""The steward's inbox of contact requests: researchers asking, through the hub, about a matched patient.

A SQLite file in the node's folder (beside its store): each request is one committed transaction,
so a crash never leaves half a request, and the steward's CLI can read while the node writes.
The matched individual is resolved here, inside the node, and never goes back to the researcher.
"""

from __future__ import annotations

import secrets
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pmbridge.local_db import open_sqlite

INBOX_FILE = "contacts.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS contact_requests (
    request_id TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    dataset TEXT NOT NULL,
    match_id TEXT NOT NULL,
    individual_id TEXT NOT NULL,
    researcher_name TEXT NOT NULL,
    researcher_email TEXT NOT NULL,
    organisation TEXT NOT NULL,
    passport_subject TEXT,
    message TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new'
)
"""
_COLUMNS = (
    "request_id, received_at, dataset, match_id, individual_id, researcher_name, researcher_email, "
    "organisation, passport_subject, message, status"
)


@dataclass(frozen=True, slots=True)
class ContactEntry:
    """One request in the inbox, with the individual it concerns (for the steward's eyes only)."""

    request_id: str
    received_at: str
    dataset: str
    match_id: str
    individual_id: str
    researcher_name: str
    researcher_email: str
    organisation: str
    passport_subject: str | None
    message: str
    status: str = "new"


def inbox_path(store: Path) -> Path:
    """Where a node whose store is ``store`` keeps its inbox."""
    return store.parent / INBOX_FILE


def new_request_id() -> str:
    return "cr-" + secrets.token_hex(8)


def add_contact(path: Path, entry: ContactEntry) -> None:
    """Append ``entry``; committed before this returns."""
    with _connect(path) as con, con:
        con.execute(f"INSERT INTO contact_requests ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", _row(entry))


def list_contacts(path: Path) -> list[ContactEntry]:
    """Every request, oldest first; none when the node never received one."""
    if not path.exists():
        return []
    with _connect(path) as con:
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM contact_requests ORDER BY received_at, request_id"
        ).fetchall()
    return [ContactEntry(*row) for row in rows]


def received_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _connect(path: Path) -> AbstractContextManager[sqlite3.Connection]:
    return open_sqlite(
        path,
        _SCHEMA,
        what="the contact inbox",
        hint="check that the node's folder is writable and the file is not damaged",
    )


def _row(entry: ContactEntry) -> tuple[object, ...]:
    return (
        entry.request_id,
        entry.received_at,
        entry.dataset,
        entry.match_id,
        entry.individual_id,
        entry.researcher_name,
        entry.researcher_email,
        entry.organisation,
        entry.passport_subject,
        entry.message,
        entry.status,
    )
