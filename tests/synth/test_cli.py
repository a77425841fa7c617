"""``pmbridge generate`` through Typer's test runner."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
from typer.testing import CliRunner

from pmbridge.cli._app import app
from pmbridge.synth import CohortSpec, write_cohort
from pmbridge.vocab import DiseaseAnnotation

runner = CliRunner()


def test_generate_writes_the_cohort(
    tmp_path: Path, shared_data: Path, annotations: dict[str, DiseaseAnnotation], labels: dict[str, str]
) -> None:
    out = tmp_path / "cohort.jsonl"
    args = ["generate", "--cohort", "cli", "--region", "cn", "--size", "60", "--seed", "9"]
    result = runner.invoke(app, [*args, "--out", str(out), "--workers", "1", "--data-dir", str(shared_data)])
    assert result.exit_code == 0, result.output
    assert "wrote 60 phenopackets" in result.output
    docs = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [d["id"] for d in docs] == [f"cli-{i:07d}" for i in range(60)]
    assert docs[0]["phenotypicFeatures"][0]["type"]["label"]  # HPO labels are filled in
    expected = tmp_path / "api.jsonl"
    write_cohort(
        CohortSpec("cli", "cn", 60, 9),
        expected,
        annotations=annotations,
        hpo_release="2025-01-16",
        labels=labels,
    )
    assert out.read_bytes() == expected.read_bytes()


def test_unknown_region_names_the_valid_ones(tmp_path: Path) -> None:
    args = ["generate", "--cohort", "x", "--region", "atlantis", "--size", "5", "--seed", "1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2
    message = re.sub(r"[\s│]+", " ", result.output)  # undo Rich's boxed line wrapping
    assert "unknown region 'atlantis'" in message
    assert "cn, eu-north, eu-south" in message
    assert not (tmp_path / "x.jsonl").exists()
