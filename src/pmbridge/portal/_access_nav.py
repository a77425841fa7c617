"""The header's access-request links: the inbox with its unread count, and the steward's queue.

A dependency of every page router (``_install.py``): one hub call per page for the count, and a
page never fails because the count did (the badge is left out instead).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from fastapi import Request

from pmbridge.errors import PMBridgeError
from pmbridge.hub import hub_of
from pmbridge.portal._session import passport_of, passport_subject
from pmbridge.portal._sources import hub_api


@dataclass(frozen=True, slots=True)
class AccessNav:
    """What the header shows a signed-in researcher: unread notifications (None: unknown) and
    whether they steward a node."""

    unread: int | None
    steward: bool


async def access_nav(request: Request) -> None:
    """Put this page's :class:`AccessNav` on ``request.state`` (nothing when nobody is signed in)."""
    token = passport_of(request)
    if token is None:
        return
    subject = passport_subject(token)
    steward = any(s.id == subject for node in hub_of(request).config.nodes for s in node.stewards)
    unread: int | None = None
    try:
        async with hub_api(request) as client:
            reply = await client.request("GET", "/api/access/inbox", params=[("lang", "en")])
        found = reply.get("unread")
        unread = found if isinstance(found, int) else None
    except (PMBridgeError, httpx.HTTPError):
        unread = None
    request.state.access_nav = AccessNav(unread, steward)
