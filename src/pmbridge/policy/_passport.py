"""Verify a GA4GH Passport and turn its visas into a :class:`Researcher`.

A passport that is forged, expired, from an untrusted issuer or for another audience is
rejected (:class:`~pmbridge.errors.PassportRejected`, HTTP 401). A single bad visa inside a good
passport is ignored, and the reason is kept on the researcher for the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from pmbridge.errors import PassportRejected
from pmbridge.model import AccessLevel
from pmbridge.policy._jurisdiction import jurisdiction_of
from pmbridge.policy._jwt import verify_token
from pmbridge.policy._researcher import Researcher
from pmbridge.policy._trust import PassportTrust
from pmbridge.policy._visas import STANDARD_TYPES, Visa, VisaRejected, conditions_met, read_visa

_VOUCHED: Final = frozenset({"so", "system", "peer", "dac"})
"""``by`` values that are more than the researcher's own word (``self``) or unknown."""


def researcher_from_authorization(
    header: str | None, *, trust: PassportTrust | None, now: datetime
) -> Researcher:
    """The requester behind an ``Authorization: Bearer <passport>`` header; anonymous without one."""
    if header is None or not header.strip():
        return Researcher.anonymous()
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PassportRejected("malformed", "the Authorization header is not 'Bearer <passport JWT>'")
    if trust is None:
        raise PassportRejected(
            "untrusted_issuer",
            "this node trusts no passport issuer",
            hint="send no passport for public access, or ask the node to configure [passports]",
        )
    return verify_passport(token.strip(), trust=trust, now=now)


def verify_passport(token: str, *, trust: PassportTrust, now: datetime) -> Researcher:
    """Check the passport, then each visa; raise PassportRejected for a passport that fails."""
    moment = now.timestamp() if now.tzinfo else now.replace(tzinfo=UTC).timestamp()
    claims = verify_token(token, trust, now=moment, passport=True)
    raw_visas = claims.get("ga4gh_passport_v1")
    if not isinstance(raw_visas, list) or not all(isinstance(v, str) for v in raw_visas):
        raise PassportRejected("missing_claim", "ga4gh_passport_v1 is not a list of visa JWTs")
    if len(raw_visas) > trust.max_visas:
        raise PassportRejected("too_large", f"the passport holds more than {trust.max_visas} visas")
    subject = str(claims["sub"])
    visas, ignored = _read_visas(raw_visas, subject, trust, moment)
    accepted = [v for v in visas if conditions_met(v, visas)]
    ignored += [f"{v.type}: conditions not met" for v in visas if v not in accepted]
    return _researcher(
        subject,
        issuer=str(claims["iss"]),
        visas=accepted,
        ignored=ignored,
        trust=trust,
        exp=float(claims["exp"]),
    )


def _read_visas(
    tokens: Sequence[str], subject: str, trust: PassportTrust, now: float
) -> tuple[list[Visa], list[str]]:
    visas: list[Visa] = []
    ignored: list[str] = []
    for number, token in enumerate(tokens, 1):
        try:
            visa = read_visa(
                verify_token(token, trust, now=now, passport=False), now=now, leeway=trust.leeway_seconds
            )
        except PassportRejected as exc:
            ignored.append(f"visa {number}: {exc.reason}: {exc.message}")
            continue
        except VisaRejected as exc:
            ignored.append(f"visa {number}: {exc}")
            continue
        if visa.sub != subject:
            ignored.append(
                f"visa {number}: subject differs from the passport's (LinkedIdentities not supported)"
            )
        elif visa.type not in STANDARD_TYPES and visa.type != trust.country_visa_type:
            ignored.append(f"visa {number}: custom type {visa.type!r} not supported")
        else:
            visas.append(visa)
    return visas, ignored


def _researcher(
    subject: str, *, issuer: str, visas: list[Visa], ignored: list[str], trust: PassportTrust, exp: float
) -> Researcher:
    def values(kind: str, *, vouched: bool) -> set[str]:
        return {
            v.value for v in visas if v.type == kind and (v.by in _VOUCHED if vouched else v.by is not None)
        }

    terms = values("AcceptedTermsAndPolicies", vouched=False) & trust.registered_access
    status = values("ResearcherStatus", vouched=True) & trust.registered_access
    registered = bool(terms) and bool(status)
    role, affiliation = _affiliation(sorted(values("AffiliationAndRole", vouched=False)))
    countries = {
        v.value.strip().upper()
        for v in visas
        if v.type == trust.country_visa_type and v.by in ("so", "system")
    }
    country = next(iter(countries)) if len(countries) == 1 else None
    return Researcher(
        id=subject,
        level=AccessLevel.REGISTERED if registered else AccessLevel.PUBLIC,
        issuer=issuer,
        affiliation=affiliation,
        role=role,
        country=country,
        jurisdiction=jurisdiction_of(country),
        controlled=frozenset(
            v.value for v in visas if v.type == "ControlledAccessGrants" and v.by in _VOUCHED
        ),
        expires=datetime.fromtimestamp(exp, UTC),
        ignored_visas=tuple(ignored),
    )


def _affiliation(values: list[str]) -> tuple[str | None, str | None]:
    """Role and organisation of the first AffiliationAndRole (``faculty@uni.example``)."""
    for value in values:
        role, at, organisation = value.partition("@")
        if at and role and organisation:
            return role, organisation
    return None, None
