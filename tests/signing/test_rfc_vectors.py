"""Interoperability: our signature base and Ed25519 reproduce RFC 9421 B.2.6 and RFC 9530 exactly."""

from __future__ import annotations

import base64

from pmbridge.signing import KeyRing, Message, content_digest, parse_public_key, signature_base
from pmbridge.signing._keys import SigningKey
from pmbridge.signing._structured import Item, parse_dictionary

# RFC 9421 appendix B.1.4 test-key-ed25519 (a published test key, not a secret).
RFC_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_PUBLIC = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
    ),
    "Content-Length": "18",
}
RFC_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
RFC_SIGNATURE = "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="
RFC_BASE = "\n".join(
    [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")'
        ';created=1618884473;keyid="test-key-ed25519"',
    ]
)


def _base() -> bytes:
    spec = parse_dictionary(RFC_INPUT)["sig-b26"]
    message = Message.request("POST", "/foo?param=Value&Pet=dog", RFC_HEADERS, authority="example.com")
    return signature_base(spec.items, spec.params, message)  # type: ignore[union-attr]


def test_signature_base_matches_rfc_9421_b_2_6() -> None:
    assert _base().decode() == RFC_BASE


def test_ed25519_signature_matches_rfc_9421_b_2_6() -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    private = load_pem_private_key(RFC_PRIVATE, password=None)
    key = SigningKey(private)  # type: ignore[arg-type]
    assert base64.b64encode(key.sign(_base())).decode() == RFC_SIGNATURE
    public = parse_public_key(RFC_PUBLIC)
    assert public == key.verifying_key
    assert public.verify(base64.b64decode(RFC_SIGNATURE), _base())
    assert KeyRing({"rfc": public}).get(public.key_id) is not None


def test_content_digest_matches_rfc_9530() -> None:
    assert content_digest(b'{"hello": "world"}') == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"


def test_response_component_with_req_serialises_as_the_rfc_writes_it() -> None:
    assert parse_dictionary('s=("@status" "@method";req "signature";req;key="sig1")')["s"].items == (  # type: ignore[union-attr]
        Item("@status"),
        Item("@method", {"req": True}),
        Item("signature", {"req": True, "key": "sig1"}),
    )
