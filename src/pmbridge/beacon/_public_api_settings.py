"""The settings of how a node's or the hub's API stands on the open web, declared once for both
tables (``[node]`` and ``[hub]``): the public URL, trusting a proxy's headers, and CORS."""

from __future__ import annotations

from typing import Any

from pydantic import Field

_SEE = "See [Public URL, proxies and browsers](#public-url-proxies-and-browsers)."


def public_url_setting(table: str) -> Any:
    """The ``public_url`` field of the ``table`` (``node`` or ``hub``) settings."""
    return Field(
        default=None,
        description=f"The URL the {table} is reached at from outside, e.g. "
        '`"https://beacon.example.org"` (its API is under it at `/api`); `/api/map` and '
        "`/api/service-info` name their URLs under it. Unset: the URL the request came in on (see "
        f"`{table}.trust_proxy_headers`). {_SEE}",
    )


def trust_proxy_headers_setting(table: str) -> Any:
    """The ``trust_proxy_headers`` field of the ``table`` settings."""
    return Field(
        default=False,
        description=f"When `{table}.public_url` is unset, build the public URL from the "
        "`X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Forwarded-Prefix` headers. Turn on only "
        "behind a reverse proxy that sets (overwrites) them: anyone can send them, and trusted "
        "blindly they would make `/api/map` point clients, and their passports, at a host of the "
        "sender's choosing.",
    )


def cors_origins_setting() -> Any:
    """The ``cors_origins`` field of a node's or the hub's settings."""
    return Field(
        default_factory=lambda: ["*"],
        description="Web origins whose browser scripts may call `/api` (CORS: `GET`, `POST`, `HEAD` "
        'and preflight `OPTIONS`, never with credentials), e.g. `["https://portal.example.org"]`; '
        '`["*"]` any origin, `[]` none.',
    )
