"""What the hub tells a party about an access request, and the JSON a webhook carries for it:
one immutable record per recipient and event, rendered for mail and inbox elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

__all__ = ["NOTIFICATION_KINDS", "Language", "Notification", "Recipient", "notification_payload"]


class Language(StrEnum):
    """The portal's languages; a recipient reads every mail and inbox line in one of them."""

    EN = "en"
    ZH = "zh"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a notification is for: a passport subject, with the name and address to write to."""

    user: str
    name: str
    email: str | None
    language: Language
    issuer: str = ""


@dataclass(frozen=True, slots=True)
class Notification:
    """One event of one request (or of one of its sub-negotiations), for one recipient."""

    id: str
    recipient: Recipient
    kind: str
    request_id: str
    resource_id: str | None
    title: str
    params: Mapping[str, str]
    link: str
    created: datetime


_REQUEST_KINDS = ("submit", "approve", "decline", "start", "pause", "resume", "conclude", "abandon")
_RESOURCE_KINDS = (
    "acknowledge",
    "return",
    "resubmit",
    "indicate_conditions",
    "accept_conditions",
    "approve",
    "decline",
    "revoke",
    "expire",
    "withdraw",
)

NOTIFICATION_KINDS: frozenset[str] = frozenset(
    [f"request.{step}" for step in (*_REQUEST_KINDS, "abandon_idle")]
    + [f"resource.{step}" for step in (*_RESOURCE_KINDS, "abandon_idle")]
    + ["message", "reminder"]
)
"""Every event a party is told about: a step of the request or of one sub-negotiation, a new
message in the thread, or a reminder that something waits for them."""


def notification_payload(n: Notification) -> dict[str, object]:
    """The body of the webhook for ``n``, in the Standard Webhooks shape (type, id, timestamp, data).

    It names the recipient by passport subject only: an e-mail address or a display name would
    tell the operator's endpoint more about the parties than it needs to route the event.

    >>> created = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    >>> who = Recipient("rome-steward", "Dr Rossi", "rossi@example.org", Language.EN)
    >>> n = Notification("nt-1", who, "request.submit", "ar-1", None, "Ataxia cohort",
    ...                  {"actor": "eu-researcher"}, "/requests/ar-1", created)
    >>> notification_payload(n)["timestamp"]
    '2026-12-06T09:30:00Z'
    """
    return {
        "type": n.kind,
        "id": n.id,
        "timestamp": _utc_iso(n.created),
        "data": {
            "request": n.request_id,
            "resource": n.resource_id,
            "title": n.title,
            "params": dict(n.params),
            "link": n.link,
            "recipient": n.recipient.user,
        },
    }


def _utc_iso(moment: datetime) -> str:
    """``moment`` in UTC, ISO 8601 with a ``Z``; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
