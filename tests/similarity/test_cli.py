"""``pmbridge rank`` in-process with Typer's CliRunner, on the shared HPO 2025-01-16 release."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command)
from pmbridge.cli._app import app
from pmbridge.errors import UnknownTerm

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, ["rank", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_json_ranking_with_english_and_chinese_labels() -> None:
    doc = json.loads(_run("Seizure", "全面发育迟缓", "--exclude", "HP:0000252", "--top", "3", "--json"))
    assert doc["hpoRelease"] == "2025-01-16"
    assert doc["method"] == "likelihood"
    assert doc["diseaseCount"] == 8359
    assert doc["query"] == {"observed": ["HP:0001250", "HP:0001263"], "excluded": ["HP:0000252"], "genes": []}
    ranked = doc["diseases"]
    assert len(ranked) == 3
    assert [d["score"] for d in ranked] == sorted((d["score"] for d in ranked), reverse=True)
    assert all(d["id"].startswith("OMIM:") and d["rank"] >= 1 for d in ranked)


def test_a_gene_brings_its_disease_to_the_top() -> None:
    doc = json.loads(_run("HP:0001250", "HP:0001263", "--gene", "scn1a", "--top", "1", "--json"))
    assert doc["query"]["genes"] == ["SCN1A"]
    assert "SCN1A" in doc["diseases"][0]["genes"]


def test_table_names_the_release_and_the_method() -> None:
    out = _run("HP:0001250", "--top", "2", "--method", "hypergeometric")
    assert "HPO 2025-01-16" in out
    assert "hypergeometric" in out
    assert "observed: HP:0001250 Seizure" in out


def test_orphanet_diseases_on_request() -> None:
    doc = json.loads(_run("HP:0001250", "--diseases", "ORPHA", "--top", "2", "--json"))
    assert all(d["id"].startswith("ORPHA:") for d in doc["diseases"])


def test_an_unknown_label_is_an_error_with_a_hint() -> None:
    result = runner.invoke(app, ["rank", "no such phenotype"])
    assert result.exit_code != 0
    assert isinstance(result.exception, UnknownTerm)
    assert "pmbridge vocab search" in result.exception.hint


@pytest.mark.parametrize("args", [[], ["HP:0001250", "--top", "0"]])
def test_usage_errors(args: list[str]) -> None:
    assert runner.invoke(app, ["rank", *args]).exit_code == 2
