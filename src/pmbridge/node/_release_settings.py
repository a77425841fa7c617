"""A node's release settings: its ``[policy]``, ``[privacy]`` and ``[passports]`` tables, and the
ledgers they need at run time (``privacy.sqlite`` and ``exports.sqlite`` beside the store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pmbridge.model import Jurisdiction
from pmbridge.node._settings import NodeFile
from pmbridge.policy import (
    ExportLedger,
    NodePolicy,
    PassportTrust,
    SqliteExportLedger,
    node_policy,
    parse_passport_trust,
)
from pmbridge.privacy import DisclosureControl, DisclosureSettings, SqliteLedger

PRIVACY_LEDGER = "privacy.sqlite"
"""ε spent, noisy answers given and cohorts released, beside the node's store."""
EXPORT_LEDGER = "exports.sqlite"
"""The yearly counters of people whose data left the jurisdiction (X3, X4), beside the store."""


@dataclass(frozen=True, slots=True)
class ReleaseSettings:
    """What a node lets out and to whom; ``policy`` None is the strict default of its jurisdiction."""

    policy: NodePolicy | None = None
    privacy: DisclosureSettings = field(default_factory=DisclosureSettings)
    passports: PassportTrust | None = None

    def policy_for(self, jurisdiction: Jurisdiction, country: str) -> NodePolicy:
        return self.policy or NodePolicy(jurisdiction, country)


def release_settings(settings: NodeFile, *, base: Path, where: str) -> ReleaseSettings:
    """The release settings of a checked node file: ``[policy]``, ``[privacy]`` and ``[passports]``."""
    passports = settings.passports
    return ReleaseSettings(
        policy=node_policy(settings.policy, node=settings.node.model_dump(), where=where),
        privacy=settings.privacy,
        passports=None
        if passports is None
        else parse_passport_trust({"passports": passports.model_dump()}, base=base, where=where),
    )


@dataclass(frozen=True, slots=True)
class ReleaseState:
    """What a serving node holds for its releases: the rules and the two ledgers."""

    policy: NodePolicy
    passports: PassportTrust | None
    disclosure: DisclosureControl
    exports: ExportLedger

    def close(self) -> None:
        """Close the privacy ledger (the export ledger opens a connection per call)."""
        self.disclosure.ledger.close()


def open_release_state(
    settings: ReleaseSettings, *, jurisdiction: Jurisdiction, country: str, store: Path
) -> ReleaseState:
    """Open the ledgers beside ``store`` (created on first use; several processes may share them)."""
    folder = store.parent
    folder.mkdir(parents=True, exist_ok=True)
    return ReleaseState(
        policy=settings.policy_for(jurisdiction, country),
        passports=settings.passports,
        disclosure=DisclosureControl(settings=settings.privacy, ledger=SqliteLedger(folder / PRIVACY_LEDGER)),
        exports=SqliteExportLedger(folder / EXPORT_LEDGER),
    )
