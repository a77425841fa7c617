"""The hub's release settings (``[privacy]``, ``[passports]``, ``hub.demo_broker``) and what a serving
hub holds for them: the passport trust it checks researchers with, its own disclosure control
(``privacy.sqlite`` in ``hub.state_dir``) and, in demo mode, the broker's signing key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from pmbridge.errors import ConfigError
from pmbridge.hub._broker import load_broker_key
from pmbridge.policy import PassportTrust, broker_trust, parse_passport_trust
from pmbridge.privacy import DisclosureControl, DisclosureSettings, SqliteLedger

PRIVACY_LEDGER = "privacy.sqlite"


@dataclass(frozen=True, slots=True)
class HubReleaseSettings:
    """``hub.demo_broker``, the hub's ``[privacy]`` table and its ``[passports]`` table."""

    demo_broker: bool = False
    privacy: DisclosureSettings = field(default_factory=DisclosureSettings)
    passports: PassportTrust | None = None


def parse_hub_release(doc: Mapping[str, object], *, base: Path, where: str) -> HubReleaseSettings:
    """Read the hub's release settings from its whole TOML document."""
    hub = doc.get("hub", {})
    demo = hub.get("demo_broker", False) if isinstance(hub, Mapping) else False
    if not isinstance(demo, bool):
        raise ConfigError(f"{where}: hub.demo_broker must be true or false, not {demo!r}")
    privacy = doc.get("privacy", {})
    if not isinstance(privacy, Mapping):
        raise ConfigError(f"{where}: [privacy] must be a table", hint="see docs/privacy.md")
    try:
        settings = DisclosureSettings.from_mapping(privacy)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None
    return HubReleaseSettings(
        demo_broker=demo, privacy=settings, passports=parse_passport_trust(doc, base=base, where=where)
    )


@dataclass(frozen=True, slots=True)
class HubRelease:
    """A serving hub's passport trust, disclosure control and (demo mode) broker key."""

    trust: PassportTrust | None
    disclosure: DisclosureControl
    broker_key: ec.EllipticCurvePrivateKey | None = None

    def close(self) -> None:
        self.disclosure.ledger.close()


def open_hub_release(settings: HubReleaseSettings, *, state_dir: Path) -> HubRelease:
    """Open the hub's ledger; in demo mode load (or make, on first start) the broker key, whose
    passports the hub then accepts unless ``[passports]`` names other issuers."""
    state_dir.mkdir(parents=True, exist_ok=True)
    key = load_broker_key(state_dir) if settings.demo_broker else None
    trust = settings.passports
    if trust is None and key is not None:
        trust = broker_trust(key)
    control = DisclosureControl(settings=settings.privacy, ledger=SqliteLedger(state_dir / PRIVACY_LEDGER))
    return HubRelease(trust=trust, disclosure=control, broker_key=key)
