"""The portal inbox: a user's notifications, newest first, with how many are unread."""

from __future__ import annotations

import json
from datetime import datetime

from pmbridge.access import Language, Notification, Recipient, stamp
from pmbridge.access._mail import render_title
from pmbridge.hub._access_store import AccessStore, read_time, text_time

MAX_SHOWN = 200


def unread(store: AccessStore, issuer: str, user: str) -> int:
    with store.connect() as con:
        (count,) = con.execute(
            "SELECT COUNT(*) FROM notifications WHERE issuer = ? AND user = ? AND read_at IS NULL",
            (issuer, user),
        ).fetchone()
    return int(count)


def inbox(
    store: AccessStore, issuer: str, user: str, *, lang: Language, limit: int = MAX_SHOWN
) -> list[dict[str, object]]:
    """The user's notifications as the API and the portal show them, in ``lang``."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT id, name, email, language, kind, request_id, resource_id, title, params, link, "
            "created, read_at "
            "FROM notifications WHERE issuer = ? AND user = ? ORDER BY created DESC, rowid DESC LIMIT ?",
            (issuer, user, max(1, min(limit, MAX_SHOWN))),
        ).fetchall()
    shown: list[dict[str, object]] = []
    for row in rows:
        note = Notification(
            id=row[0],
            recipient=Recipient(user, row[1], row[2], Language(row[3])),
            kind=row[4],
            request_id=row[5],
            resource_id=row[6],
            title=row[7],
            params=json.loads(row[8]),
            link=row[9],
            created=read_time(row[10]),
        )
        shown.append(
            {
                "id": note.id,
                "kind": note.kind,
                "request": note.request_id,
                "resource": note.resource_id,
                "title": note.title,
                "params": dict(note.params),
                "text": render_title(note, lang),
                "link": note.link,
                "created": stamp(note.created),
                "read": row[11] is not None,
            }
        )
    return shown


def mark_read(store: AccessStore, issuer: str, user: str, ids: list[str] | None, *, now: datetime) -> int:
    """Mark ``ids`` (or every unread one when None) as read; returns how many changed."""
    with store.connect() as con:
        if ids is None:
            cursor = con.execute(
                "UPDATE notifications SET read_at = ? WHERE user = ? AND read_at IS NULL",
                (text_time(now), user),
            )
        else:
            marks = ",".join("?" * len(ids))
            cursor = con.execute(
                "UPDATE notifications SET read_at = ? WHERE user = ? AND read_at IS NULL AND id IN "
                f"({marks})",
                (text_time(now), user, *ids),
            )
        return cursor.rowcount
