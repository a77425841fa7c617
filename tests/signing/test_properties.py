"""Property tests: no single changed byte of a signed message, body or header, gets through."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.errors import SignatureRejected
from pmbridge.signing import KeyRing, ReplayCache, SigningKey, generate_key_pair, sign_request, verify_request
from pmbridge.signing._structured import parse_dictionary

KEY: SigningKey = generate_key_pair()
RING = KeyRing({"hub": KEY.verifying_key})
NOW = 1_750_000_000
TARGET = "/api/individuals?skip=0"


def _verify(headers: dict[str, str], body: bytes, target: str = TARGET) -> None:
    verify_request(
        method="POST",
        target=target,
        headers=headers,
        body=body,
        keys=RING,
        replay=ReplayCache(window_seconds=30),
        now=NOW,
    )


def _flip(data: bytes, index: int, value: int) -> bytes:
    changed = bytearray(data)
    changed[index % len(data)] = value
    return bytes(changed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(min_size=1, max_size=300), index=st.integers(min_value=0), value=st.integers(0, 255))
def test_any_single_byte_change_to_a_signed_body_is_refused(body: bytes, index: int, value: int) -> None:
    headers = sign_request(method="POST", target=TARGET, body=body, key=KEY, created=NOW)
    _verify(headers, body)
    changed = _flip(body, index, value)
    if changed == body:
        return
    with pytest.raises(SignatureRejected) as caught:
        _verify(headers, changed)
    assert caught.value.reason == "digest_mismatch"


@settings(max_examples=150, deadline=None)
@given(
    header=st.sampled_from(["Signature", "Signature-Input", "Content-Digest"]),
    index=st.integers(min_value=0),
    value=st.integers(0x20, 0x7E),
)
def test_any_single_character_change_to_a_signature_header_is_refused(
    header: str, index: int, value: int
) -> None:
    body = b'{"query":{}}'
    headers = sign_request(method="POST", target=TARGET, body=body, key=KEY, created=NOW)
    changed = _flip(headers[header].encode(), index, value).decode()
    if changed == headers[header] or _same_meaning(header, changed, headers[header]):
        return
    with pytest.raises(SignatureRejected):
        _verify(headers | {header: changed}, body)


def _same_meaning(header: str, changed: str, original: str) -> bool:
    # Whitespace after a separator, or base64 padding bits, may change the text but not the parsed value.
    try:
        return parse_dictionary(changed) == parse_dictionary(original)
    except ValueError:
        return False


@settings(max_examples=100, deadline=None)
@given(path=st.from_regex(r"/api/[a-z_]{1,20}(\?[a-z]{1,5}=[0-9]{1,3})?", fullmatch=True))
def test_any_other_target_is_refused(path: str) -> None:
    headers = sign_request(method="POST", target=TARGET, body=b"", key=KEY, created=NOW)
    if path == TARGET:
        return
    with pytest.raises(SignatureRejected) as caught:
        _verify(headers, b"", target=path)
    assert caught.value.reason == "bad_signature"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120))
def test_structured_field_parser_fails_only_with_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_dictionary(text)


@settings(max_examples=200, deadline=None)
@given(
    signature_input=st.text(alphabet='pmbridge=();"@ -:abcdefkynotsrq0123456789', max_size=120),
    signature=st.text(alphabet="pmbridge=:ABCabc+/0123", max_size=60),
)
def test_any_garbage_in_signature_headers_is_a_clean_rejection(signature_input: str, signature: str) -> None:
    headers = {"Signature-Input": signature_input, "Signature": signature, "Content-Digest": "sha-256=:AA==:"}
    with pytest.raises(SignatureRejected):
        _verify(headers, b"")
