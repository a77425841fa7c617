"""RFC 9530 ``Content-Digest``: the signature covers this header, the header pins the body's bytes."""

from __future__ import annotations

import hashlib

from pmbridge.errors import SignatureRejected
from pmbridge.signing._structured import Item, parse_dictionary, serialize_bare

_ALGORITHMS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` value of ``body`` (RFC 9530 section 2, its own example).

    >>> content_digest(b'{"hello": "world"}')
    'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:'
    """
    return "sha-256=" + serialize_bare(hashlib.sha256(body).digest())


def verify_content_digest(header: str, body: bytes) -> None:
    """Raise ``SignatureRejected`` unless every digest we know in ``header`` matches ``body``.

    Unknown algorithms are ignored (RFC 9530 lets a sender offer several), but at least one of
    sha-256 / sha-512 must be there: a digest we cannot check proves nothing.

    >>> verify_content_digest(content_digest(b"abc"), b"abc")
    >>> verify_content_digest(content_digest(b"abc"), b"abd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pmbridge.errors.SignatureRejected: signature rejected (digest_mismatch): ...
    """
    try:
        members = parse_dictionary(header)
    except ValueError as exc:
        raise SignatureRejected("malformed", f"Content-Digest cannot be read: {exc}") from None
    checked = 0
    for name, member in members.items():
        if name not in _ALGORITHMS:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise SignatureRejected("malformed", f"Content-Digest {name} is not a byte sequence")
        if _ALGORITHMS[name](body).digest() != member.value:
            raise SignatureRejected(
                "digest_mismatch",
                f"the body ({len(body)} bytes) does not match its Content-Digest {name}",
                hint="the body was changed after signing, or cut off on the way",
            )
        checked += 1
    if not checked:
        raise SignatureRejected("malformed", "Content-Digest has neither sha-256 nor sha-512")
