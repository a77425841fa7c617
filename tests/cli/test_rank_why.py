"""``pmbridge rank --why``: each disease's strongest terms for and against it, on the shared HPO release."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command)
from pmbridge.cli._app import app
from pmbridge.cli._rank import WHY_LINES, why_line

runner = CliRunner()
QUERY = ("Seizure", "HP:0001263", "--exclude", "Microcephaly", "--gene", "SCN1A", "--top", "3")


def _run(*args: str) -> str:
    result = runner.invoke(app, ["rank", *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_table_shows_the_terms_for_and_against_each_disease() -> None:
    out = _run(*QUERY)
    assert "why (log10 LR)" in out
    doc = json.loads(_run(*QUERY, "--json"))
    shown = 0
    for disease in doc["diseases"]:
        evidence = disease["evidence"]
        strongest = [e for e in evidence if e["weight"] > 0][:WHY_LINES]
        strongest += [e for e in evidence if e["weight"] < 0][:WHY_LINES]
        for e in strongest:
            kind, weight, label = e["kind"], e["weight"], e["labels"]["en"]
            line = why_line(e["term"], kind=kind, weight=weight, label=label)
            assert line in out, line
            shown += 1
    assert shown >= len(doc["diseases"])
    assert "+3.00 gene: SCN1A" in out  # the gene's ratio, 1000


def test_no_why_leaves_the_column_out() -> None:
    out = _run(*QUERY, "--no-why")
    assert "why (log10 LR)" not in out and "gene: SCN1A" not in out


def test_json_gives_every_contribution_with_both_labels() -> None:
    doc = json.loads(_run(*QUERY, "--json"))
    for disease in doc["diseases"]:
        evidence = disease["evidence"]
        assert {e["kind"] for e in evidence} <= {"observed", "excluded", "gene"}
        assert all(set(e) == {"term", "kind", "weight", "labels"} for e in evidence)
        weights = [abs(e["weight"]) for e in evidence]
        assert weights == sorted(weights, reverse=True)
    seizure = next(e for d in doc["diseases"] for e in d["evidence"] if e["term"] == "HP:0001250")
    assert seizure["labels"] == {"en": "Seizure", "zh": "癫痫发作"}
    assert "evidence" not in json.loads(_run(*QUERY, "--json", "--no-why"))["diseases"][0]
