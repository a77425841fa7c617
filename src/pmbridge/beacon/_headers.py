"""The security headers on every reply of a node or the hub: a content policy with no inline script,
no framing, no MIME sniffing, no referrer to other sites, and HSTS where the client came over HTTPS.

Added outside every other middleware, after the node has signed its reply: a reply's signature
covers its status and body digest (signing/_response.py), never these headers.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Final

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from pmbridge.beacon._public_api import PublicApi

CONTENT_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The interactive API pages (``pmbridge.web``) load Swagger UI and ReDoc from our own origin with
no inline script, but both style their pages inline and ReDoc runs a worker from a ``blob:``: only
those pages get this looser policy."""
DOCS_PATHS: Final = frozenset({"/docs", "/redoc"})
HSTS: Final = "max-age=31536000"

ALWAYS: Final = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
"""``same-origin`` rather than ``no-referrer``: under ``no-referrer`` a browser sends ``Origin: null``
with the portal's own form posts, and the portal's forgery check reads ``Origin``."""


def install_security_headers(app: FastAPI, api: PublicApi) -> None:
    """Add the headers to every reply of ``app``; install it last, so that it is outermost and a
    CORS preflight, a refusal by the audit or the signature check gets them too."""
    app.add_middleware(SecurityHeaders, api=api)


def over_https(scope: Scope, api: PublicApi) -> bool:
    """Whether the client reached us over HTTPS, decided as the public base URL is: the
    ``public_url`` setting, else a trusted proxy's ``X-Forwarded-Proto``, else the request.

    >>> over_https({"scheme": "http", "headers": []}, PublicApi(public_url="https://b.example.org"))
    True
    >>> forwarded = {"scheme": "http", "headers": [(b"x-forwarded-proto", b"https")]}
    >>> over_https(forwarded, PublicApi()), over_https(forwarded, PublicApi(trust_proxy_headers=True))
    (False, True)
    """
    if api.public_url is not None:
        return api.public_url.startswith("https://")
    if api.trust_proxy_headers:
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-proto":
                return bytes(value).split(b",", 1)[0].strip().lower() == b"https"
    return str(scope.get("scheme", "http")) == "https"


class SecurityHeaders:
    """Adds the security headers to a reply's start, keeping any the app set itself."""

    def __init__(self, app: ASGIApp, *, api: PublicApi) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if str(scope.get("path", "")) in DOCS_PATHS else CONTENT_POLICY
        extra = [(b"content-security-policy", policy.encode("ascii")), *ALWAYS]
        if over_https(scope, self.api):
            extra.append((b"strict-transport-security", HSTS.encode("ascii")))

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
