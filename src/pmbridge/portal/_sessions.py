"""Signed-in sessions: an opaque id in a cookie, the passport kept in the hub's memory.

A passport with its visas is larger than the 4 KB a browser keeps in one cookie, and it is a
bearer credential, so it stays on the server; the browser holds only a random session id.
Sessions end with their passport, on sign-out, or when the hub restarts.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

SESSION_COOKIE: Final = "pmbridge_session"
MAX_SESSIONS: Final = 10_000


@dataclass(frozen=True, slots=True)
class Signed:
    """A session's passport, whose it is and the hub's grant epoch when it was minted, so a
    passport older than the holder's grants can be minted again (``_session.passport_of``)."""

    passport: str
    expires: float  # time.monotonic() when the session ends
    user: str = ""  # the demo user the passport was minted for; "" for a passport from elsewhere
    epoch: int = 0
    refresh: float = math.inf  # unix time the passport's first visa expires


class SessionStore:
    """Session id -> the signed-in passport; the oldest sessions go first when it is full.

    >>> store = SessionStore()
    >>> sid = store.open("header.claims.signature", lifetime=60)
    >>> store.passport(sid), store.passport("guess"), store.passport(None)
    ('header.claims.signature', None, None)
    >>> store.close(sid); store.passport(sid) is None
    True
    """

    def __init__(self, *, capacity: int = MAX_SESSIONS) -> None:
        self._sessions: OrderedDict[str, Signed] = OrderedDict()
        self._capacity = capacity

    def open(
        self,
        passport: str,
        *,
        lifetime: float,
        user: str = "",
        epoch: int = 0,
        refresh: float = math.inf,
    ) -> str:
        """A new session for ``passport``, valid for ``lifetime`` seconds; returns its id."""
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = Signed(passport, time.monotonic() + lifetime, user, epoch, refresh)
        while len(self._sessions) > self._capacity:
            self._sessions.popitem(last=False)
        return session_id

    def signed(self, session_id: str | None) -> Signed | None:
        """The live session's passport and whose it is, or None (unknown, ended or expired)."""
        found = self._sessions.get(session_id or "")
        if found is None:
            return None
        if time.monotonic() >= found.expires:
            self.close(session_id)
            return None
        return found

    def passport(self, session_id: str | None) -> str | None:
        """The passport of a live session, or None (unknown, ended or expired)."""
        found = self.signed(session_id)
        return found.passport if found is not None else None

    def renew(self, session_id: str, passport: str, *, epoch: int, refresh: float) -> None:
        """Keep a freshly minted passport for a live session (its end does not move)."""
        found = self._sessions.get(session_id)
        if found is not None:
            self._sessions[session_id] = Signed(passport, found.expires, found.user, epoch, refresh)

    def close(self, session_id: str | None) -> None:
        self._sessions.pop(session_id or "", None)

    def __len__(self) -> int:
        return len(self._sessions)
