"""Sending the consensus outbox through the access-requests channel (``[access.smtp]`` and
``[access.webhook]``): each mail once, its body (which holds a personal link) blanked once sent; a
mail the server refuses is tried again later and later (see _consensus_outbox), for up to 3 days.

Webhooks carry the kind and the study id only: never a name, an address or a link's token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import httpx

from pmbridge.access import Language
from pmbridge.errors import PMBridgeError
from pmbridge.hub._access_delivery import Delivery
from pmbridge.hub._consensus_outbox import OutboxMail, mark_failed, mark_sent, pending_mail
from pmbridge.hub._consensus_store import ConsensusStore
from pmbridge.hub._delivery_settings import WebhookSettings
from pmbridge.hub._mailer import send_mail
from pmbridge.hub._webhooks import post_webhook

__all__ = ["MAX_TRIES", "HookNotice", "deliver_consensus", "webhook_payload"]

MAX_TRIES: Final = 5  # a webhook's; mail backs off instead (_consensus_outbox.retry_wait)
BATCH: Final = 100
log = logging.getLogger("pmbridge.hub.consensus")

# Which outbox rows the webhooks have had; the outbox's own columns track the mail alone.
_HOOKS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS outbox_hooks (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '')
"""


@dataclass(frozen=True, slots=True)
class HookNotice:
    """What a webhook may know of an outbox row: its id, study, kind and time; never its body."""

    id: str
    study: str
    kind: str
    created: str


def webhook_payload(notice: HookNotice) -> dict[str, object]:
    """The Standard Webhooks body for one outbox row: its kind and study, nothing about the person.

    >>> payload = webhook_payload(HookNotice("cm-1", "st-1", "reminder", "2026-12-07T09:00:00+00:00"))
    >>> payload["type"], payload["timestamp"], payload["data"]
    ('consensus.reminder', '2026-12-07T09:00:00Z', {'kind': 'reminder', 'study': 'st-1'})
    """
    created = datetime.fromisoformat(notice.created).astimezone(UTC)
    return {
        "type": f"consensus.{notice.kind}",
        "id": notice.id,
        "timestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": {"kind": notice.kind, "study": notice.study},
    }


async def deliver_consensus(
    store: ConsensusStore, delivery: Delivery, client: httpx.AsyncClient, *, now: datetime
) -> int:
    """Send what is pending once; returns how many mails went out. Without mail configured the
    mails wait (invitations need it: the hub refuses them without ``[access.smtp]``)."""
    sent = 0
    if delivery.smtp is not None:
        for mail in pending_mail(store, now)[:BATCH]:
            sent += await _mail(store, delivery, mail, now)
    hooks = tuple(hook for hook in delivery.webhooks if hook.enabled)
    if hooks:
        for notice in _pending_notices(store):
            await _hooks(store, hooks, client, notice, now)
    return sent


async def _mail(store: ConsensusStore, delivery: Delivery, mail: OutboxMail, now: datetime) -> int:
    smtp = delivery.smtp
    if smtp is None:
        return 0
    try:
        await send_mail(
            smtp,
            to=mail.recipient,
            to_name=_name(store, mail),
            subject=mail.subject,
            body=mail.body,
            language=Language.ZH if mail.language == "zh" else Language.EN,
        )
    except PMBridgeError as exc:
        if mark_failed(store, mail, exc.message, now):
            log.error("consensus mail %s given up after %d tries: %s", mail.id, mail.tries + 1, exc.message)
        else:
            log.warning("consensus mail %s not sent (will try again): %s", mail.id, exc.message)
        return 0
    mark_sent(store, mail.id, now)
    return 1


def _name(store: ConsensusStore, mail: OutboxMail) -> str:
    if mail.panellist is None:
        return mail.recipient
    with store.connect() as con:
        row = con.execute("SELECT name FROM panellists WHERE id = ?", (mail.panellist,)).fetchone()
    return str(row[0]) if row and row[0] else mail.recipient


def _pending_notices(store: ConsensusStore) -> list[HookNotice]:
    with store.connect() as con:
        con.execute(_HOOKS_TABLE)
        rows = con.execute(
            "SELECT o.id, o.study, o.kind, o.created FROM outbox o LEFT JOIN outbox_hooks h ON h.id = o.id "
            "WHERE h.id IS NULL OR (h.state = 'pending' AND h.tries < ?) ORDER BY o.created, o.id LIMIT ?",
            (MAX_TRIES, BATCH),
        ).fetchall()
    return [HookNotice(*row) for row in rows]


async def _hooks(
    store: ConsensusStore,
    hooks: tuple[WebhookSettings, ...],
    client: httpx.AsyncClient,
    notice: HookNotice,
    now: datetime,
) -> None:
    errors: list[str] = []
    for hook in hooks:
        if not hook.wants(f"consensus.{notice.kind}"):
            continue
        try:
            await post_webhook(client, hook, webhook_payload(notice), message_id=notice.id, now=now)
        except PMBridgeError as exc:  # the message names the receiver's origin, never its path
            log.warning("consensus notice %s: webhook failed: %s", notice.id, exc.message)
            errors.append(exc.message)
    with store.connect() as con:
        con.execute(
            "INSERT INTO outbox_hooks (id, state, tries, error) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state, tries = tries + excluded.tries, "
            "error = excluded.error",
            (notice.id, "pending" if errors else "sent", 1 if errors else 0, "; ".join(errors)[:2000]),
        )
        con.execute(
            "UPDATE outbox_hooks SET state = 'failed' WHERE id = ? AND state = 'pending' AND tries >= ?",
            (notice.id, MAX_TRIES),
        )
