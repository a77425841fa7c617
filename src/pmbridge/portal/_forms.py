"""Form tokens: a form that changes something carries one, so a page of another site cannot post
it in the researcher's name, and a post whose browser says it came from another site is refused.

The session cookie is SameSite=Lax already; the token is the second guard. It is an HMAC of the
session id (or, for forms shown before signing in, of the browser's form id) under a key made when
the hub starts, so nothing more is stored and a token ends with its session (and with every
session, when the hub restarts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from fastapi import Request, Response

from pmbridge.beacon import PublicApi, public_base_url

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


FORM_COOKIE: Final = "pmbridge_form"
"""The browser's form id, for forms shown before anyone signs in (sign-in itself): HttpOnly,
SameSite=Strict, so another site's page can neither read it nor send it."""
_FORM_ID = re.compile(r"[A-Za-z0-9_-]{32}")
_BROWSER = "browser:"


def browser_form_id(request: Request) -> tuple[str, bool]:
    """This browser's form id, and whether it is new (then :func:`keep_form_id` must send it)."""
    found = request.cookies.get(FORM_COOKIE, "")
    if _FORM_ID.fullmatch(found):
        return found, False
    return secrets.token_urlsafe(24), True


def keep_form_id(response: Response, form_id: str, *, request: Request) -> None:
    response.set_cookie(
        FORM_COOKIE,
        form_id,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def browser_token(tokens: FormTokens, form_id: str) -> str:
    """The token the forms of the browser with ``form_id`` carry."""
    return tokens.token(_BROWSER + form_id)


def posted_from_here(
    request: Request, form: Mapping[str, object], *, tokens: FormTokens, api: PublicApi
) -> bool:
    """Whether a form post came from one of this portal's own pages: sent by a page of this site
    (``Sec-Fetch-Site``, ``Origin``) and carrying this browser's token."""
    form_id = request.cookies.get(FORM_COOKIE, "")
    given = form.get("token")
    return (
        from_this_site(request, api=api)
        and isinstance(given, str)
        and bool(_FORM_ID.fullmatch(form_id))
        and tokens.check(_BROWSER + form_id, given)
    )


def from_this_site(request: Request, *, api: PublicApi) -> bool:
    """Whether a browser says the request came from a page of this site; a client that says
    nothing (no ``Origin``, no ``Sec-Fetch-Site``: not a browser) passes, and must show a token.

    A browser sends ``Sec-Fetch-Site`` with every request and ``Origin`` with every form post, so
    a post from another site, even a sibling subdomain (``same-site``), is refused by either.
    """
    fetched = request.headers.get("sec-fetch-site")
    if fetched is not None and fetched not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = {_origin(str(request.base_url)), _origin(public_base_url(request, api))}
    return origin.rstrip("/").lower() in own


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, the form browsers send in ``Origin``.

    >>> _origin("https://Beacon.example.org/pmb/"), _origin("http://127.0.0.1:8000/")
    ('https://beacon.example.org', 'http://127.0.0.1:8000')
    """
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
