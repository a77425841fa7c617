"""Every config the project writes still loads: the demo's node and hub configs, and every TOML
example in the docs holds only declared settings of the right types."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from pmbridge.config import SettingsModel
from pmbridge.demo import DEMO_NODES, DemoPaths, ensure_demo_keys, write_hub_config, write_node_config
from pmbridge.demo._release import ensure_broker_key
from pmbridge.hub import AccessTable, ConsensusTable, HubSettings, NodeEntrySettings, load_hub_config
from pmbridge.knowledge import KnowledgeTable
from pmbridge.node import DatasetSettings, NodeSettings, load_node_config
from pmbridge.policy import PassportSettings, PolicySettings
from pmbridge.privacy import DisclosureSettings

DOCS = Path(__file__).resolve().parents[2] / "docs"
TABLES: dict[str, type[SettingsModel]] = {
    "node": NodeSettings,
    "datasets": DatasetSettings,
    "policy": PolicySettings,
    "privacy": DisclosureSettings,
    "passports": PassportSettings,
    "hub": HubSettings,
    "nodes": NodeEntrySettings,
    "knowledge": KnowledgeTable,
    "access": AccessTable,
    "consensus": ConsensusTable,
}
EXAMPLES = [
    (page.name, number, block)
    for page in sorted(DOCS.glob("*.md"))
    for number, block in enumerate(
        re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.S), 1
    )
]


def test_the_demo_s_configs_load(tmp_path: Path) -> None:
    paths = DemoPaths(tmp_path)
    ensure_demo_keys(paths)
    ensure_broker_key(paths)
    urls = {}
    for number, node in enumerate(DEMO_NODES):
        config = load_node_config(write_node_config(paths, node))
        assert config.id == node.id and config.release.passports is not None
        urls[node.id] = f"http://127.0.0.1:{8101 + number}"
    hub = load_hub_config(write_hub_config(paths, urls))
    assert [n.id for n in hub.nodes] == [n.id for n in DEMO_NODES]
    assert hub.release.demo_broker and hub.knowledge.stewards
    assert [o.id for o in hub.consensus.organisers] == ["eu-researcher"]  # the demo's study organiser


def test_the_docs_have_toml_examples() -> None:
    assert {page for page, _, _ in EXAMPLES} >= {"configuration.md", "policy.md", "knowledge.md"}


@pytest.mark.parametrize(("page", "number", "block"), EXAMPLES, ids=[f"{p}#{n}" for p, n, _ in EXAMPLES])
def test_a_docs_example_holds_only_declared_settings(page: str, number: int, block: str) -> None:
    """Fragments may leave required settings out; anything else pydantic finds is a docs bug."""
    for name, value in tomllib.loads(block).items():
        assert name in TABLES, f"{page} example {number}: unknown table [{name}]"
        for table in value if isinstance(value, list) else [value]:
            try:
                TABLES[name].model_validate(table)
            except ValidationError as exc:
                wrong = [e for e in exc.errors(include_url=False) if e["type"] != "missing"]
                assert wrong == [], f"{page} example {number}, [{name}]"
