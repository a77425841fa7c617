"""Who is signed in to the portal: the session's passport, checked against the hub's trust.

The hub checks the passport again on every call the portal makes for the researcher; this module
only reads it for display (who, which visas, until when).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from fastapi import Request

from pmbridge.errors import PassportRejected
from pmbridge.hub import hub_of
from pmbridge.policy import Researcher, verify_passport
from pmbridge.portal._context import portal_of
from pmbridge.portal._sessions import SESSION_COOKIE


@dataclass(frozen=True, slots=True)
class Visa:
    """One visa of the passport, as a person reads it."""

    type: str
    value: str
    source: str
    asserted: datetime | None


@dataclass(frozen=True, slots=True)
class Session:
    """The signed-in researcher, or a problem with the passport (``researcher`` None)."""

    researcher: Researcher | None
    visas: tuple[Visa, ...] = ()
    problem: str = ""


def passport_of(request: Request) -> str | None:
    """The passport of the request's session, if it has a live one."""
    return portal_of(request).sessions.passport(request.cookies.get(SESSION_COOKIE))


def read_session(request: Request, *, now: datetime | None = None) -> Session | None:
    """The verified session of this request; None when nobody is signed in."""
    token = passport_of(request)
    if token is None:
        return None
    trust = hub_of(request).release.trust
    if trust is None:
        return Session(None, problem="this hub trusts no passport issuer")
    try:
        researcher = verify_passport(token, trust=trust, now=now or datetime.now(UTC))
    except PassportRejected as rejected:
        return Session(None, problem=rejected.message)
    return Session(researcher, visas=visas_of(token))


def visas_of(token: str) -> tuple[Visa, ...]:
    """The visas inside a passport that has been verified (each visa was checked with it)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    found = []
    for raw in claims.get("ga4gh_passport_v1") or ():
        try:
            visa = jwt.decode(raw, options={"verify_signature": False}).get("ga4gh_visa_v1")
        except jwt.PyJWTError:
            continue
        if isinstance(visa, Mapping):
            asserted = visa.get("asserted")
            found.append(
                Visa(
                    type=str(visa.get("type", "")),
                    value=str(visa.get("value", "")),
                    source=str(visa.get("source", "")),
                    asserted=datetime.fromtimestamp(asserted, UTC) if isinstance(asserted, int) else None,
                )
            )
    return tuple(found)
