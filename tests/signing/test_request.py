"""Signed hub → node requests: round trip, and every way a request can be refused, with its reason."""

from __future__ import annotations

import pytest

from pmbridge.errors import SignatureRejected
from pmbridge.signing import (
    KeyRing,
    ReplayCache,
    RequestVerifier,
    SigningKey,
    generate_key_pair,
    sign_request,
    verify_request,
)

NOW = 1_750_000_000
BODY = b'{"query":{"filters":[{"id":"HP:0001250"}],"requestedGranularity":"count"}}'
TARGET = "/api/individuals?skip=0&limit=10"


def signed(key: SigningKey, **kw: object) -> dict[str, str]:
    options: dict[str, object] = {"method": "POST", "target": TARGET, "body": BODY, "created": NOW}
    options.update(kw)
    return sign_request(key=key, **options)  # type: ignore[arg-type]


def check(ring: KeyRing, headers: dict[str, str], **kw: object) -> object:
    options: dict[str, object] = {
        "method": "POST",
        "target": TARGET,
        "headers": headers,
        "body": BODY,
        "keys": ring,
        "replay": ReplayCache(window_seconds=30),
        "now": NOW + 1,
    }
    options.update(kw)
    return verify_request(**options)  # type: ignore[arg-type]


def reason(ring: KeyRing, headers: dict[str, str], **kw: object) -> str:
    with pytest.raises(SignatureRejected) as caught:
        check(ring, headers, **kw)
    assert caught.value.status == 401
    assert caught.value.code == "signature_rejected"
    assert caught.value.reason in str(caught.value)
    return caught.value.reason


def test_round_trip_names_the_signer_and_the_nonce(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key, nonce="n-1")
    assert set(headers) == {"Content-Digest", "Signature-Input", "Signature"}
    verified = check(hub_ring, headers)
    assert verified.owner == "hub"  # type: ignore[attr-defined]
    assert verified.key_id == hub_key.key_id  # type: ignore[attr-defined]
    assert verified.nonce == "n-1"  # type: ignore[attr-defined]
    assert verified.created == NOW  # type: ignore[attr-defined]
    assert headers["Signature-Input"] == (
        'pmbridge=("@method" "@path" "@query" "content-digest");created=1750000000;'
        f'keyid="{hub_key.key_id}";nonce="n-1";alg="ed25519";tag="pmbridge-request"'
    )


def test_headers_may_arrive_in_any_case_and_among_others(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = {k.upper(): v for k, v in signed(hub_key).items()}
    headers["Content-Type"] = "application/json"
    headers["Host"] = "127.0.0.1:8101"
    check(hub_ring, headers)


def test_get_without_body(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = sign_request(method="GET", target="/api/info", body=b"", key=hub_key, created=NOW)
    check(hub_ring, headers, method="GET", target="/api/info", body=b"")


def test_unsigned_is_refused(hub_ring: KeyRing) -> None:
    assert reason(hub_ring, {"Content-Type": "application/json"}) == "unsigned"


@pytest.mark.parametrize("missing", ["Signature", "Signature-Input"])
def test_half_signed_is_refused(hub_key: SigningKey, hub_ring: KeyRing, missing: str) -> None:
    headers = signed(hub_key)
    del headers[missing]
    assert reason(hub_ring, headers) == "unsigned"


def test_missing_content_digest_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key)
    del headers["Content-Digest"]
    assert reason(hub_ring, headers) == "missing_component"


def test_forged_signature_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key)
    headers["Signature"] = "pmbridge=:" + "A" * 86 + "==:"
    assert reason(hub_ring, headers) == "bad_signature"


def test_another_key_claiming_the_hub_key_id_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    impostor = generate_key_pair()
    headers = signed(impostor)
    headers["Signature-Input"] = headers["Signature-Input"].replace(impostor.key_id, hub_key.key_id)
    assert reason(hub_ring, headers) == "bad_signature"


def test_unknown_key_is_refused(hub_ring: KeyRing) -> None:
    headers = signed(generate_key_pair())
    assert reason(hub_ring, headers) == "unknown_key"


def test_changed_body_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key)
    assert reason(hub_ring, headers, body=BODY.replace(b"count", b"record")) == "digest_mismatch"


def test_changed_body_with_matching_digest_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    from pmbridge.signing import content_digest

    other = BODY.replace(b"count", b"record")
    headers = signed(hub_key) | {"Content-Digest": content_digest(other)}
    assert reason(hub_ring, headers, body=other) == "bad_signature"


@pytest.mark.parametrize(
    "target",
    ["/api/biosamples?skip=0&limit=10", "/api/individuals?skip=0&limit=1000", "/api/individuals"],
)
def test_changed_path_or_query_is_refused(hub_key: SigningKey, hub_ring: KeyRing, target: str) -> None:
    assert reason(hub_ring, signed(hub_key), target=target) == "bad_signature"


def test_changed_method_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    assert reason(hub_ring, signed(hub_key), method="PUT") == "bad_signature"


