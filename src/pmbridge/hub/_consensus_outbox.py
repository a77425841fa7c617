"""The consensus outbox: mails waiting in ``consensus.sqlite`` for the delivery to send them.

A row's body holds the panellist's personal link until it is sent; marking it sent blanks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmbridge.hub._consensus_store import ConsensusStore


@dataclass(frozen=True, slots=True)
class OutboxMail:
    """One queued mail (``kind``: invitation, round_opened, reminder or thanks)."""

    id: str
    study: str
    panellist: str | None
    kind: str
    language: str
    recipient: str
    subject: str
    body: str
    created: str
    tries: int


def pending_mail(store: ConsensusStore, *, max_tries: int = 10) -> list[OutboxMail]:
    """Mails still to send (pending, or failed fewer than ``max_tries`` times), oldest first."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT id, study, panellist, kind, language, recipient, subject, body, created, tries "
            "FROM outbox "
            "WHERE mail IN ('pending', 'failed') AND tries < ? ORDER BY created, id",
            (max_tries,),
        ).fetchall()
    return [OutboxMail(*row) for row in rows]


def mark_sent(store: ConsensusStore, mail_id: str) -> None:
    """The mail left: its body (and the link in it) is blanked."""
    with store.connect() as con:
        con.execute(
            "UPDATE outbox SET mail = 'sent', body = '', tries = tries + 1, error = '' WHERE id = ?",
            (mail_id,),
        )


def mark_failed(store: ConsensusStore, mail_id: str, error: str) -> None:
    """A try failed; the body stays for the next one."""
    with store.connect() as con:
        con.execute(
            "UPDATE outbox SET mail = 'failed', tries = tries + 1, error = ? WHERE id = ?",
            (error[:500], mail_id),
        )
