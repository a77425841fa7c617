"""Signed-in sessions: an opaque id in a cookie, the passport kept in the hub's memory.

A passport with its visas is larger than the 4 KB a browser keeps in one cookie, and it is a
bearer credential, so it stays on the server; the browser holds only a random session id.
Sessions end with their passport, on sign-out, or when the hub restarts.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from typing import Final

SESSION_COOKIE: Final = "pmbridge_session"
MAX_SESSIONS: Final = 10_000


class SessionStore:
    """Session id -> (passport, expiry); the oldest sessions go first when it is full.

    >>> store = SessionStore()
    >>> sid = store.open("header.claims.signature", lifetime=60)
    >>> store.passport(sid), store.passport("guess"), store.passport(None)
    ('header.claims.signature', None, None)
    >>> store.close(sid); store.passport(sid) is None
    True
    """

    def __init__(self, *, capacity: int = MAX_SESSIONS) -> None:
        self._sessions: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._capacity = capacity

    def open(self, passport: str, *, lifetime: float) -> str:
        """A new session for ``passport``, valid for ``lifetime`` seconds; returns its id."""
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = (passport, time.monotonic() + lifetime)
        while len(self._sessions) > self._capacity:
            self._sessions.popitem(last=False)
        return session_id

    def passport(self, session_id: str | None) -> str | None:
        """The passport of a live session, or None (unknown, ended or expired)."""
        found = self._sessions.get(session_id or "")
        if found is None:
            return None
        passport, expires = found
        if time.monotonic() >= expires:
            self.close(session_id)
            return None
        return passport

    def close(self, session_id: str | None) -> None:
        self._sessions.pop(session_id or "", None)

    def __len__(self) -> int:
        return len(self._sessions)
