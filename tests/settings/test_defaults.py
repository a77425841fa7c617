"""The runtime types built from the tables start from the models' defaults: a config that sets
nothing gives exactly what constructing them with no arguments gives."""

from __future__ import annotations

from pathlib import Path

from pmbridge.beacon import PublicApi
from pmbridge.config import default_of
from pmbridge.hub import HubConfig, HubSettings, parse_hub_config
from pmbridge.hub._release_settings import HubReleaseSettings
from pmbridge.hub._request_limits import RateLimitSettings
from pmbridge.knowledge import KnowledgeSettings
from pmbridge.model import Jurisdiction
from pmbridge.node import NodeConfig, parse_node_config
from pmbridge.node._release_settings import ReleaseSettings
from pmbridge.node._trust import TrustSettings
from pmbridge.policy import NodePolicy, PassportSettings, PassportTrust, PolicyThresholds
from pmbridge.privacy import DisclosureSettings

MINIMAL_NODE = {
    "node": {"id": "n", "name": "N", "jurisdiction": "CN", "country": "CN"},
    "datasets": [{"id": "d", "name": "D"}],
}


def test_an_empty_hub_file_is_the_hub_defaults() -> None:
    hub = parse_hub_config({}, where="hub.toml", base=Path())
    bare = HubConfig(hub.id, hub.name, hub.deadline_seconds, hub.max_reply_bytes, ())
    assert hub == bare
    assert (hub.id, hub.deadline_seconds) == (
        default_of(HubSettings, "id", str),
        default_of(HubSettings, "deadline_seconds", float),
    )
    assert hub.rate_limits == RateLimitSettings() and hub.public_api == PublicApi()
    assert hub.knowledge == KnowledgeSettings() and hub.release == HubReleaseSettings()


def test_a_node_file_with_only_what_is_required_is_the_node_defaults(tmp_path: Path) -> None:
    config = parse_node_config(MINIMAL_NODE, base=tmp_path, where="node.toml")
    assert config == NodeConfig(
        config.id,
        config.name,
        config.jurisdiction,
        config.country,
        tmp_path / "store.duckdb",
        config.datasets,
        trust=TrustSettings(audit_log=tmp_path / "audit.jsonl"),
        release=ReleaseSettings(policy=NodePolicy(Jurisdiction.CN, "CN")),
        data_use=config.data_use,
    )
    assert config.data_use["d"].codes == ("DUO:0000042",)  # general research use, no qualifiers
    assert config.release.privacy == DisclosureSettings()
    assert config.release.policy is not None and config.release.policy.thresholds == PolicyThresholds()


def test_passport_defaults_agree() -> None:
    declared = PassportSettings(audience="a", issuers=[{"iss": "i", "public_key": "k"}])  # type: ignore[list-item]
    runtime = PassportTrust(audience="a", issuers={})
    assert declared.leeway_seconds == runtime.leeway_seconds
    assert frozenset(declared.registered_access) == runtime.registered_access
