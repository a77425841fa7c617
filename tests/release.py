"""Release settings for tests of query logic, and passports for tests of the release path.

Tests that check what the store matched (counts of two, records of one) cannot work through
disclosure control's defaults, which hide counts below 5 or 11 and add noise. ``exact_release``
gives a node config the settings that let every number and record through: thresholds of 1, no
noise, no differencing guard, an allele floor of 1, and a legal route for records and genetic
output abroad (an anonymous requester counts as abroad). The release path's own tests
(tests/node/test_release_*.py, tests/hub/test_release_*.py, tests/e2e/test_release_attacks.py)
keep the defaults.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec

from pmbridge.hub import HubReleaseSettings
from pmbridge.policy import (
    DEMO_AUDIENCE,
    DEMO_ISSUER,
    DemoUser,
    generate_issuer_key,
    issue_passport,
    public_key_pem,
)
from pmbridge.privacy import DisclosureSettings

EXACT_PRIVACY: Mapping[str, object] = {
    "min_count": 1,
    "min_count_cross_border": 1,
    "noise": False,
    "differencing_guard": False,
    "public_round_to": 1,
    "allele_count_floor": 1,
}

OPEN_POLICY: Mapping[str, Mapping[str, object]] = {
    "EU": {"transfer_mechanism": "scc", "tia_ref": "TIA-TEST-1"},
    "CN": {
        "cn_export_route": "security_assessment",
        "pipia_ref": "PIPIA-TEST-1",
        "separate_consent": True,
        "hgr_filing_id": "HGR-TEST-1",
        "hgr_review_id": "HGR-REVIEW-TEST-1",
    },
}

EXACT_HUB = HubReleaseSettings(privacy=DisclosureSettings(**EXACT_PRIVACY))  # type: ignore[arg-type]
"""A hub whose own disclosure pass lets every number through as the nodes sent it."""

BROKER = generate_issuer_key()
"""The test session's passport broker (the demo broker's functions, a fresh key)."""


def exact_release(config: Mapping[str, object]) -> dict[str, object]:
    """``config`` (a node TOML as a dict) releasing every count exactly and records to anyone."""
    doc = copy.deepcopy(dict(config))
    node = doc["node"]
    assert isinstance(node, Mapping)
    doc["privacy"] = dict(EXACT_PRIVACY)
    doc["policy"] = dict(OPEN_POLICY[str(node["jurisdiction"]).upper()])
    return doc


def trusting(config: Mapping[str, object], *, audience: str = DEMO_AUDIENCE) -> dict[str, object]:
    """``config`` with a ``[passports]`` table that trusts :data:`BROKER`."""
    doc = copy.deepcopy(dict(config))
    pem = public_key_pem(BROKER).decode()
    doc["passports"] = {"audience": audience, "issuers": [{"iss": DEMO_ISSUER, "public_key": pem}]}
    return doc


def passport(
    user_id: str,
    *,
    country: str | None,
    registered: bool = True,
    grants: tuple[str, ...] = (),
    key: ec.EllipticCurvePrivateKey = BROKER,
    audience: str = DEMO_AUDIENCE,
    age: timedelta = timedelta(0),
) -> str:
    """A passport for a made-up researcher; ``age`` backdates it (two hours: expired)."""
    user = DemoUser(user_id, user_id, country, "faculty@uni.example", registered=registered, grants=grants)
    issued = issue_passport(user, key, now=datetime.now(UTC) - age, audience=audience)
    assert issued is not None
    return issued


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
