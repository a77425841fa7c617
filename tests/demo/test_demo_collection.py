"""The demo's Rome node describes its dataset with a MIABIS Core 3.0 collection that the node accepts;
the other demo nodes name none."""

from __future__ import annotations

from pathlib import Path

from pmbridge.demo import DemoPaths
from pmbridge.demo._keys import ensure_demo_keys
from pmbridge.demo._layout import DEMO_NODES, write_node_config
from pmbridge.demo._release import ensure_broker_key
from pmbridge.node import load_node_config


def test_the_rome_node_names_a_valid_collection(tmp_path: Path) -> None:
    paths = DemoPaths(tmp_path)
    ensure_demo_keys(paths)
    ensure_broker_key(paths)
    described = {}
    for node in DEMO_NODES:
        config = load_node_config(write_node_config(paths, node))  # checks the MIABIS file strictly
        described |= {ds: c.collection for ds, c in config.miabis.items()}
    assert list(described) == ["rome-rd"]
    rome = described["rome-rd"]
    assert (rome.age_low, rome.age_high, rome.sample_types[:2]) == (0, 90, ("Blood", "DNA"))
    assert [d.code for d in rome.diseases] == ["Q87.4", "G40"]
