"""Whom a node trusts to sign passports and visas: issuers and their public keys, configured.

Keys come only from configuration; ``jku`` headers and URLs inside claims are never fetched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from pmbridge.errors import ConfigError

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

REGISTERED_ACCESS: Final = "https://doi.org/10.1038/s41431-018-0219-y"
"""The GA4GH Registered Access publication: the value of both registered-access visas."""

COUNTRY_VISA_TYPE: Final = "https://pmbridge.example/visa-types/Country"
"""PM Bridge's custom visa type: the country (ISO 3166-1 alpha-2) the researcher works in.

Custom visa types must be URLs (Passport spec); ``.example`` marks it as not yet registered
with GA4GH. Rules X1–X4 need the requester's country, which no standard visa carries.
"""


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """A broker or visa issuer (``iss``) and the keys its tokens must be signed with."""

    iss: str
    keys: tuple[PublicKey, ...]

    def key_ids(self) -> tuple[str, ...]:
        """The RFC 7638 thumbprints of the keys, as the ``kid`` headers should name them."""
        return tuple(key_thumbprint(k) for k in self.keys)


@dataclass(frozen=True, slots=True)
class PassportTrust:
    """A passport clearinghouse's settings: who is trusted, which audience, which visa values."""

    audience: str
    issuers: Mapping[str, TrustedIssuer]
    leeway_seconds: int = 60
    registered_access: frozenset[str] = frozenset({REGISTERED_ACCESS})
    country_visa_type: str = COUNTRY_VISA_TYPE
    max_bytes: int = 64 * 1024
    max_visas: int = 100


def key_thumbprint(key: PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: a stable ``kid``."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key))
    else:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return jwt.utils.base64url_encode(digest).decode()


def load_public_key(pem: bytes, *, where: str) -> PublicKey:
    """A P-256 or RSA (2048 bits or more) public key from PEM, the two passport algorithms' keys."""
    try:
        key = load_pem_public_key(pem)
    except ValueError as exc:
        raise ConfigError(
            f"{where}: not a PEM public key ({exc})", hint="give the issuer's public key in PEM"
        ) from None
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return key
    raise ConfigError(
        f"{where}: the key is neither P-256 (ES256) nor RSA of 2048 bits or more (RS256)",
        hint="passports are signed with ES256 or RS256",
    )


def parse_passport_trust(
    doc: Mapping[str, object], *, base: Path, where: str = "config"
) -> PassportTrust | None:
    """The ``[passports]`` table of a node config; None when absent (every requester is public).

    Each ``[[passports.issuers]]`` has ``iss`` and ``public_key`` (a PEM file, relative to the
    config, or inline PEM text).
    """
    table = doc.get("passports")
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [passports] must be a table", hint="see docs/policy.md")
    audience = table.get("audience")
    if not isinstance(audience, str) or not audience.strip():
        raise ConfigError(
            f"{where}: passports.audience is missing",
            hint="set it to the network's identifier that the broker puts in each passport's aud",
        )
    issuers = table.get("issuers", [])
    if not isinstance(issuers, list) or not issuers:
        raise ConfigError(
            f"{where}: no [[passports.issuers]]", hint="add the broker with its iss and public_key"
        )
    trusted: dict[str, TrustedIssuer] = {}
    for number, entry in enumerate(issuers, 1):
        issuer = _issuer(entry, base=base, where=f"{where}: passports.issuers[{number}]")
        old = trusted.get(issuer.iss)
        trusted[issuer.iss] = TrustedIssuer(issuer.iss, (*old.keys, *issuer.keys) if old else issuer.keys)
    leeway = table.get("leeway_seconds", 60)
    if isinstance(leeway, bool) or not isinstance(leeway, int) or not 0 <= leeway <= 300:
        raise ConfigError(f"{where}: passports.leeway_seconds must be 0 to 300, not {leeway!r}")
    values = table.get("registered_access", [REGISTERED_ACCESS])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values) or not values:
        raise ConfigError(f"{where}: passports.registered_access must be a non-empty list of URLs")
    return PassportTrust(
        audience=audience.strip(), issuers=trusted, leeway_seconds=leeway, registered_access=frozenset(values)
    )


def _issuer(entry: object, *, base: Path, where: str) -> TrustedIssuer:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where} must be a table with iss and public_key")
    iss, key = entry.get("iss"), entry.get("public_key")
    if not isinstance(iss, str) or not iss or not isinstance(key, str) or not key:
        raise ConfigError(
            f"{where}: iss and public_key are required", hint="public_key: a PEM file path or PEM text"
        )
    if key.lstrip().startswith("-----BEGIN"):
        pem = key.encode()
    else:
        path = base / key
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read public_key {path}: {exc.strerror}") from None
    return TrustedIssuer(iss, (load_public_key(pem, where=where),))
