"""``pmbridge keys`` commands, run in-process with Typer's CliRunner."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.errors import ConfigError
from pmbridge.signing import load_signing_key, load_verifying_key

runner = CliRunner()


def test_generate_writes_a_pair_and_prints_the_registry_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["keys", "generate", "--out", str(tmp_path), "--name", "hub"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    private = load_signing_key(tmp_path / "hub.key")
    assert stat.S_IMODE((tmp_path / "hub.key").stat().st_mode) == 0o600
    assert f"key id       {private.key_id}" in result.output
    assert f'public_key = "{private.verifying_key.text}"' in result.output


def test_generate_refuses_to_replace_a_pair_unless_forced(tmp_path: Path) -> None:
    args = ["keys", "generate", "--out", str(tmp_path), "--name", "eu-rome"]
    assert runner.invoke(app, args).exit_code == 0
    first = load_verifying_key(tmp_path / "eu-rome.pub")
    again = runner.invoke(app, args)
    assert isinstance(again.exception, ConfigError)
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert load_verifying_key(tmp_path / "eu-rome.pub") != first


def test_show_public_and_private_files_give_the_same_public_key(tmp_path: Path) -> None:
    runner.invoke(app, ["keys", "generate", "--out", str(tmp_path), "--name", "node"])
    public = load_verifying_key(tmp_path / "node.pub")
    shown = runner.invoke(app, ["keys", "show", str(tmp_path / "node.pub"), "--json"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.output)
    assert doc == {"key_id": public.key_id, "public_key": public.text, "jwk": public.jwk()}
    from_private = runner.invoke(app, ["keys", "show", str(tmp_path / "node.key"), "--json"])
    assert json.loads(from_private.output) == doc
    table = runner.invoke(app, ["keys", "show", str(tmp_path / "node.key")], env={"COLUMNS": "200"})
    assert public.key_id in table.output
    assert "PRIVATE" not in table.output
    assert "private and public key" in table.output


def test_show_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "show", str(tmp_path / "none.pub")])
    assert isinstance(result.exception, ConfigError)
