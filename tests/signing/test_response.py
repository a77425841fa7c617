"""Signed node → hub replies: bound to the exact signed request they answer."""

from __future__ import annotations

import pytest

from pmbridge.errors import SignatureRejected
from pmbridge.signing import (
    KeyRing,
    Message,
    SigningKey,
    generate_key_pair,
    sign_request,
    sign_response,
    verify_response,
)

NOW = 1_750_000_000
REPLY = b'{"responseSummary":{"exists":true,"numTotalResults":40}}'


def request(hub_key: SigningKey, *, target: str = "/api/individuals", nonce: str = "n-1") -> Message:
    body = b'{"query":{}}'
    headers = sign_request(method="POST", target=target, body=body, key=hub_key, created=NOW, nonce=nonce)
    return Message.request("POST", target, headers)


def reason(
    ring: KeyRing,
    headers: dict[str, str],
    asked: Message,
    *,
    body: bytes = REPLY,
    status: int = 200,
    now: float = NOW + 1,
) -> str:
    with pytest.raises(SignatureRejected) as caught:
        verify_response(status=status, headers=headers, body=body, request=asked, keys=ring, now=now)
    return caught.value.reason


def test_round_trip(hub_key: SigningKey, node_key: SigningKey, node_ring: KeyRing) -> None:
    asked = request(hub_key)
    headers = sign_response(status=200, body=REPLY, key=node_key, request=asked, created=NOW)
    verified = verify_response(
        status=200, headers=headers, body=REPLY, request=asked, keys=node_ring, now=NOW + 2
    )
    assert verified.owner == "eu-rome"
    assert '"signature";req;key="pmbridge"' in verified.covered
    assert '"@status"' in verified.covered


def test_reply_to_another_request_is_refused(
    hub_key: SigningKey, node_key: SigningKey, node_ring: KeyRing
) -> None:
    first, second = request(hub_key, nonce="n-1"), request(hub_key, nonce="n-2")
    headers = sign_response(status=200, body=REPLY, key=node_key, request=first, created=NOW)
    assert reason(node_ring, headers, second) == "bad_signature"


def test_reply_moved_to_another_path_is_refused(
    hub_key: SigningKey, node_key: SigningKey, node_ring: KeyRing
) -> None:
    headers = sign_response(status=200, body=REPLY, key=node_key, request=request(hub_key), created=NOW)
    # The same nonce on another path: a different signed request, so a different binding.
    assert reason(node_ring, headers, request(hub_key, target="/api/biosamples")) == "bad_signature"


def test_changed_status_or_body_is_refused(
    hub_key: SigningKey, node_key: SigningKey, node_ring: KeyRing
) -> None:
    asked = request(hub_key)
    headers = sign_response(status=200, body=REPLY, key=node_key, request=asked, created=NOW)
    assert reason(node_ring, headers, asked, status=500) == "bad_signature"
    assert reason(node_ring, headers, asked, body=REPLY.replace(b"40", b"41")) == "digest_mismatch"


def test_another_nodes_valid_signature_is_refused(hub_key: SigningKey, node_ring: KeyRing) -> None:
    other_node = generate_key_pair()
    asked = request(hub_key)
    headers = sign_response(status=200, body=REPLY, key=other_node, request=asked, created=NOW)
    assert reason(node_ring, headers, asked) == "unknown_key"


def test_unsigned_and_stale_replies_are_refused(
    hub_key: SigningKey, node_key: SigningKey, node_ring: KeyRing
) -> None:
    asked = request(hub_key)
    assert reason(node_ring, {"content-type": "application/json"}, asked) == "unsigned"
    headers = sign_response(status=200, body=REPLY, key=node_key, request=asked, created=NOW)
    assert reason(node_ring, headers, asked, now=NOW + 300) == "stale"


def test_reply_that_does_not_cover_the_request_signature_is_refused(
    hub_key: SigningKey, node_key: SigningKey, node_ring: KeyRing
) -> None:
    asked = request(hub_key)
    unsigned_view = Message.request("POST", "/api/individuals", {})
    headers = sign_response(status=200, body=REPLY, key=node_key, request=unsigned_view, created=NOW)
    assert reason(node_ring, headers, asked) == "missing_component"


def test_a_request_signature_is_not_a_reply_signature(hub_key: SigningKey) -> None:
    asked = request(hub_key)
    hub_as_node = KeyRing({"hub": hub_key.verifying_key})
    forged = sign_request(method="POST", target="/api/individuals", body=REPLY, key=hub_key, created=NOW)
    assert reason(hub_as_node, forged, asked) == "malformed"


def test_reply_to_a_public_unsigned_request_covers_method_and_path(
    node_key: SigningKey, node_ring: KeyRing
) -> None:
    asked = Message.request("GET", "/api/info", {"accept": "application/json"})
    headers = sign_response(status=200, body=REPLY, key=node_key, request=asked, created=NOW)
    verify_response(status=200, headers=headers, body=REPLY, request=asked, keys=node_ring, now=NOW)
    other = Message.request("GET", "/api/map", {})
    assert reason(node_ring, headers, other, now=NOW) == "bad_signature"
