"""Checks shared by request and response verification, in the order that gives the clearest reason.

Order: present, readable, our algorithm and profile, the required components covered, a key we
know, fresh, the signature itself, then the body against its digest. The replay check comes last,
in the caller, so that only genuine signatures ever occupy the replay cache.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.errors import SignatureRejected
from pmbridge.signing._base import ComponentMissing, Message, signature_base
from pmbridge.signing._digest import verify_content_digest
from pmbridge.signing._keyring import KeyRing
from pmbridge.signing._profile import ALGORITHM, LABEL
from pmbridge.signing._structured import InnerList, Item, parse_dictionary, serialize_item


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Who signed a message, when, and with which nonce (what an audit entry records)."""

    owner: str
    key_id: str
    created: int
    nonce: str | None
    covered: tuple[str, ...]


def verify_message(
    message: Message,
    body: bytes,
    *,
    keys: KeyRing,
    tag: str,
    required: tuple[Item, ...],
    max_skew: float,
    now: float | None,
    request: Message | None = None,
) -> VerifiedSignature:
    headers = message.headers
    if "signature-input" not in headers or "signature" not in headers:
        raise SignatureRejected(
            "unsigned",
            "no Signature-Input and Signature headers",
            hint="the sender must sign with its key (the hub's key for requests, a node's for replies)",
        )
    try:
        inputs = parse_dictionary(headers["signature-input"])
        signatures = parse_dictionary(headers["signature"])
    except ValueError as exc:
        raise SignatureRejected("malformed", f"signature headers cannot be read: {exc}") from None
    if LABEL not in inputs or LABEL not in signatures:
        raise SignatureRejected("unsigned", f"no signature labelled {LABEL!r} (found {sorted(inputs)})")
    spec, value = inputs[LABEL], signatures[LABEL]
    if not isinstance(spec, InnerList) or not isinstance(value, Item) or not isinstance(value.value, bytes):
        raise SignatureRejected(
            "malformed", "Signature-Input must be an inner list, Signature a byte sequence"
        )
    params = spec.params
    key_id, created, alg = params.get("keyid"), params.get("created"), params.get("alg", ALGORITHM)
    if alg != ALGORITHM:
        raise SignatureRejected("unsupported_algorithm", f"alg {alg!r}: only {ALGORITHM!r} is accepted")
    if not isinstance(key_id, str) or isinstance(created, bool) or not isinstance(created, int):
        raise SignatureRejected("malformed", "the signature needs a keyid string and an integer created")
    if params.get("tag") != tag:
        raise SignatureRejected("malformed", f"tag {params.get('tag')!r} where {tag!r} was expected")
    nonce = params.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise SignatureRejected("malformed", "nonce must be a string")
    covered = {serialize_item(i) for i in spec.items}
    missing = [serialize_item(r) for r in required if serialize_item(r) not in covered]
    if missing:
        raise SignatureRejected("missing_component", f"the signature does not cover {', '.join(missing)}")
    trusted = keys.get(key_id)
    if trusted is None:
        raise SignatureRejected(
            "unknown_key",
            f"key {key_id!r} is not registered here",
            key_id=key_id,
            hint="add the sender's public key (`pmbridge keys show NAME.pub`) to this side's registry",
        )
    _check_fresh(params, created, now=time.time() if now is None else now, max_skew=max_skew, key_id=key_id)
    try:
        base = signature_base(spec.items, params, message, request)
    except ComponentMissing as exc:
        raise SignatureRejected("missing_component", str(exc), key_id=key_id) from None
    except ValueError as exc:
        raise SignatureRejected("malformed", str(exc), key_id=key_id) from None
    if not trusted.key.verify(value.value, base):
        raise SignatureRejected(
            "bad_signature",
            f"the signature does not match the message for key {key_id} ({trusted.owner})",
            key_id=key_id,
            hint="the message was changed after signing, or signed with another key",
        )
    verify_content_digest(headers["content-digest"], body)
    return VerifiedSignature(
        owner=trusted.owner,
        key_id=key_id,
        created=created,
        nonce=nonce,
        covered=tuple(serialize_item(i) for i in spec.items),
    )


def _check_fresh(
    params: Mapping[str, object], created: int, *, now: float, max_skew: float, key_id: str
) -> None:
    age = now - created
    if abs(age) > max_skew:
        when = f"{age:.0f} s ago" if age > 0 else f"{-age:.0f} s in the future"
        raise SignatureRejected(
            "stale",
            f"signed {when}; the allowed clock skew is {max_skew:g} s",
            key_id=key_id,
            hint="check both machines' clocks (NTP); never resend an old signed request",
        )
    expires = params.get("expires")
    if isinstance(expires, int) and not isinstance(expires, bool) and expires < now:
        raise SignatureRejected("stale", f"the signature expired at {expires}", key_id=key_id)
