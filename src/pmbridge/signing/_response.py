"""Signed replies (node → hub), so the hub can later prove what a node said and to which question.

A reply's signature covers its status and body digest, and, with RFC 9421's ``;req`` flag, the
request's method, path, query and the request's own ``pmbridge`` signature. That last component
carries the request's nonce and time, so a reply cannot be replayed as the answer to another
request: no separate response nonce or cache is needed.
"""

from __future__ import annotations

import time

from pmbridge.signing._base import Headers, Message
from pmbridge.signing._digest import content_digest
from pmbridge.signing._keyring import KeyRing
from pmbridge.signing._keys import SigningKey
from pmbridge.signing._profile import ALGORITHM, DEFAULT_MAX_SKEW, LABEL, RESPONSE_TAG, add_signature
from pmbridge.signing._structured import Item, Params, parse_dictionary
from pmbridge.signing._verify import VerifiedSignature, verify_message

RESPONSE_COMPONENTS: tuple[Item, ...] = (
    Item("@status"),
    Item("content-digest"),
    Item("@method", {"req": True}),
    Item("@path", {"req": True}),
    Item("@query", {"req": True}),
)
REQUEST_SIGNATURE = Item("signature", {"req": True, "key": LABEL})


def sign_response(
    *,
    status: int,
    body: bytes,
    key: SigningKey,
    request: Message,
    created: int | None = None,
) -> dict[str, str]:
    """The headers to add to a reply: ``Content-Digest``, ``Signature-Input``, ``Signature``.

    When the request was signed (always, from the hub), the reply covers that signature too; a
    reply to an unsigned public request still covers the request's method, path and query.
    """
    headers = {"Content-Digest": content_digest(body)}
    components = RESPONSE_COMPONENTS
    if _has_our_signature(request):
        components = (*components, REQUEST_SIGNATURE)
    params: Params = {
        "created": int(time.time()) if created is None else created,
        "keyid": key.key_id,
        "alg": ALGORITHM,
        "tag": RESPONSE_TAG,
    }
    return add_signature(
        headers, components, params, key=key, message=Message.response(status, headers), request=request
    )


def verify_response(
    *,
    status: int,
    headers: Headers,
    body: bytes,
    request: Message,
    keys: KeyRing,
    max_skew: float = DEFAULT_MAX_SKEW,
    now: float | None = None,
) -> VerifiedSignature:
    """Check a node's signed reply to ``request`` (as the hub sent it), or raise ``SignatureRejected``.

    ``keys`` should hold only the node that was asked, so another node's valid signature fails.
    """
    required = RESPONSE_COMPONENTS
    if _has_our_signature(request):
        required = (*required, REQUEST_SIGNATURE)
    return verify_message(
        Message.response(status, headers),
        body,
        keys=keys,
        tag=RESPONSE_TAG,
        required=required,
        max_skew=max_skew,
        now=now,
        request=request,
    )


def _has_our_signature(request: Message) -> bool:
    raw = request.headers.get("signature")
    if raw is None:
        return False
    try:
        return LABEL in parse_dictionary(raw)
    except ValueError:
        return False
