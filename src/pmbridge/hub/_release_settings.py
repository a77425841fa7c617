"""The hub's release settings (``[privacy]``, ``[passports]``, ``hub.demo_broker``) and what a serving
hub holds for them: the passport trust it checks researchers with, its own disclosure control
(``privacy.sqlite`` in ``hub.state_dir``) and, in demo mode, the broker's signing key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from pmbridge.config import default_of
from pmbridge.hub._broker import load_broker_key
from pmbridge.hub._settings import HubFile, HubSettings
from pmbridge.policy import PassportTrust, broker_trust, parse_passport_trust
from pmbridge.privacy import DisclosureControl, DisclosureSettings, SqliteLedger

PRIVACY_LEDGER = "privacy.sqlite"


@dataclass(frozen=True, slots=True)
class HubReleaseSettings:
    """``hub.demo_broker``, the hub's ``[privacy]`` table and its ``[passports]`` table."""

    demo_broker: bool = default_of(HubSettings, "demo_broker", bool)
    privacy: DisclosureSettings = field(default_factory=DisclosureSettings)
    passports: PassportTrust | None = None


def hub_release_settings(settings: HubFile, *, base: Path, where: str) -> HubReleaseSettings:
    """The release settings of a checked hub file."""
    passports = settings.passports
    return HubReleaseSettings(
        demo_broker=settings.hub.demo_broker,
        privacy=settings.privacy,
        passports=None
        if passports is None
        else parse_passport_trust({"passports": passports.model_dump()}, base=base, where=where),
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
