"""The demo passport broker: an ES256 issuer key and the demo users, as pure functions.

The hub plays broker in the demo; nodes trust its public key like any other issuer's. Real
deployments use an identity broker (e.g. LS Login) and list its key in ``[[passports.issuers]]``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from pmbridge.policy._jwt import PASSPORT_TYP
from pmbridge.policy._trust import (
    COUNTRY_VISA_TYPE,
    REGISTERED_ACCESS,
    PassportTrust,
    TrustedIssuer,
    key_thumbprint,
)

DEMO_ISSUER: Final = "https://broker.pmbridge.example"
DEMO_AUDIENCE: Final = "pmbridge-demo-network"
PASSPORT_LIFETIME: Final = timedelta(hours=1)
"""Short, as bearer tokens should be: a stolen passport is useless within the hour."""
VISA_LIFETIME: Final = timedelta(days=30)
DEMO_STEWARD: Final = "kb-steward"
"""The demo user whom the demo hub lists in ``knowledge.stewards``: they may change the roadmap."""


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo account; ``passport`` False is the anonymous visitor, who gets no passport."""

    id: str
    name: str
    country: str | None
    affiliation: str | None
    registered: bool
    grants: tuple[str, ...] = ()
    passport: bool = True


def demo_users(*, controlled_dataset: str = "rome-rd") -> tuple[DemoUser, ...]:
    """The demo users: registered EU and CN researchers, a grant holder, a knowledge-base steward,
    the data stewards of the three demo nodes (who decide access requests), and anonymous."""
    return (
        DemoUser("eu-researcher", "Giulia Rossi", "IT", "faculty@uni-roma.example", registered=True),
        DemoUser("cn-researcher", "Li Wei", "CN", "faculty@fudan.example", registered=True),
        DemoUser(
            "controlled-researcher",
            "Anna Schmidt",
            "DE",
            "faculty@charite.example",
            registered=True,
            grants=(controlled_dataset,),
        ),
        DemoUser(DEMO_STEWARD, "Chen Jing", "CN", "staff@pmbridge-kb.example", registered=True),
        DemoUser("rome-steward", "Marco Bianchi", "IT", "staff@rome-biobank.example", registered=True),
        DemoUser("berlin-steward", "Jonas Weber", "DE", "staff@berlin-gmc.example", registered=True),
        DemoUser("shanghai-steward", "张敏 Zhang Min", "CN", "staff@shanghai-rdb.example", registered=True),
        DemoUser("anonymous", "Anonymous visitor", None, None, registered=False, passport=False),
    )


def generate_issuer_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key for signing passports and visas (ES256)."""
    return ec.generate_private_key(ec.SECP256R1())


def issuer_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM, for a file only the hub can read."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The public key nodes put in ``[[passports.issuers]]``."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def broker_trust(
    key: ec.EllipticCurvePrivateKey, *, issuer: str = DEMO_ISSUER, audience: str = DEMO_AUDIENCE
) -> PassportTrust:
    """The trust settings a node needs to accept this broker's passports."""
    return PassportTrust(audience=audience, issuers={issuer: TrustedIssuer(issuer, (key.public_key(),))})


def issue_visa(
    key: ec.EllipticCurvePrivateKey,
    *,
    subject: str,
    visa: Mapping[str, Any],
    now: datetime,
    issuer: str = DEMO_ISSUER,
    lifetime: timedelta = VISA_LIFETIME,
) -> str:
    """One signed visa JWT carrying ``visa`` as its ``ga4gh_visa_v1`` object."""
    claims = {
        "iss": issuer,
        "sub": subject,
        "jti": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jku": f"{issuer}/jwks",  # required by the spec; never fetched by PM Bridge
        "ga4gh_visa_v1": dict(visa),
    }
    headers = {"typ": "vnd.ga4gh.visa+jwt", "kid": key_thumbprint(key.public_key())}
    return jwt.encode(claims, key, algorithm="ES256", headers=headers)


def issue_passport(
    user: DemoUser,
    key: ec.EllipticCurvePrivateKey,
    *,
    now: datetime,
    issuer: str = DEMO_ISSUER,
    audience: str = DEMO_AUDIENCE,
    lifetime: timedelta = PASSPORT_LIFETIME,
    visa_lifetime: timedelta = VISA_LIFETIME,
    grants: Sequence[tuple[Mapping[str, Any], datetime]] = (),
) -> str | None:
    """The user's passport JWT, or None for the anonymous user.

    ``grants`` are ControlledAccessGrants visa objects from access requests, each with the moment
    its visa must expire (short: the broker mints them again while the grant lasts).
    """
    if not user.passport:
        return None
    asserted = int(now.timestamp())

    def visa(kind: str, value: str, by: str) -> str:
        body = {"type": kind, "value": value, "source": issuer, "by": by, "asserted": asserted}
        return issue_visa(key, subject=user.id, visa=body, now=now, issuer=issuer, lifetime=visa_lifetime)

    visas = []
    if user.affiliation:
        visas.append(visa("AffiliationAndRole", user.affiliation, "system"))
    if user.country:
        visas.append(visa(COUNTRY_VISA_TYPE, user.country, "system"))
    if user.registered:
        visas.append(visa("AcceptedTermsAndPolicies", REGISTERED_ACCESS, "self"))
        visas.append(visa("ResearcherStatus", REGISTERED_ACCESS, "so"))
    visas.extend(visa("ControlledAccessGrants", dataset, "dac") for dataset in user.grants)
    visas.extend(
        issue_visa(key, subject=user.id, visa=body, now=now, issuer=issuer, lifetime=expires - now)
        for body, expires in grants
        if expires > now
    )
    claims = {
        "iss": issuer,
        "sub": user.id,
        "aud": audience,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": str(uuid.uuid4()),
        "ga4gh_passport_v1": visas,
    }
    headers = {"typ": PASSPORT_TYP, "kid": key_thumbprint(key.public_key())}
    return jwt.encode(claims, key, algorithm="ES256", headers=headers)
