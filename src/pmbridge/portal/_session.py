"""Who is signed in to the portal: the session's passport, checked against the hub's trust.

The hub checks the passport again on every call the portal makes for the researcher; this module
only reads it for display (who, which visas, until when).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import jwt
from fastapi import Request

from pmbridge.errors import PassportRejected
from pmbridge.hub import demo_token, hub_of, passport_grants
from pmbridge.policy import DEMO_ISSUER, Researcher, verify_passport
from pmbridge.portal._context import portal_of
from pmbridge.portal._sessions import SESSION_COOKIE

REFRESH_BEFORE: Final = 60.0
"""Seconds before its first visa expires that a session's passport is minted again."""


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
    """The passport of the request's session, if it has a live one.

    Every call the portal makes for a researcher goes through here. On a demo hub, the passport is
    minted again when the researcher's grants changed since (the hub's grant epoch moved: a grant
    approved, revoked or expired) or when its first visa is about to expire, so a grant, and its
    revocation, shows on the very next page.
    """
    sessions = portal_of(request).sessions
    session_id = request.cookies.get(SESSION_COOKIE)
    found = sessions.signed(session_id)
    if found is None or session_id is None:
        return None
    ctx = hub_of(request)
    key = ctx.release.broker_key
    if key is None or not found.user:
        return found.passport
    epoch = ctx.access.epoch(DEMO_ISSUER, found.user)
    if epoch == found.epoch and found.refresh - time.time() > REFRESH_BEFORE:
        return found.passport
    desk = ctx.access
    minted = demo_token(
        key, found.user, grants=lambda user, now: passport_grants(desk, DEMO_ISSUER, user, now)
    ).get("passport")
    if not isinstance(minted, str):
        return found.passport
    sessions.renew(session_id, minted, epoch=epoch, refresh=first_visa_expiry(minted))
    return minted


def passport_subject(token: str) -> str:
    """Whose passport this is (``sub``), read without checking it: the hub checks it on every call."""
    try:
        subject = jwt.decode(token, options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError:
        return ""
    return subject if isinstance(subject, str) else ""


def first_visa_expiry(token: str) -> float:
    """The unix time the passport's first visa (or the passport itself) expires."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return math.inf
    ends = [claims.get("exp")]
    for raw in claims.get("ga4gh_passport_v1") or ():
        try:
            ends.append(jwt.decode(raw, options={"verify_signature": False}).get("exp"))
        except jwt.PyJWTError:
            continue
    return float(min((e for e in ends if isinstance(e, int | float)), default=math.inf))


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
