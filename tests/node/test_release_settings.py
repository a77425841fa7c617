"""The release tables of node and hub configs: documented, checked, and strict when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.errors import ConfigError
from pmbridge.hub import parse_hub_config
from pmbridge.model import Jurisdiction
from pmbridge.node import parse_node_config
from pmbridge.policy import NodePolicy
from pmbridge.privacy import DisclosureSettings
from tests.node import release_node


def test_without_release_tables_a_node_keeps_the_strict_defaults(tmp_path: Path) -> None:
    doc = {
        "node": {"id": "n", "name": "N", "jurisdiction": "CN", "country": "CN"},
        "datasets": [{"id": "d", "name": "D"}],
    }
    settings = parse_node_config(doc, base=tmp_path, where="t").release
    assert settings.policy_for(Jurisdiction.CN, "CN") == NodePolicy(Jurisdiction.CN, "CN")
    assert settings.privacy == DisclosureSettings() and settings.passports is None


def test_release_tables_are_read(tmp_path: Path) -> None:
    doc = {
        **release_node.EU,
        "privacy": {"min_count": 10},
        "policy": {"transfer_mechanism": "scc", "tia_ref": "T-1"},
    }
    settings = parse_node_config(doc, base=tmp_path, where="t").release
    assert settings.privacy.min_count == 10
    assert settings.policy is not None and settings.policy.tia_ref == "T-1"
    assert settings.passports is not None and settings.passports.audience == "pmbridge-demo-network"


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"privacy": {"min_cont": 3}}, "[privacy] has no setting 'min_cont'; did you mean 'min_count'?"),
        ({"privacy": {"noise": "yes"}}, "privacy.noise must be true or false"),
        ({"policy": {"hgr_filing_id": "H-1"}}, "policy.hgr_filing_id"),  # a CN setting on an EU node
        ({"passports": {"issuers": []}}, "passports.audience"),
        ({"passports": {"audience": "a", "issuers": []}}, "passports.issuers must be a list of at least 1"),
    ],
)
def test_a_bad_release_setting_is_a_config_error_naming_it(
    tmp_path: Path, table: dict[str, object], named: str
) -> None:
    doc = {**release_node.EU, **table}
    with pytest.raises(ConfigError) as caught:
        parse_node_config(doc, base=tmp_path, where="node.toml")
    assert named in caught.value.message and caught.value.message.startswith("node.toml: ")


def test_the_hub_reads_its_release_settings(tmp_path: Path) -> None:
    hub = parse_hub_config(
        {"hub": {"demo_broker": True}, "privacy": {"min_count": 8}}, where="hub.toml", base=tmp_path
    )
    assert hub.release.demo_broker is True and hub.release.privacy.min_count == 8
    assert parse_hub_config({}, where="hub.toml").release.demo_broker is False
    with pytest.raises(ConfigError, match="hub.demo_broker"):
        parse_hub_config({"hub": {"demo_broker": "on"}}, where="hub.toml")
