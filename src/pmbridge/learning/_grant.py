"""The hub's signed grant that binds one training run to a researcher, a purpose, a vetted request and
the nodes asked: a JWT (EdDSA, the hub's Ed25519 key) that travels in every round's configuration.

A node trains only under a grant it verifies with the hub key it trusts, for a run it was named in,
before the grant expires; the researcher, their country and the purpose in it are what the node's
policy and privacy ledger judge. Flower carries the grant; it cannot change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt

from pmbridge.errors import SignatureRejected
from pmbridge.learning._spec import TrainingSpec, spec_digest, spec_from_wire, spec_to_wire
from pmbridge.model import AccessLevel, Jurisdiction
from pmbridge.policy import Researcher
from pmbridge.signing import KeyRing, SigningKey

AUDIENCE: Final = "pmbridge:learning"
LIFETIME: Final = timedelta(hours=24)
"""How long a grant holds: a training that outlives it stops at the next round."""
_LEEWAY: Final = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class TrainingGrant:
    run_id: str
    spec: TrainingSpec
    researcher: Researcher
    purpose: str
    nodes: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime

    @property
    def spec_digest(self) -> str:
        return spec_digest(self.spec)


def issue_grant(
    *,
    run_id: str,
    spec: TrainingSpec,
    researcher: Researcher,
    purpose: str,
    nodes: tuple[str, ...],
    now: datetime,
) -> TrainingGrant:
    return TrainingGrant(run_id, spec, researcher, purpose, nodes, now, now + LIFETIME)


def sign_grant(grant: TrainingGrant, key: SigningKey) -> str:
    """The grant as a compact JWT signed with the hub's key (``kid`` names it)."""
    claims = {
        "iss": "hub",
        "aud": AUDIENCE,
        "jti": grant.run_id,
        "iat": int(grant.issued_at.timestamp()),
        "exp": int(grant.expires_at.timestamp()),
        "spec": spec_to_wire(grant.spec),
        "spec_digest": grant.spec_digest,
        "researcher": _researcher_claims(grant.researcher),
        "purpose": grant.purpose,
        "nodes": list(grant.nodes),
    }
    return jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": key.key_id})


def verify_grant(token: str, hubs: KeyRing, *, node: str, now: datetime) -> TrainingGrant:
    """The grant in ``token`` if the hub's key in ``hubs`` signed it, it has not expired and it names
    ``node``; else SignatureRejected with the reason."""
    try:
        key_id = str(jwt.get_unverified_header(token).get("kid", ""))
    except jwt.PyJWTError as exc:
        raise _rejected("malformed", f"the training grant is not a JWT ({exc})") from exc
    trusted = hubs.get(key_id)
    if trusted is None or trusted.owner != "hub":
        raise _rejected(
            "unknown_key", f"the training grant is signed by key {key_id!r}, not the hub's", key_id
        )
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            trusted.key.public,
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            leeway=_LEEWAY,
            options={"require": ["exp", "iat", "jti"], "verify_exp": False},
        )
    except jwt.InvalidAudienceError as exc:
        raise _rejected("wrong_audience", "the token is not a training grant", key_id) from exc
    except jwt.PyJWTError as exc:
        raise _rejected("bad_signature", f"the training grant does not verify ({exc})", key_id) from exc
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    if now > expires + _LEEWAY:
        raise _rejected("stale", f"the training grant expired at {expires.isoformat()}", key_id)
    nodes = tuple(str(n) for n in claims.get("nodes", ()))
    if node not in nodes:
        raise _rejected("wrong_audience", f"node {node!r} is not among the grant's nodes", key_id)
    spec = spec_from_wire(claims["spec"])
    if spec_digest(spec) != claims.get("spec_digest"):
        raise _rejected("digest_mismatch", "the grant's request does not match its digest", key_id)
    return TrainingGrant(
        run_id=str(claims["jti"]),
        spec=spec,
        researcher=_researcher(claims["researcher"]),
        purpose=str(claims["purpose"]),
        nodes=nodes,
        issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
        expires_at=expires,
    )


def _researcher_claims(researcher: Researcher) -> dict[str, Any]:
    return {
        "id": researcher.id,
        "issuer": researcher.issuer,
        "level": researcher.level.value,
        "country": researcher.country,
        "jurisdiction": None if researcher.jurisdiction is None else researcher.jurisdiction.value,
        "controlled": sorted(researcher.controlled),
    }


def _researcher(claims: Mapping[str, Any]) -> Researcher:
    jurisdiction = claims.get("jurisdiction")
    return Researcher(
        str(claims["id"]),
        issuer=claims.get("issuer"),
        level=AccessLevel(claims.get("level", AccessLevel.PUBLIC.value)),
        country=claims.get("country"),
        jurisdiction=None if jurisdiction is None else Jurisdiction(jurisdiction),
        controlled=frozenset(str(c) for c in claims.get("controlled", ())),
    )


def _rejected(reason: str, message: str, key_id: str = "") -> SignatureRejected:
    return SignatureRejected(
        reason,
        message,
        key_id=key_id,
        hint="a node trains only under a grant from the hub it trusts: start the training through "
        "the hub (`pmbridge learn start` or POST /api/learning/trainings), not from Flower directly",
    )