@pytest.mark.parametrize("offset", [-31, 31, 3600, -3600])
def test_stale_or_future_timestamp_is_refused(hub_key: SigningKey, hub_ring: KeyRing, offset: int) -> None:
    assert reason(hub_ring, signed(hub_key), now=NOW + offset) == "stale"


def test_clock_skew_window_is_configurable(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    late = NOW + 100
    assert reason(hub_ring, signed(hub_key), now=late) == "stale"
    check(hub_ring, signed(hub_key), now=late, max_skew=120, replay=ReplayCache(window_seconds=120))


def test_replayed_request_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    replay = ReplayCache(window_seconds=30)
    headers = signed(hub_key)
    check(hub_ring, headers, replay=replay)
    assert reason(hub_ring, headers, replay=replay, now=NOW + 5) == "replayed"
    check(hub_ring, signed(hub_key), replay=replay, now=NOW + 5)  # a fresh nonce is fine


def test_forgeries_never_enter_the_replay_cache(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    replay = ReplayCache(window_seconds=30)
    headers = signed(hub_key, nonce="fixed")
    reason(hub_ring, headers, replay=replay, body=b"tampered")
    assert len(replay) == 0
    check(hub_ring, headers, replay=replay)
    assert len(replay) == 1


def test_audience_binds_a_request_to_one_node(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key, audience="eu-rome")
    assert headers["PMBridge-Audience"] == "eu-rome"
    check(hub_ring, headers, audience="eu-rome")
    assert reason(hub_ring, headers, audience="cn-shanghai") == "wrong_audience"
    headers_swapped = headers | {"PMBridge-Audience": "cn-shanghai"}
    assert reason(hub_ring, headers_swapped, audience="cn-shanghai") == "bad_signature"
    assert reason(hub_ring, signed(hub_key), audience="eu-rome") == "missing_component"


CALLER = {"Authorization": "Bearer passport-of-alice", "PMBridge-Purpose": "research"}


def test_the_researchers_passport_and_purpose_are_covered(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key, caller=CALLER | {"Accept": "application/json"})
    assert '"authorization" "pmbridge-purpose");' in headers["Signature-Input"]
    assert "Authorization" not in headers  # the caller's headers travel as they are; only covered
    check(hub_ring, headers | CALLER)
    swapped = headers | CALLER | {"Authorization": "Bearer passport-of-mallory"}
    assert reason(hub_ring, swapped) == "bad_signature"
    assert reason(hub_ring, headers | CALLER | {"PMBridge-Purpose": "insurance"}) == "bad_signature"
    assert reason(hub_ring, headers) == "missing_component"  # covered headers must arrive


def test_a_passport_added_after_signing_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key)
    assert reason(hub_ring, headers | {"Authorization": "Bearer passport-of-mallory"}) == "missing_component"
    assert reason(hub_ring, headers | {"pmbridge-purpose": "advertising"}) == "missing_component"


def test_signature_that_skips_a_component_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    from pmbridge.signing._base import Message
    from pmbridge.signing._profile import add_signature
    from pmbridge.signing._structured import Item

    headers = signed(hub_key)
    params = {
        "created": NOW,
        "keyid": hub_key.key_id,
        "nonce": "x",
        "alg": "ed25519",
        "tag": "pmbridge-request",
    }
    weak = add_signature(
        {"Content-Digest": headers["Content-Digest"]},
        (Item("@method"), Item("content-digest")),
        params,  # type: ignore[arg-type]
        key=hub_key,
        message=Message.request("POST", TARGET, headers),
    )
    assert reason(hub_ring, weak) == "missing_component"


def test_other_algorithm_is_refused(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key)
    headers["Signature-Input"] = headers["Signature-Input"].replace('alg="ed25519"', 'alg="hmac-sha256"')
    assert reason(hub_ring, headers) == "unsupported_algorithm"


def test_a_response_signature_is_not_a_request_signature(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    headers = signed(hub_key)
    headers["Signature-Input"] = headers["Signature-Input"].replace("pmbridge-request", "pmbridge-response")
    assert reason(hub_ring, headers) == "malformed"


@pytest.mark.parametrize(
    "garbage",
    [
        "pmbridge=(",
        'pmbridge=("@method";created=1',
        "pmbridge=:not base64!:",
        "=",
        "pmbridge=()",
        "pmbridge=?2",
    ],
)
def test_garbage_headers_are_malformed_not_crashes(
    hub_key: SigningKey, hub_ring: KeyRing, garbage: str
) -> None:
    headers = signed(hub_key)
    headers["Signature-Input"] = garbage
    assert reason(hub_ring, headers) in {"malformed", "missing_component"}


def test_request_verifier_holds_the_cache(hub_key: SigningKey, hub_ring: KeyRing) -> None:
    verifier = RequestVerifier(keys=hub_ring, audience="eu-rome", max_skew=10)
    headers = signed(hub_key, audience="eu-rome")
    verifier.verify(method="POST", target=TARGET, headers=headers, body=BODY, now=NOW)
    with pytest.raises(SignatureRejected, match="replayed"):
        verifier.verify(method="POST", target=TARGET, headers=headers, body=BODY, now=NOW + 1)
