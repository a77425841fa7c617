"""The demo's release settings: the hub is the passport broker, every node trusts its key, and each
node keeps its jurisdiction's strict defaults (no records abroad; no genetic output leaves China).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pmbridge.hub import BROKER_PUBLIC_KEY, load_broker_key
from pmbridge.model import Jurisdiction
from pmbridge.policy import DEMO_AUDIENCE, DEMO_ISSUER

if TYPE_CHECKING:  # _layout writes the configs and imports this module
    from pmbridge.demo._layout import DemoNode, DemoPaths

DEMO_BUDGET = 500.0
"""ε per researcher, dataset and year: ten times the default, because a demo is explored far more
than a year of real use (one chart with breakdowns spends some 25)."""


def hub_state(paths: DemoPaths) -> Path:
    """The hub's state folder (``hub.state_dir``'s default beside hub.toml): broker key, ledgers."""
    return paths.root / "hub-state"


def ensure_broker_key(paths: DemoPaths) -> Path:
    """The broker's public key file, made with its private key on the first build."""
    load_broker_key(hub_state(paths))
    return hub_state(paths) / BROKER_PUBLIC_KEY


def release_tables(paths: DemoPaths, node: DemoNode) -> dict[str, object]:
    """``[policy]``, ``[privacy]`` and ``[passports]`` of a demo node's TOML.

    The CN node sets no ``hgr_filing_id``, so variant counts and allele frequencies never leave
    China, and no export route, so its records never do; the EU nodes name no transfer mechanism.
    """
    policy: dict[str, object] = {"allowed_purposes": ["research", "public_health", "statistics", "education"]}
    if node.jurisdiction is Jurisdiction.CN:
        policy["thresholds"] = {"hgr_genetic_people": 500}
    key = os.path.relpath(hub_state(paths) / BROKER_PUBLIC_KEY, paths.node_dir(node))
    return {
        "policy": policy,
        "privacy": {"yearly_epsilon_budget": DEMO_BUDGET},
        "passports": {"audience": DEMO_AUDIENCE, "issuers": [{"iss": DEMO_ISSUER, "public_key": key}]},
    }
