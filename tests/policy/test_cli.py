"""``pmbridge policy check`` on real config files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.errors import ConfigError
from pmbridge.policy import generate_issuer_key, public_key_pem

runner = CliRunner()

CN_NODE = """
[node]
id = "cn-shanghai"
name = "Shanghai Rare Disease Biobank"
jurisdiction = "CN"
country = "CN"

[policy]
cn_export_route = "standard_contract"
pipia_ref = "PIPIA-2026-03"
separate_consent = true
hgr_filing_id = "HGR-2026-0042"

[policy.thresholds]
hgr_genetic_people = 200

[passports]
audience = "pmbridge-demo-network"
[[passports.issuers]]
iss = "https://broker.pmbridge.example"
public_key = "broker.pub"

[[datasets]]
id = "shanghai-rd"
name = "Shanghai rare-disease cohort"
duo = ["DUO:0000007", "IRB", "DUO:0009999"]
data_use = { diseases = ["MONDO:0005027"] }
"""


def run(*args: str) -> str:
    result = runner.invoke(app, ["policy", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_check_prints_the_effective_rules(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "broker.pub").write_bytes(public_key_pem(generate_issuer_key()))
    config = tmp_path / "node.toml"
    config.write_text(CN_NODE, encoding="utf-8")
    out = run("check", str(config), "--data-dir", str(shared_data))
    assert "CN node in CN" in out
    assert "record exports under standard_contract" in out
    assert "HGR-2026-0042" in out and "200" in out
    assert "law_enforcement is always refused" in out
    assert "trusted issuers: https://broker.pmbridge.example" in out
    assert "DS — disease specific research" in out and "IRB — ethics approval required" in out
    assert "DUO:0009999 (unknown DUO term" in out
    assert "diseases: MONDO:0005027" in out


def test_check_without_policy_table_shows_the_defaults(tmp_path: Path, shared_data: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('[node]\njurisdiction = "EU"\ncountry = "IT"\n', encoding="utf-8")
    out = run("check", str(config))
    assert "only aggregates (boolean, count) leave the EU" in out
    assert "no [passports] table, so every requester gets public access" in out


def test_check_names_a_bad_setting(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(
        '[node]\njurisdiction = "EU"\ncountry = "IT"\n[policy]\ntia_ref = 7\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["policy", "check", str(config)])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "policy.tia_ref" in str(result.exception)


@pytest.mark.parametrize("text", [None, "[node\n"])
def test_check_reports_missing_or_broken_files(tmp_path: Path, text: str | None) -> None:
    config = tmp_path / "node.toml"
    if text is not None:
        config.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["policy", "check", str(config)])
    assert isinstance(result.exception, ConfigError)


def test_check_names_a_typo_in_the_passports_table(tmp_path: Path) -> None:
    (tmp_path / "broker.pub").write_bytes(public_key_pem(generate_issuer_key()))
    config = tmp_path / "node.toml"
    config.write_text(CN_NODE.replace('audience = "', 'audeince = "'), encoding="utf-8")
    result = runner.invoke(app, ["policy", "check", str(config)])
    assert isinstance(result.exception, ConfigError)
    assert "[passports] has no setting 'audeince'; did you mean 'audience'?" in str(result.exception)
