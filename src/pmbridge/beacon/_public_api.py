"""How a node's or the hub's API stands on the open web: the public base URL its documents name,
CORS for browser clients of /api, and HEAD answered like GET.

The base URL comes from a setting (``public_url``), else, only where a setting says the proxy in
front is trusted, from its ``X-Forwarded-Proto``/``-Host``/``-Prefix`` headers, else from the
request itself. Anyone can send those headers: trusted blindly they would let a stranger make
``/api/map`` point clients, and the passports they send, at a host of the stranger's choosing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from pmbridge.errors import ConfigError

API = "/api"
CORS_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
CORS_HEADERS = ("Authorization", "Content-Type", "PMBridge-Purpose")
"""What a browser may send cross-origin: a passport (bearer token), a JSON body, a declared purpose."""

_PROTO = re.compile(r"^https?$")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_PREFIX = re.compile(r"^(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*/?$")


@dataclass(frozen=True, slots=True)
class PublicApi:
    """``{role}.public_url``, ``{role}.trust_proxy_headers`` and ``{role}.cors_origins`` of a node or hub."""

    public_url: str | None = None  # e.g. "https://beacon.example.org/pmb": the API is under it at /api
    trust_proxy_headers: bool = False
    cors_origins: tuple[str, ...] = ("*",)  # () turns CORS off


def parse_public_api(table: Mapping[str, object], *, role: str, where: str) -> PublicApi:
    """The three settings from the ``[node]`` or ``[hub]`` table (``role``), checked.

    >>> api = parse_public_api({"public_url": "https://b.example.org/pmb/"}, role="hub", where="hub.toml")
    >>> api.public_url, api.trust_proxy_headers, api.cors_origins
    ('https://b.example.org/pmb', False, ('*',))
    """
    url = table.get("public_url")
    if url is not None and (
        not isinstance(url, str) or not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", url.strip())
    ):
        raise ConfigError(
            f"{where}: {role}.public_url = {url!r} is not an http(s) URL without query or fragment",
            hint=f'e.g. {role}.public_url = "https://beacon.example.org"; leave it out to use the request\'s',
        )
    trust = table.get("trust_proxy_headers", False)
    if not isinstance(trust, bool):
        raise ConfigError(f"{where}: {role}.trust_proxy_headers must be true or false")
    origins = table.get("cors_origins", ["*"])
    if not isinstance(origins, list) or not all(isinstance(o, str) and o.strip() for o in origins):
        raise ConfigError(
            f"{where}: {role}.cors_origins must be a list of origins",
            hint='e.g. ["https://portal.example.org"], ["*"] for any origin (the default), [] for none',
        )
    return PublicApi(
        public_url=None if url is None else url.strip().rstrip("/"),
        trust_proxy_headers=trust,
        cors_origins=tuple(o.strip().rstrip("/") for o in origins),
    )


def public_base_url(request: Request, api: PublicApi) -> str:
    """The URL the app's root is reached at from outside, ending in ``/`` (``/api`` is under it).

    A forwarded value that is not a plain scheme, host or path is ignored, never copied into a URL.
    """
    if api.public_url is not None:
        return api.public_url + "/"
    base = request.base_url
    if not api.trust_proxy_headers:
        return str(base)
    proto = _forwarded(request, "x-forwarded-proto", _PROTO)
    host = _forwarded(request, "x-forwarded-host", _HOST)
    prefix = _forwarded(request, "x-forwarded-prefix", _PREFIX)
    url = base.replace(
        scheme=proto or base.scheme,
        netloc=host or base.netloc,
        path=(prefix.rstrip("/") + "/") if prefix is not None else base.path,
    )
    return str(url)


def _forwarded(request: Request, name: str, shape: re.Pattern[str]) -> str | None:
    """The first (client-most proxy's) value of header ``name`` when it has ``shape``."""
    value = request.headers.get(name)
    first = value.split(",", 1)[0].strip() if value is not None else None
    return first if first is not None and shape.match(first) else None


def install_cors(app: FastAPI, origins: Sequence[str]) -> None:
    """Starlette's CORS middleware in front of ``/api`` (not the portal): preflights are answered,
    never with credentials. Add it last, so that a preflight needs no signature and is not audited."""
    if origins:
        app.add_middleware(_ApiCors, origins=tuple(origins))


class _ApiCors:
    """Requests under /api go through Starlette's :class:`CORSMiddleware`; the rest pass by."""

    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and (path == API or path.startswith(API + "/")):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_head(app: FastAPI) -> None:
    """Answer ``HEAD`` on every GET endpoint with the GET's status and headers and no body. Add it
    first (innermost), so that signatures and the audit see the method the client sent."""
    app.add_middleware(_HeadAsGet)


class _HeadAsGet:
    """A HEAD request runs as the GET it stands for; the reply's body is dropped, its headers kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
