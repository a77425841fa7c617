"""The outbox: mail and webhooks for the notifications the desk wrote, sent after the fact.

A notification row is written in the same transaction as its transition, marked ``pending`` for
each channel it needs; this loop sends it, marks it ``sent``, or counts a failed try and keeps it
for the next round (up to ``MAX_TRIES``, then ``failed`` with the error kept for the operator).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpx

from pmbridge.access import Language, Notification, Recipient
from pmbridge.access._mail import render_mail
from pmbridge.access._notifications import notification_payload
from pmbridge.errors import PMBridgeError
from pmbridge.hub._access_store import AccessStore, read_time
from pmbridge.hub._delivery_settings import SmtpSettings, WebhookSettings
from pmbridge.hub._mailer import send_mail
from pmbridge.hub._webhooks import post_webhook

MAX_TRIES: Final = 5
BATCH: Final = 100
log = logging.getLogger("pmbridge.hub.access")


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where notifications go besides the inbox, and the portal address their links use."""

    smtp: SmtpSettings | None
    webhooks: tuple[WebhookSettings, ...]
    portal_url: str


def pending(store: AccessStore) -> list[tuple[Notification, str, str]]:
    """Notifications with a channel still to send: (notification, mail state, hooks state)."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT id, user, name, email, language, kind, request_id, resource_id, title, params, "
            "link, created, "
            "mail, hooks FROM notifications WHERE (mail = 'pending' OR hooks = 'pending') AND tries < ? "
            "ORDER BY created LIMIT ?",
            (MAX_TRIES, BATCH),
        ).fetchall()
    return [
        (
            Notification(
                id=row[0],
                recipient=Recipient(row[1], row[2], row[3], Language(row[4])),
                kind=row[5],
                request_id=row[6],
                resource_id=row[7],
                title=row[8],
                params=json.loads(row[9]),
                link=row[10],
                created=read_time(row[11]),
            ),
            row[12],
            row[13],
        )
        for row in rows
    ]


async def deliver(store: AccessStore, delivery: Delivery, client: httpx.AsyncClient, *, now: datetime) -> int:
    """Send what is pending once; returns how many notifications were fully sent."""
    done = 0
    for note, mail_state, hooks_state in pending(store):
        errors: list[str] = []
        mail, hooks = mail_state, hooks_state
        if mail == "pending":
            mail = await _mail(note, delivery, errors)
        if hooks == "pending":
            hooks = await _hooks(note, delivery.webhooks, client, now, errors)
        with store.connect() as con:
            con.execute(
                "UPDATE notifications SET mail = ?, hooks = ?, tries = tries + ?, error = ? WHERE id = ?",
                (mail, hooks, 1 if errors else 0, "; ".join(errors)[:2000], note.id),
            )
            con.execute(
                "UPDATE notifications SET mail = CASE mail WHEN 'pending' THEN 'failed' ELSE mail END, "
                "hooks = CASE hooks WHEN 'pending' THEN 'failed' ELSE hooks END WHERE id = ? AND tries >= ?",
                (note.id, MAX_TRIES),
            )
        done += not errors
    return done


async def _mail(note: Notification, delivery: Delivery, errors: list[str]) -> str:
    if delivery.smtp is None or not delivery.smtp.enabled or not note.recipient.email:
        return "none"
    subject, body = render_mail(note, portal_url=delivery.portal_url)
    try:
        await send_mail(
            delivery.smtp,
            to=note.recipient.email,
            to_name=note.recipient.name,
            subject=subject,
            body=body,
            language=note.recipient.language,
        )
    except PMBridgeError as exc:
        log.warning("notification %s: mail not sent: %s", note.id, exc.message)
        errors.append(f"mail: {exc.message}")
        return "pending"
    return "sent"


async def _hooks(
    note: Notification,
    hooks: Sequence[WebhookSettings],
    client: httpx.AsyncClient,
    now: datetime,
    errors: list[str],
) -> str:
    payload = notification_payload(note)
    failed = False
    for hook in hooks:
        if hook.kinds and note.kind not in hook.kinds:
            continue
        try:
            await post_webhook(client, hook, payload, message_id=note.id, now=now)
        except PMBridgeError as exc:  # the message names scheme, host and port, never the path's token
            log.warning("notification %s: webhook failed: %s", note.id, exc.message)
            errors.append(f"webhook: {exc.message}")
            failed = True
    return "pending" if failed else "sent"
