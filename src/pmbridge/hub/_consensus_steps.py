"""One study step, written whole: its rows, its event row and its audit entry, in one transaction.

The audit entry is appended before the transaction commits, so a failed append rolls the step back
(as hub/_access_steps.take_step does); personal links are minted here and stored only as sha256.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Mapping
from datetime import datetime

from pmbridge.audit import AuditEntry, AuditEvent, AuditLog
from pmbridge.hub._consensus_store import Panellist

Scalar = str | int | float | bool | None


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def text_time(moment: datetime) -> str:
    return moment.isoformat()


def token_hash(token: str) -> str:
    """What the store keeps of a personal link token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def record(
    con: sqlite3.Connection,
    audit: AuditLog,
    *,
    actor: str,
    study: str,
    step: str,
    released: Mapping[str, Scalar],
    now: datetime,
) -> AuditEntry:
    """Append the step's audit entry (``consensus.<step>``) and its event row in ``con``'s transaction."""
    entry = audit.append(
        AuditEvent(actor=actor, action="transition", query=study, rule=f"consensus.{step}", released=released)
    )
    con.execute(
        "INSERT INTO events (study, step, actor, at, audit_seq) VALUES (?,?,?,?,?)",
        (study, step, actor, text_time(now), entry.seq),
    )
    return entry


def mint_token(con: sqlite3.Connection, panellist: str, now: datetime) -> str:
    """A new personal link token for ``panellist``; earlier ones stay valid."""
    token = secrets.token_urlsafe(32)
    con.execute(
        "INSERT INTO tokens (hash, panellist, created) VALUES (?,?,?)",
        (token_hash(token), panellist, text_time(now)),
    )
    return token


def panellist_of_token(con: sqlite3.Connection, token: str) -> str | None:
    row = con.execute("SELECT panellist FROM tokens WHERE hash = ?", (token_hash(token),)).fetchone()
    return None if row is None else str(row[0])


def queue_mail(
    con: sqlite3.Connection,
    *,
    study: str,
    panellist: Panellist | None,
    recipient: str,
    language: str,
    kind: str,
    subject: str,
    body: str,
    now: datetime,
) -> str:
    """One outbox row; the delivery sends it and blanks its body (which may hold a link)."""
    mail_id = new_id("ml")
    con.execute(
        "INSERT INTO outbox (id, study, panellist, kind, language, recipient, subject, body, created) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (
            mail_id,
            study,
            panellist.id if panellist else None,
            kind,
            language,
            recipient,
            subject,
            body,
            text_time(now),
        ),
    )
    return mail_id
