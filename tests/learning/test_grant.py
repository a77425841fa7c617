"""The hub's signed training grant: what a node accepts, and every way a forged or stale one fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pmbridge.errors import SignatureRejected
from pmbridge.learning import issue_grant, parse_training, sign_grant, verify_grant
from pmbridge.policy import Researcher
from pmbridge.signing import KeyRing, generate_key_pair

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
HUB = generate_key_pair()
RING = KeyRing({"hub": HUB.verifying_key})
SPEC = parse_training({"task": "binary", "features": ["age", "tat"], "label": "male",
                       "variables": {"tat": {"gene": "TAT"}}})  # fmt: skip
GRANT = issue_grant(
    run_id="run-7", spec=SPEC, researcher=Researcher("eu-1", country="DE"), purpose="research",
    nodes=("rome", "shanghai"), now=NOW,
)  # fmt: skip


def test_a_node_named_in_a_hub_signed_grant_reads_it_back() -> None:
    grant = verify_grant(sign_grant(GRANT, HUB), RING, node="rome", now=NOW + timedelta(hours=1))
    assert grant.spec == SPEC
    assert (grant.run_id, grant.researcher.id, grant.researcher.country, grant.purpose) == (
        "run-7", "eu-1", "DE", "research",
    )  # fmt: skip
    assert grant.spec_digest == GRANT.spec_digest


@pytest.mark.parametrize(
    ("token", "node", "when", "reason"),
    [
        (lambda: sign_grant(GRANT, generate_key_pair()), "rome", NOW, "unknown_key"),
        (lambda: sign_grant(GRANT, HUB), "lyon", NOW, "wrong_audience"),
        (lambda: sign_grant(GRANT, HUB), "rome", NOW + timedelta(days=2), "stale"),
        (lambda: sign_grant(GRANT, HUB)[:-4] + "AAAA", "rome", NOW, "bad_signature"),
        (lambda: "not-a-token", "rome", NOW, "malformed"),
    ],
)
def test_a_forged_misaddressed_or_stale_grant_is_rejected(
    token, node: str, when: datetime, reason: str
) -> None:
    with pytest.raises(SignatureRejected) as rejected:
        verify_grant(token(), RING, node=node, now=when)
    assert rejected.value.reason == reason


def test_a_node_key_cannot_sign_grants() -> None:
    node_key = generate_key_pair()
    ring = KeyRing({"hub": HUB.verifying_key, "rome": node_key.verifying_key})
    with pytest.raises(SignatureRejected, match="not the hub's"):
        verify_grant(sign_grant(GRANT, node_key), ring, node="rome", now=NOW)


def test_the_request_in_a_grant_cannot_be_swapped_for_another() -> None:
    other = replace(GRANT, spec=replace(SPEC, rounds=200))
    token = sign_grant(other, HUB)
    assert verify_grant(token, RING, node="rome", now=NOW).spec.rounds == 200  # signed: accepted as is
    header, _claims, signature = sign_grant(GRANT, HUB).split(".")
    _, swapped_claims, _ = token.split(".")
    with pytest.raises(SignatureRejected) as rejected:
        verify_grant(f"{header}.{swapped_claims}.{signature}", RING, node="rome", now=NOW)
    assert rejected.value.reason == "bad_signature"
