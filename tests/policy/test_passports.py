"""GA4GH Passports: what is trusted, what is refused (401) and which visas are ignored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pmbridge.errors import ConfigError, PassportRejected
from pmbridge.model import AccessLevel, Jurisdiction
from pmbridge.policy import (
    DEMO_AUDIENCE,
    DEMO_ISSUER,
    REGISTERED_ACCESS,
    PassportTrust,
    Researcher,
    TrustedIssuer,
    broker_trust,
    demo_users,
    generate_issuer_key,
    issue_passport,
    issue_visa,
    parse_passport_trust,
    public_key_pem,
    researcher_from_authorization,
    verify_passport,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return generate_issuer_key()


@pytest.fixture(scope="module")
def trust(key: ec.EllipticCurvePrivateKey) -> PassportTrust:
    return broker_trust(key)


def user(name: str) -> Any:
    return next(u for u in demo_users(controlled_dataset="rome-rd") if u.id == name)


def passport(key: Any, visas: Sequence[str], *, sub: str = "u1", alg: str = "ES256", **claims: Any) -> str:
    body = {
        "iss": DEMO_ISSUER,
        "sub": sub,
        "aud": DEMO_AUDIENCE,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
        "ga4gh_passport_v1": list(visas),
        **claims,
    }
    return jwt.encode(body, key, algorithm=alg, headers={"typ": "vnd.ga4gh.passport+jwt"})


def visa(
    key: Any,
    kind: str,
    value: str,
    *,
    by: str | None = "so",
    sub: str = "u1",
    body: dict[str, Any] | None = None,
    now: datetime = NOW,
    lifetime: timedelta = timedelta(days=1),
) -> str:
    claims: dict[str, Any] = {
        "type": kind,
        "value": value,
        "source": DEMO_ISSUER,
        "asserted": int(now.timestamp()),
    }
    if by is not None:
        claims["by"] = by
    claims.update(body or {})
    return issue_visa(key, subject=sub, visa=claims, now=now, lifetime=lifetime)


def registered(key: Any) -> list[str]:
    return [
        visa(key, "AcceptedTermsAndPolicies", REGISTERED_ACCESS, by="self"),
        visa(key, "ResearcherStatus", REGISTERED_ACCESS, by="so"),
    ]


def rejected(token: str, trust: PassportTrust, *, now: datetime = NOW) -> str:
    with pytest.raises(PassportRejected) as caught:
        verify_passport(token, trust=trust, now=now)
    assert caught.value.status == 401
    assert caught.value.code == "passport_rejected"
    return caught.value.reason


# The demo broker -------------------------------------------------------------------------------


def test_demo_eu_researcher_is_registered_in_the_eu(key: Any, trust: PassportTrust) -> None:
    token = issue_passport(user("eu-researcher"), key, now=NOW)
    assert token is not None
    assert jwt.get_unverified_header(token)["typ"] == "vnd.ga4gh.passport+jwt"
    researcher = verify_passport(token, trust=trust, now=NOW + timedelta(minutes=5))
    assert researcher.id == "eu-researcher"
    assert researcher.level is AccessLevel.REGISTERED
    assert (researcher.country, researcher.jurisdiction) == ("IT", Jurisdiction.EU)
    assert (researcher.role, researcher.affiliation) == ("faculty", "uni-roma.example")
    assert researcher.access("rome-rd") is AccessLevel.REGISTERED
    assert researcher.ignored_visas == ()
    assert researcher.expires == NOW + timedelta(hours=1)


def test_demo_cn_researcher_is_registered_in_china(key: Any, trust: PassportTrust) -> None:
    researcher = verify_passport(
        issue_passport(user("cn-researcher"), key, now=NOW) or "", trust=trust, now=NOW
    )
    assert (researcher.level, researcher.jurisdiction) == (AccessLevel.REGISTERED, Jurisdiction.CN)


def test_demo_grant_holder_has_controlled_access_to_one_dataset(key: Any, trust: PassportTrust) -> None:
    token = issue_passport(user("controlled-researcher"), key, now=NOW) or ""
    researcher = verify_passport(token, trust=trust, now=NOW)
    assert researcher.access("rome-rd") is AccessLevel.CONTROLLED
    assert researcher.access("berlin-gm") is AccessLevel.REGISTERED


def test_anonymous_has_no_passport_and_public_access(key: Any, trust: PassportTrust) -> None:
    assert issue_passport(user("anonymous"), key, now=NOW) is None
    researcher = researcher_from_authorization(None, trust=trust, now=NOW)
    assert researcher == Researcher.anonymous()
    assert researcher.is_anonymous and researcher.access("rome-rd") is AccessLevel.PUBLIC
    assert researcher.country is None


def test_bearer_header_is_read(key: Any, trust: PassportTrust) -> None:
    token = issue_passport(user("eu-researcher"), key, now=NOW)
    assert researcher_from_authorization(f"Bearer {token}", trust=trust, now=NOW).id == "eu-researcher"
    with pytest.raises(PassportRejected, match="Bearer"):
        researcher_from_authorization(f"Basic {token}", trust=trust, now=NOW)
    with pytest.raises(PassportRejected) as caught:
        researcher_from_authorization(f"Bearer {token}", trust=None, now=NOW)
    assert caught.value.reason == "untrusted_issuer"


# Refused passports -----------------------------------------------------------------------------


def test_forged_signature_is_refused(key: Any, trust: PassportTrust) -> None:
    forger = generate_issuer_key()  # signs with the broker's iss but not its key
    assert rejected(passport(forger, registered(forger)), trust) == "bad_signature"
    header, payload, signature = (issue_passport(user("eu-researcher"), key, now=NOW) or "").split(".")
    claims = jwt.utils.base64url_decode(payload).replace(b'"eu-researcher"', b'"cn-researcher"')
    tampered = ".".join([header, jwt.utils.base64url_encode(claims).decode(), signature])
    assert rejected(tampered, trust) == "bad_signature"


def test_untrusted_issuer_is_refused(trust: PassportTrust) -> None:
    other = generate_issuer_key()
    token = passport(other, [], iss="https://evil.example")
    assert rejected(token, trust) == "untrusted_issuer"


def test_expired_passport_is_refused(key: Any, trust: PassportTrust) -> None:
    token = issue_passport(user("eu-researcher"), key, now=NOW) or ""
    assert rejected(token, trust, now=NOW + timedelta(hours=1, minutes=2)) == "expired"
    # Within the clock-skew leeway (60 s) it is still accepted.
    assert verify_passport(token, trust=trust, now=NOW + timedelta(hours=1, seconds=30)).id == "eu-researcher"


def test_passport_from_the_future_is_refused(key: Any, trust: PassportTrust) -> None:
    token = issue_passport(user("eu-researcher"), key, now=NOW + timedelta(minutes=10)) or ""
    assert rejected(token, trust) == "not_yet_valid"


def test_wrong_audience_is_refused(key: Any, trust: PassportTrust) -> None:
    token = issue_passport(user("eu-researcher"), key, now=NOW, audience="another-network") or ""
    assert rejected(token, trust) == "wrong_audience"
    assert rejected(passport(key, [], aud=None), trust) == "wrong_audience"


def test_wrong_token_type_and_algorithms_are_refused(key: Any, trust: PassportTrust) -> None:
    plain = jwt.encode({"iss": DEMO_ISSUER}, key, algorithm="ES256")
    assert rejected(plain, trust) == "wrong_type"
    hmac = jwt.encode(
        {"iss": DEMO_ISSUER},
        "a-shared-secret-that-is-long-enough!",
        algorithm="HS256",
        headers={"typ": "vnd.ga4gh.passport+jwt"},
    )
    assert rejected(hmac, trust) == "unsupported_algorithm"
    assert rejected("not.a.jwt", trust) == "malformed"
    assert rejected("x" * 70_000, trust) == "too_large"


def test_missing_claims_are_refused(key: Any, trust: PassportTrust) -> None:
    assert rejected(passport(key, [], exp=None), trust) == "missing_claim"
    token = jwt.encode(
        {"iss": DEMO_ISSUER, "sub": "u1", "aud": DEMO_AUDIENCE, "iat": 1, "exp": 2**40},
        key,
        algorithm="ES256",
        headers={"typ": "vnd.ga4gh.passport+jwt"},
    )
    assert rejected(token, trust) == "missing_claim"  # no ga4gh_passport_v1


def test_rs256_issuer_and_key_rotation(key: Any) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    trust = PassportTrust(
        audience=DEMO_AUDIENCE,
        issuers={DEMO_ISSUER: TrustedIssuer(DEMO_ISSUER, (key.public_key(), rsa_key.public_key()))},
    )
    token = passport(rsa_key, [], alg="RS256")
    assert verify_passport(token, trust=trust, now=NOW).level is AccessLevel.PUBLIC


# Ignored visas ---------------------------------------------------------------------------------


def test_expired_visa_is_ignored(key: Any, trust: PassportTrust) -> None:
    stale = visa(
        key, "ResearcherStatus", REGISTERED_ACCESS, now=NOW - timedelta(days=40), lifetime=timedelta(days=30)
    )
    terms = visa(key, "AcceptedTermsAndPolicies", REGISTERED_ACCESS, by="self")
    researcher = verify_passport(passport(key, [terms, stale]), trust=trust, now=NOW)
    assert researcher.level is AccessLevel.PUBLIC
    assert len(researcher.ignored_visas) == 1 and "expired" in researcher.ignored_visas[0]


def test_visa_from_an_untrusted_issuer_is_ignored(key: Any, trust: PassportTrust) -> None:
    forged_grant = visa(generate_issuer_key(), "ControlledAccessGrants", "rome-rd", by="dac")
    researcher = verify_passport(passport(key, [*registered(key), forged_grant]), trust=trust, now=NOW)
    assert researcher.access("rome-rd") is AccessLevel.REGISTERED
    assert "bad_signature" in researcher.ignored_visas[0]


def test_value_comparison_is_full_string_and_case_sensitive(key: Any, trust: PassportTrust) -> None:
    grants = [
        visa(key, "ControlledAccessGrants", "Rome-RD", by="dac"),
        visa(key, "ControlledAccessGrants", "rome-rd-extra", by="dac"),
    ]
    researcher = verify_passport(passport(key, [*registered(key), *grants]), trust=trust, now=NOW)
    assert researcher.access("rome-rd") is AccessLevel.REGISTERED
    assert researcher.controlled == {"Rome-RD", "rome-rd-extra"}
    shouting = [
        visa(key, "AcceptedTermsAndPolicies", REGISTERED_ACCESS.upper(), by="self"),
        visa(key, "ResearcherStatus", REGISTERED_ACCESS, by="so"),
    ]
    assert verify_passport(passport(key, shouting), trust=trust, now=NOW).level is AccessLevel.PUBLIC


def test_self_asserted_status_and_grants_do_not_count(key: Any, trust: PassportTrust) -> None:
    visas = [
        visa(key, "AcceptedTermsAndPolicies", REGISTERED_ACCESS, by="self"),
        visa(key, "ResearcherStatus", REGISTERED_ACCESS, by="self"),
        visa(key, "ControlledAccessGrants", "rome-rd", by="self"),
        visa(key, "ControlledAccessGrants", "berlin-gm", by=None),
    ]
    researcher = verify_passport(passport(key, visas), trust=trust, now=NOW)
    assert researcher.level is AccessLevel.PUBLIC
    assert researcher.controlled == frozenset()


def test_visa_for_another_subject_is_ignored(key: Any, trust: PassportTrust) -> None:
    other = visa(key, "ControlledAccessGrants", "rome-rd", by="dac", sub="someone-else")
    researcher = verify_passport(passport(key, [*registered(key), other]), trust=trust, now=NOW)
    assert researcher.controlled == frozenset()
    assert "LinkedIdentities" in researcher.ignored_visas[0]


AFFILIATION = "faculty@uni-roma.example"


@pytest.mark.parametrize(
    ("conditions", "granted"),
    [
        ([[{"type": "AffiliationAndRole", "value": f"const:{AFFILIATION}"}]], True),
        ([[{"type": "AffiliationAndRole", "value": "pattern:faculty@*", "by": "const:system"}]], True),
        ([[{"type": "AffiliationAndRole", "value": "const:FACULTY@uni-roma.example"}]], False),
        ([[{"type": "AffiliationAndRole", "value": "split_pattern:student@*"}]], False),
        (
            [
                [{"type": "AffiliationAndRole", "value": "const:student@x.example"}],
                [{"type": "ResearcherStatus", "value": f"const:{REGISTERED_ACCESS}"}],
            ],
            True,
        ),
        ([[{"type": "AffiliationAndRole", "value": "regex:faculty@.*"}]], False),  # unsupported match type
        ([[{"type": "AffiliationAndRole", "asserted": "const:1"}]], False),  # not a clause claim
        ([[{"value": f"const:{AFFILIATION}"}]], False),  # no type
        ([], False),
        ("not a list", False),
    ],
)
def test_visa_conditions(key: Any, trust: PassportTrust, conditions: Any, granted: bool) -> None:
    affiliation = visa(key, "AffiliationAndRole", AFFILIATION, by="system")
    grant = visa(key, "ControlledAccessGrants", "rome-rd", by="dac", body={"conditions": conditions})
    researcher = verify_passport(passport(key, [*registered(key), affiliation, grant]), trust=trust, now=NOW)
    assert (researcher.access("rome-rd") is AccessLevel.CONTROLLED) is granted
    assert bool(researcher.ignored_visas) is not granted


def test_a_condition_cannot_be_met_by_a_conditional_visa(key: Any, trust: PassportTrust) -> None:
    loop = [[{"type": "ControlledAccessGrants", "value": "const:rome-rd"}]]
    a = visa(key, "ControlledAccessGrants", "rome-rd", by="dac", body={"conditions": loop})
    researcher = verify_passport(passport(key, [a]), trust=trust, now=NOW)
    assert researcher.controlled == frozenset()


def test_country_must_be_vouched_for_and_unambiguous(key: Any, trust: PassportTrust) -> None:
    country = trust.country_visa_type
    self_claimed = verify_passport(passport(key, [visa(key, country, "IT", by="self")]), trust=trust, now=NOW)
    assert self_claimed.country is None
    two = [visa(key, country, "IT", by="system"), visa(key, country, "CN", by="system")]
    assert verify_passport(passport(key, two), trust=trust, now=NOW).jurisdiction is None


# Trust from the node config ------------------------------------------------------------------


def test_trust_from_toml(tmp_path: Path, key: Any) -> None:
    (tmp_path / "broker.pub").write_bytes(public_key_pem(key))
    doc = {
        "passports": {
            "audience": DEMO_AUDIENCE,
            "issuers": [{"iss": DEMO_ISSUER, "public_key": "broker.pub"}],
        }
    }
    trust = parse_passport_trust(doc, base=tmp_path)
    assert trust is not None and trust.leeway_seconds == 60
    token = issue_passport(user("eu-researcher"), key, now=NOW) or ""
    assert verify_passport(token, trust=trust, now=NOW).level is AccessLevel.REGISTERED
    assert parse_passport_trust({}, base=tmp_path) is None


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"issuers": [{"iss": "a", "public_key": "k.pub"}]}, "audience"),
        ({"audience": "net"}, "no [[passports.issuers]]"),
        ({"audience": "net", "issuers": [{"iss": "a", "public_key": "missing.pub"}]}, "cannot read"),
        (
            {"audience": "net", "issuers": [{"iss": "a", "public_key": "-----BEGIN PUBLIC KEY-----\nxx"}]},
            "PEM",
        ),
        (
            {"audience": "net", "issuers": [{"iss": "a", "public_key": "k.pub"}], "leeway_seconds": 3600},
            "leeway",
        ),
    ],
)
def test_bad_trust_settings_are_named(tmp_path: Path, key: Any, table: dict[str, Any], fragment: str) -> None:
    (tmp_path / "k.pub").write_bytes(public_key_pem(key))
    with pytest.raises(ConfigError, match="passports|PEM") as caught:
        parse_passport_trust({"passports": table}, base=tmp_path)
    assert fragment in str(caught.value)


def test_weak_keys_are_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    small = ec.generate_private_key(ec.SECP384R1()).public_key()
    pem = small.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    doc = {"passports": {"audience": "n", "issuers": [{"iss": "a", "public_key": pem.decode()}]}}
    with pytest.raises(ConfigError, match="P-256"):
        parse_passport_trust(doc, base=tmp_path)
