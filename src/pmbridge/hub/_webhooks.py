"""Posting one notification to the operator's webhook (``[access.webhook]``), signed per Standard
Webhooks so the receiver can tell the hub's events from anyone else's and drop replays."""

from __future__ import annotations

import json
import os
from datetime import datetime
from math import floor

import httpx
from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from pmbridge.errors import ConfigError, UpstreamError
from pmbridge.hub._delivery_settings import WebhookSettings

__all__ = ["post_webhook", "webhook_signer"]


async def post_webhook(
    client: httpx.AsyncClient,
    settings: WebhookSettings,
    payload: dict[str, object],
    *,
    message_id: str,
    now: datetime,
) -> None:
    """POST ``payload`` as JSON with the ``webhook-id``, ``webhook-timestamp`` and
    ``webhook-signature`` headers; raise :class:`UpstreamError` unless the receiver answers 2xx.

    ``message_id`` stays the same across retries of one notification, which is how the receiver
    recognises a delivery it has already handled.
    """
    url = httpx.URL(settings.url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(
            f"[access.webhook] url must be an http:// or https:// address, not {url.scheme or 'none'}:",
            hint='e.g. url = "https://chat.example.org/hooks/pm-bridge"',
        )
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(now.timestamp())),
        "webhook-signature": webhook_signer(settings).sign(message_id, now, body),
    }
    # the path and query of a webhook address often hold the receiver's token: name the origin only
    where = f"{url.scheme}://{url.netloc.decode('ascii')}"
    hint = "check [access.webhook] url and that the receiver is up and reachable from the hub"
    try:
        reply = await client.post(url, content=body, headers=headers, timeout=settings.timeout_seconds)
    except httpx.HTTPError as error:
        raise UpstreamError(
            f"the webhook receiver at {where} could not be reached: {type(error).__name__}: {error}",
            hint=hint,
        ) from error
    if not reply.is_success:
        raise UpstreamError(
            f"the webhook receiver at {where} answered HTTP {reply.status_code}, not 2xx",
            hint=f"{hint}; a 401 or 403 usually means its secret differs from the one in "
            f"${settings.secret_env}",
        )


def webhook_signer(settings: WebhookSettings) -> Webhook:
    """The signer for the secret in the environment variable ``settings.secret_env``."""
    secret = os.environ.get(settings.secret_env, "").strip() if settings.secret_env else ""
    fix = (
        f"export the receiver's signing secret (whsec_ and base64) in {settings.secret_env or 'the variable'}"
        " that [access.webhook] secret_env names"
    )
    if not secret:
        raise ConfigError(
            f"the webhook secret is missing: environment variable {settings.secret_env or '(none)'} is unset",
            hint=fix,
        )
    try:
        return Webhook(secret)
    except (ValueError, EmptyWebhookSecretError) as error:  # binascii.Error is a ValueError
        raise ConfigError(
            f"the webhook secret in {settings.secret_env} is not a whsec_ base64 secret: "
            f"{type(error).__name__}",
            hint=fix,
        ) from error
