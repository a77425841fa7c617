"""Per-session form tokens: a form that changes something carries one, so a page of another site
cannot post it in the signed-in researcher's name.

The session cookie is SameSite=Lax already; the token is the second guard. It is an HMAC of the
session id under a key made when the hub starts, so nothing more is stored and a token ends with
its session (and with every session, when the hub restarts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_PURPOSE = b"pmbridge-portal-form\x00"


class FormTokens:
    """Makes and checks the form token of a session.

    >>> tokens = FormTokens(key=b"k" * 32)
    >>> token = tokens.token("session-1")
    >>> tokens.check("session-1", token), tokens.check("session-2", token), tokens.check(None, token)
    (True, False, False)
    """

    def __init__(self, *, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def token(self, session_id: str) -> str:
        """The token forms of session ``session_id`` carry."""
        digest = hmac.new(self._key, _PURPOSE + session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def check(self, session_id: str | None, given: str) -> bool:
        """Whether ``given`` is the token of session ``session_id`` (never for no session)."""
        if not session_id or not given:
            return False
        return hmac.compare_digest(self.token(session_id).encode(), given.encode())
