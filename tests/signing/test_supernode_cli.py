"""``pmbridge node learn --new-key`` / ``--show-key``: a node's SuperNode key, and the line its
hub's operator registers."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.errors import ConfigError
from pmbridge.signing import parse_supernode_key, supernode_public_line
from tests.trust import trusted

runner = CliRunner()


def _config(root: Path, learning: dict[str, object]) -> Path:
    doc = {
        "node": {
            "id": "rome",
            "name": "Rome",
            "jurisdiction": "EU",
            "country": "IT",
            "store": "store.duckdb",
        },
        "datasets": [{"id": "ds", "name": "d"}],
        "learning": {"enabled": True, **learning},
    }
    path = root / "node.toml"
    path.write_text(tomli_w.dumps(trusted(doc, root)), encoding="utf-8")
    return path


def test_new_key_creates_it_once_and_prints_the_line_to_register(tmp_path: Path) -> None:
    config = _config(tmp_path, {"supernode_key": "keys/supernode.key"})
    made = runner.invoke(app, ["node", "learn", "--config", str(config), "--new-key"])
    assert made.exit_code == 0, made.output
    line = made.stdout.strip().splitlines()[0]
    assert line == supernode_public_line(tmp_path / "keys" / "supernode.key")
    parse_supernode_key(line, where="flower_key")  # what the hub's registry accepts
    shown = runner.invoke(app, ["node", "learn", "--config", str(config), "--show-key"])
    assert shown.exit_code == 0 and shown.stdout.strip().splitlines()[0] == line
    again = runner.invoke(app, ["node", "learn", "--config", str(config), "--new-key"])
    assert isinstance(again.exception, ConfigError) and "never overwritten" in str(again.exception)


def test_without_a_key_path_the_fix_is_named(tmp_path: Path) -> None:
    config = _config(tmp_path, {})
    result = runner.invoke(app, ["node", "learn", "--config", str(config), "--new-key"])
    error = result.exception
    assert isinstance(error, ConfigError) and "learning.supernode_key is not set" in str(error)
    assert 'supernode_key = "supernode.key"' in (error.hint or "")


def test_a_node_with_tls_but_no_key_cannot_start(tmp_path: Path) -> None:
    """Checked before any process starts."""
    from pmbridge.node import start_node_learning

    config = _config(tmp_path, {"root_certificates": "ca.pem", "superlink": "superlink.example.org:9092"})
    with pytest.raises(ConfigError, match="supernode_key is not set"):
        start_node_learning(config)
