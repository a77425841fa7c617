"""Signed requests (hub → node): RFC 9421 over method, path, query, body digest, time and a nonce.

The signature is labelled ``pmbridge`` and tagged ``pmbridge-request``. With an ``audience`` (the
node's id) it also covers the ``PMBridge-Audience`` header, so a request signed for one node is
refused by every other node even within the replay window (each node keeps its own nonce cache).
The headers that speak for the researcher (:data:`CALLER_HEADERS`: the passport in
``Authorization`` and the declared ``PMBridge-Purpose``) are covered whenever a request carries
them, so nobody on the way can swap a passport or a purpose under the hub's signature.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from pmbridge.errors import ConfigError, SignatureRejected
from pmbridge.signing._base import Headers, Message
from pmbridge.signing._digest import content_digest
from pmbridge.signing._keyring import KeyRing
from pmbridge.signing._keys import SigningKey
from pmbridge.signing._profile import ALGORITHM, DEFAULT_MAX_SKEW, REQUEST_TAG, add_signature
from pmbridge.signing._replay import ReplayCache, ReplayGuard
from pmbridge.signing._replay_file import PersistentReplayCache
from pmbridge.signing._structured import Item, Params
from pmbridge.signing._verify import VerifiedSignature, verify_message

AUDIENCE_HEADER = "PMBridge-Audience"
REQUEST_COMPONENTS: tuple[Item, ...] = (
    Item("@method"),
    Item("@path"),
    Item("@query"),
    Item("content-digest"),
)
CALLER_HEADERS: tuple[str, ...] = ("authorization", "pmbridge-purpose")
"""Covered when present: who asks (the forwarded passport) and why (the research purpose)."""


def _caller_items(present: Iterable[str]) -> tuple[Item, ...]:
    names = {name.lower() for name in present}
    return tuple(Item(name) for name in CALLER_HEADERS if name in names)


def sign_request(
    *,
    method: str,
    target: str,
    body: bytes,
    key: SigningKey,
    audience: str | None = None,
    created: int | None = None,
    nonce: str | None = None,
    caller: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers to add to a request: ``Content-Digest``, ``Signature-Input``, ``Signature``
    (and ``PMBridge-Audience`` when given). ``target`` is the path and query as sent on the wire;
    ``caller`` the request's other headers, of which :data:`CALLER_HEADERS` are covered.
    """
    headers = {"Content-Digest": content_digest(body)}
    components = REQUEST_COMPONENTS
    if audience is not None:
        headers[AUDIENCE_HEADER] = audience
        components = (*components, Item(AUDIENCE_HEADER.lower()))
    extra = {k.lower(): v for k, v in (caller or {}).items() if k.lower() in CALLER_HEADERS}
    components = (*components, *_caller_items(extra))
    params: Params = {
        "created": int(time.time()) if created is None else created,
        "keyid": key.key_id,
        "nonce": secrets.token_urlsafe(16) if nonce is None else nonce,
        "alg": ALGORITHM,
        "tag": REQUEST_TAG,
    }
    return add_signature(
        headers, components, params, key=key, message=Message.request(method, target, {**extra, **headers})
    )


def verify_request(
    *,
    method: str,
    target: str,
    headers: Headers,
    body: bytes,
    keys: KeyRing,
    replay: ReplayGuard,
    max_skew: float = DEFAULT_MAX_SKEW,
    audience: str | None = None,
    now: float | None = None,
) -> VerifiedSignature:
    """Check a signed request or raise ``SignatureRejected`` naming the reason.

    ``audience`` is this node's id: when set, the request must have been signed for it. The nonce
    is remembered in ``replay`` only after everything else holds, so forgeries never fill it.
    """
    if replay.window_seconds < max_skew:
        raise ConfigError(
            f"the replay cache keeps nonces {replay.window_seconds:g} s, less than the skew {max_skew:g} s",
            hint="a nonce must be remembered as long as its request could pass as fresh",
        )
    message = Message.request(method, target, headers)
    required = REQUEST_COMPONENTS
    if audience is not None:
        required = (*required, Item(AUDIENCE_HEADER.lower()))
    required = (*required, *_caller_items(message.headers))
    moment = time.time() if now is None else now
    verified = verify_message(
        message, body, keys=keys, tag=REQUEST_TAG, required=required, max_skew=max_skew, now=moment
    )
    if audience is not None and message.headers.get(AUDIENCE_HEADER.lower()) != audience:
        raise SignatureRejected(
            "wrong_audience",
            f"signed for {message.headers.get(AUDIENCE_HEADER.lower())!r}, this is {audience!r}",
            key_id=verified.key_id,
            hint="the request was signed for another node",
        )
    if verified.nonce is None:
        raise SignatureRejected("malformed", "a signed request needs a nonce", key_id=verified.key_id)
    replay.check_and_remember(verified.key_id, verified.nonce, created=verified.created, now=moment)
    return verified


class RequestVerifier:
    """What a node's middleware holds: trusted keys, its own id, the skew window and a nonce cache.

    One instance per process, shared by all requests (both caches are thread-safe). With
    ``nonce_file`` the nonces are kept in that SQLite file, so a request captured before the node
    restarted is still refused after it, and processes serving one node share what they have seen;
    without it they are kept in memory (``max_nonces`` of them), which suits tests only.
    """

    def __init__(
        self,
        *,
        keys: KeyRing,
        audience: str | None = None,
        max_skew: float = DEFAULT_MAX_SKEW,
        max_nonces: int = 100_000,
        nonce_file: Path | None = None,
    ) -> None:
        self.keys = keys
        self.audience = audience
        self.max_skew = max_skew
        self.replay: ReplayGuard = (
            ReplayCache(window_seconds=max_skew, max_entries=max_nonces)
            if nonce_file is None
            else PersistentReplayCache(nonce_file, window_seconds=max_skew)
        )

    def close(self) -> None:
        """Close the nonce file, if any (e.g. when a test is done with the node)."""
        self.replay.close()

    def verify(
        self, *, method: str, target: str, headers: Headers, body: bytes, now: float | None = None
    ) -> VerifiedSignature:
        return verify_request(
            method=method,
            target=target,
            headers=headers,
            body=body,
            keys=self.keys,
            replay=self.replay,
            max_skew=self.max_skew,
            audience=self.audience,
            now=now,
        )
