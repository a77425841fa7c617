"""The hub as the demo passport broker: its ES256 key in ``hub.state_dir`` and the demo users.

The private key never leaves the hub's state folder; nodes trust the public key beside it
(``broker-es256.pub.pem``) through their ``[[passports.issuers]]``. Real networks use a real
identity broker instead and leave ``hub.demo_broker`` off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from pmbridge.errors import ConfigError, QueryError
from pmbridge.policy import (
    DEMO_AUDIENCE,
    DEMO_ISSUER,
    PASSPORT_LIFETIME,
    DemoUser,
    demo_users,
    generate_issuer_key,
    issue_passport,
    issuer_key_pem,
    public_key_pem,
)

BROKER_KEY: Final = "broker-es256.pem"
BROKER_PUBLIC_KEY: Final = "broker-es256.pub.pem"


def load_broker_key(state_dir: Path) -> ec.EllipticCurvePrivateKey:
    """The broker key in ``state_dir``, made (mode 600, with its public key beside it) on first use."""
    private = state_dir / BROKER_KEY
    if not private.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        key = generate_issuer_key()
        descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(issuer_key_pem(key))
        (state_dir / BROKER_PUBLIC_KEY).write_bytes(public_key_pem(key))
        return key
    loaded = load_pem_private_key(private.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey) or not isinstance(loaded.curve, ec.SECP256R1):
        raise ConfigError(
            f"{private} is not a P-256 private key", hint=f"delete it; the hub makes a new one in {state_dir}"
        )
    public = state_dir / BROKER_PUBLIC_KEY
    if not public.exists():
        public.write_bytes(public_key_pem(loaded))
    return loaded


def user_summary(user: DemoUser) -> dict[str, object]:
    """A demo user as ``GET /api/auth/users`` lists it."""
    return {
        "id": user.id,
        "name": user.name,
        "country": user.country,
        "affiliation": user.affiliation,
        "registered": user.registered,
        "grants": list(user.grants),
        "passport": user.passport,
    }


GrantClaims = Callable[[str, datetime], Sequence[tuple[Mapping[str, Any], datetime]]]
"""A user's ControlledAccessGrants visa objects at a moment, each with when its visa expires."""


def demo_token(
    key: ec.EllipticCurvePrivateKey,
    user_id: object,
    *,
    now: datetime | None = None,
    grants: GrantClaims | None = None,
) -> dict[str, object]:
    """``POST /api/auth/token``: the named demo user's passport (None for the anonymous visitor),
    with a visa for each access grant they hold; ``refreshAt`` is when the first of those visas
    expires, so a client knows when to ask again."""
    users = {u.id: u for u in demo_users()}
    user = users.get(str(user_id)) if isinstance(user_id, str) else None
    if user is None:
        raise QueryError(
            f"unknown demo user {user_id!r}", hint=f'send {{"user": ID}} with one of: {", ".join(users)}'
        )
    moment = now or datetime.now(UTC)
    held = list(grants(user.id, moment)) if grants is not None and user.passport else []
    passport = issue_passport(user, key, now=moment, issuer=DEMO_ISSUER, audience=DEMO_AUDIENCE, grants=held)
    expires = (moment + PASSPORT_LIFETIME).replace(microsecond=0) if passport else None
    refresh = min((until for _, until in held), default=expires)
    return {
        "user": user_summary(user),
        "passport": passport,
        "expiresAt": expires.isoformat().replace("+00:00", "Z") if expires else None,
        "refreshAt": refresh.replace(microsecond=0).isoformat().replace("+00:00", "Z") if refresh else None,
    }
