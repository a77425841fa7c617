"""A node's trust settings (its key, the hub's key, the skew window, the audit log) and opening them.

Settings are read with the rest of the config (``pmbridge ingest`` needs none of them); they are
checked for serving in :func:`open_trust`, so a node never starts unable to check the hub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pmbridge.audit import AuditLog
from pmbridge.errors import ConfigError
from pmbridge.signing import (
    DEFAULT_MAX_SKEW,
    KeyRing,
    RequestVerifier,
    SigningKey,
    VerifyingKey,
    load_signing_key,
    parse_public_key,
)

NONCE_FILE = "nonces.sqlite"
"""The nonces of the hub's requests seen within the skew window, beside the node's store, so that
replay protection survives a restart (docs/trust.md)."""
HUB_KEY_OWNER = "hub"
"""The name the hub's key goes by in a node's key ring: the ``actor`` of the requests it signed."""


@dataclass(frozen=True, slots=True)
class TrustSettings:
    """``node.private_key``, ``node.hub_public_key``, ``node.require_signatures``,
    ``node.max_clock_skew_seconds`` and ``node.audit_log`` (paths already resolved)."""

    private_key: Path | None = None
    hub_public_key: VerifyingKey | None = None
    require_signatures: bool = True
    max_clock_skew_seconds: float = DEFAULT_MAX_SKEW
    audit_log: Path = Path("audit.jsonl")


@dataclass(frozen=True, slots=True)
class NodeTrust:
    """What a serving node holds: its signing key, the hub-request verifier (None when signatures
    are not required) and its open audit log."""

    key: SigningKey
    verifier: RequestVerifier | None
    audit: AuditLog


def parse_trust_settings(node: Mapping[str, object], *, base: Path, where: str) -> TrustSettings:
    """Read the trust settings of a ``[node]`` table; relative paths are taken from ``base``."""
    private_key = node.get("private_key")
    hub_key = node.get("hub_public_key")
    require = node.get("require_signatures", True)
    skew = node.get("max_clock_skew_seconds", DEFAULT_MAX_SKEW)
    audit_log = node.get("audit_log", "audit.jsonl")
    if private_key is not None and (not isinstance(private_key, str) or not private_key.strip()):
        raise ConfigError(f"{where}: node.private_key must be a file path", hint='e.g. "keys/eu-rome.key"')
    if hub_key is not None and not isinstance(hub_key, str):
        raise ConfigError(
            f"{where}: node.hub_public_key must be a string",
            hint='use the text `pmbridge keys show hub.pub` prints: "ed25519:..."',
        )
    if not isinstance(require, bool):
        raise ConfigError(f"{where}: node.require_signatures must be true or false")
    if isinstance(skew, bool) or not isinstance(skew, int | float) or skew <= 0:
        raise ConfigError(
            f"{where}: node.max_clock_skew_seconds must be a positive number", hint="the default is 30"
        )
    if not isinstance(audit_log, str) or not audit_log.strip():
        raise ConfigError(f"{where}: node.audit_log must be a file path", hint='e.g. "audit.jsonl"')
    return TrustSettings(
        private_key=None if private_key is None else base / private_key,
        hub_public_key=None
        if hub_key is None
        else parse_public_key(hub_key, where=f"{where}: node.hub_public_key"),
        require_signatures=require,
        max_clock_skew_seconds=float(skew),
        audit_log=base / audit_log,
    )


def open_trust(settings: TrustSettings, *, node_id: str, state_dir: Path | None = None) -> NodeTrust:
    """Load the key and open the audit log, or refuse to serve naming the setting that is missing.

    With ``state_dir`` (the store's folder when serving) the hub's nonces are kept in its
    ``nonces.sqlite``; without it, in memory only (tests in one process).
    """
    if settings.private_key is None:
        raise ConfigError(
            f"node {node_id}: node.private_key is not set, so the node cannot sign its replies",
            hint=f"pmbridge keys generate --out keys --name {node_id}, then "
            f'set node.private_key = "keys/{node_id}.key"',
        )
    verifier = None
    if settings.require_signatures:
        if settings.hub_public_key is None:
            raise ConfigError(
                f"node {node_id}: node.hub_public_key is not set, so the node cannot check that "
                "requests come from the hub",
                hint='set node.hub_public_key = "ed25519:..." (`pmbridge keys show hub.pub`); only '
                "for local development, node.require_signatures = false serves unsigned requests",
            )
        verifier = RequestVerifier(
            keys=KeyRing({HUB_KEY_OWNER: settings.hub_public_key}),
            audience=node_id,
            max_skew=settings.max_clock_skew_seconds,
            nonce_file=None if state_dir is None else state_dir / NONCE_FILE,
        )
    key = load_signing_key(settings.private_key)
    return NodeTrust(key=key, verifier=verifier, audit=AuditLog(settings.audit_log, key=key))
