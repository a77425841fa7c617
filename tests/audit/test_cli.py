"""``pmbridge audit`` commands, run in-process with Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.signing import SigningKey, generate_key_pair, save_key_pair

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


@pytest.fixture
def pub(tmp_path: Path, audit_key: SigningKey) -> Path:
    return save_key_pair(audit_key, directory=tmp_path / "keys", name="node").public


def test_verify_an_intact_log(log_file: Path, pub: Path, audit_key: SigningKey) -> None:
    result = runner.invoke(app, ["audit", "verify", str(log_file), "--key", str(pub)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "OK: 6 entries" in result.output
    by_text = runner.invoke(app, ["audit", "verify", str(log_file), "--key", audit_key.verifying_key.text])
    assert by_text.exit_code == 0, by_text.output


def test_verify_names_the_tampered_entry_and_exits_1(log_file: Path, pub: Path) -> None:
    lines = log_file.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"signature:replayed", b"signature:ok")
    log_file.write_bytes(b"".join(lines))
    result = runner.invoke(app, ["audit", "verify", str(log_file), "--key", str(pub)], env=WIDE)
    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "line 4 (seq 4)" in result.output
    assert "edited" in result.output
    assert "the 3 entries before it are intact" in result.output


def test_verify_with_head_catches_a_cut_end(log_file: Path, pub: Path, audit_key: SigningKey) -> None:
    from pmbridge.audit import verify_audit_log

    head = verify_audit_log(log_file, keys=[audit_key.verifying_key]).head
    log_file.write_bytes(b"".join(log_file.read_bytes().splitlines(keepends=True)[:-1]))
    args = ["audit", "verify", str(log_file), "--key", str(pub)]
    assert runner.invoke(app, args).exit_code == 0
    cut = runner.invoke(app, [*args, "--head", head], env=WIDE)
    assert cut.exit_code == 1
    assert "removed from the end" in cut.output


def test_verify_with_the_wrong_key(log_file: Path, tmp_path: Path) -> None:
    other = save_key_pair(generate_key_pair(), directory=tmp_path / "k2", name="x").public
    result = runner.invoke(app, ["audit", "verify", str(log_file), "--key", str(other)], env=WIDE)
    assert result.exit_code == 1
    assert "not among the given keys" in result.output


def test_verify_needs_a_key(log_file: Path) -> None:
    assert runner.invoke(app, ["audit", "verify", str(log_file)]).exit_code == 2


def test_show_lists_entries_and_tail(log_file: Path) -> None:
    result = runner.invoke(app, ["audit", "show", str(log_file)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "6 entries shown" in result.output
    assert "signature:replayed" in result.output
    assert "granularity=count" in result.output
    tail = runner.invoke(app, ["audit", "show", str(log_file), "--tail", "2", "--json"])
    docs = [json.loads(line) for line in tail.output.splitlines()]
    assert [d["seq"] for d in docs] == [5, 6]


def test_show_marks_a_damaged_line(log_file: Path) -> None:
    with log_file.open("ab") as handle:
        handle.write(b"{not json\n")
    result = runner.invoke(app, ["audit", "show", str(log_file), "--tail", "1"], env=WIDE)
    assert result.exit_code == 0
    assert "line 7 unreadable" in result.output
