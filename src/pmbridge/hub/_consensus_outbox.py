"""The consensus outbox: mails waiting in ``consensus.sqlite`` for the delivery to send them.

A row's body holds the panellist's personal link until it is sent, or until the delivery gives up on
it after days of failed tries (backing off between them); either way the body is then blanked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pmbridge.hub._consensus_store import ConsensusStore

# A mail server down for a weekend must not cost the panel its links: tries back off from a minute
# to a few hours and stop only once a mail is this old.
FIRST_WAIT: Final = timedelta(minutes=1)
LONGEST_WAIT: Final = timedelta(hours=4)
GIVE_UP_AFTER: Final = timedelta(days=3)


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
    last_try: str | None


def retry_wait(tries: int) -> timedelta:
    """How long a mail waits after its ``tries``-th failed try: 1, 2, 4 … minutes, at most 4 hours.

    >>> [int(retry_wait(n).total_seconds() // 60) for n in (1, 2, 3, 8, 9, 30)]
    [1, 2, 4, 128, 240, 240]
    """
    if tries < 1:
        return timedelta(0)
    doubled: timedelta = FIRST_WAIT * (1 << min(tries - 1, 20))
    return min(doubled, LONGEST_WAIT)


def due(mail: OutboxMail, now: datetime) -> bool:
    """Whether a pending mail's next try has come (one never tried: at once)."""
    if mail.tries == 0 or mail.last_try is None:
        return True
    return now >= datetime.fromisoformat(mail.last_try) + retry_wait(mail.tries)


def given_up(mail: OutboxMail, now: datetime) -> bool:
    """Whether a mail that has just failed again is too old for another try."""
    return now >= datetime.fromisoformat(mail.created) + GIVE_UP_AFTER


def pending_mail(store: ConsensusStore, now: datetime) -> list[OutboxMail]:
    """Mails still to send whose next try has come, oldest first."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT id, study, panellist, kind, language, recipient, subject, body, created, tries, "
            "last_try FROM outbox WHERE mail = 'pending' ORDER BY created, id"
        ).fetchall()
    return [mail for mail in (OutboxMail(*row) for row in rows) if due(mail, now)]


def mark_sent(store: ConsensusStore, mail_id: str, now: datetime) -> None:
    """The mail left: its body (and the link in it) is blanked."""
    with store.connect() as con:
        con.execute(
            "UPDATE outbox SET mail = 'sent', body = '', tries = tries + 1, error = '', last_try = ? "
            "WHERE id = ?",
            (now.isoformat(), mail_id),
        )


def mark_failed(store: ConsensusStore, mail: OutboxMail, error: str, now: datetime) -> bool:
    """A try failed: the mail stays pending, its body kept, for a later try; or, when it is too old
    (:data:`GIVE_UP_AFTER`), it is ``failed`` and its body blanked (it must not keep the link: a
    reminder mints a fresh one). Whether it was given up."""
    final = given_up(mail, now)
    with store.connect() as con:
        con.execute(
            "UPDATE outbox SET mail = ?, body = CASE WHEN ? THEN '' ELSE body END, tries = tries + 1, "
            "error = ?, last_try = ? WHERE id = ?",
            ("failed" if final else "pending", final, error[:500], now.isoformat(), mail.id),
        )
    return final
