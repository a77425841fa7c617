"""Verify one passport or visa JWT against the configured trusted issuers, with reasons on failure.

Time checks are done here, not by PyJWT, so ``now`` can be given and each failure gets its own
reason word (see :class:`~pmbridge.errors.PassportRejected`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pmbridge.errors import PassportRejected
from pmbridge.policy._trust import PassportTrust, PublicKey, key_thumbprint

ALGORITHMS: Final = ("ES256", "RS256")
PASSPORT_TYP: Final = "vnd.ga4gh.passport+jwt"
VISA_TYPS: Final = frozenset({"vnd.ga4gh.visa+jwt", "jwt"})
"""Visa document tokens. ``at+jwt`` visas need the issuer's userinfo endpoint, which is never called."""


def verify_token(token: str, trust: PassportTrust, *, now: float, passport: bool) -> dict[str, Any]:
    """The verified claims of a passport (``passport=True``) or visa JWT; raises PassportRejected."""
    kind = "passport" if passport else "visa"
    if len(token) > trust.max_bytes:
        raise PassportRejected("too_large", f"the {kind} is larger than {trust.max_bytes} bytes")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise PassportRejected("malformed", f"the {kind} is not a JWT: {exc}") from None
    _check_typ(header, passport=passport)
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise PassportRejected(
            "unsupported_algorithm",
            f"the {kind} is signed with {algorithm!r}; only ES256 and RS256 are accepted",
        )
    issuer = trust.issuers.get(str(unverified.get("iss")))
    if issuer is None:
        raise PassportRejected(
            "untrusted_issuer",
            f"the {kind} issuer {unverified.get('iss')!r} is not a trusted issuer of this node",
            hint="use a passport from the network's broker; nodes list brokers in [[passports.issuers]]",
        )
    claims = _verified(token, algorithm, _candidate_keys(issuer.keys, header.get("kid")), kind)
    _check_times(claims, trust, now=now, kind=kind)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise PassportRejected("missing_claim", f"the {kind} has no sub (subject)")
    if passport:
        _check_audience(claims, trust.audience)
    return claims


def _check_typ(header: Mapping[str, Any], *, passport: bool) -> None:
    typ = str(header.get("typ", "")).lower().removeprefix("application/")
    if passport and typ != PASSPORT_TYP:
        raise PassportRejected(
            "wrong_type", f"the token's typ is {header.get('typ')!r}, not {PASSPORT_TYP!r}"
        )
    if not passport and typ and typ not in VISA_TYPS:
        raise PassportRejected("wrong_type", f"visa typ {header.get('typ')!r} is not a visa document token")


def _candidate_keys(keys: tuple[PublicKey, ...], kid: object) -> tuple[PublicKey, ...]:
    named = tuple(k for k in keys if kid is not None and key_thumbprint(k) == kid)
    return named or keys


def _verified(token: str, algorithm: str, keys: tuple[PublicKey, ...], kind: str) -> dict[str, Any]:
    wanted = ec.EllipticCurvePublicKey if algorithm == "ES256" else rsa.RSAPublicKey
    options = {
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "verify_aud": False,
        "verify_iss": False,
    }
    for key in keys:
        if not isinstance(key, wanted):
            continue
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=[algorithm], options=options)  # type: ignore[arg-type]
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise PassportRejected("malformed", f"the {kind} cannot be read: {exc}") from None
        return claims
    raise PassportRejected(
        "bad_signature",
        f"the {kind}'s signature does not verify with the issuer's configured keys (forged or re-signed)",
    )


def _check_times(claims: Mapping[str, Any], trust: PassportTrust, *, now: float, kind: str) -> None:
    leeway = trust.leeway_seconds
    for name in ("exp", "iat"):
        value = claims.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PassportRejected("missing_claim", f"the {kind} has no numeric {name}")
    if now > claims["exp"] + leeway:
        raise PassportRejected("expired", f"the {kind} expired {int(now - claims['exp'])} s ago")
    if claims["iat"] > now + leeway:
        raise PassportRejected(
            "not_yet_valid", f"the {kind} was issued in the future (iat); check the clocks"
        )
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and not isinstance(nbf, bool) and nbf > now + leeway:
        raise PassportRejected("not_yet_valid", f"the {kind} is not valid before {int(nbf)} (nbf)")


def _check_audience(claims: Mapping[str, Any], audience: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if audience not in audiences:
        raise PassportRejected(
            "wrong_audience",
            f"the passport is for {aud!r}, not this network ({audience!r})",
            hint="get a passport issued for this network",
        )
