"""The commands a steward types: generate a cohort in every format, convert phenopackets, ingest them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pmbridge.cli._app import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "examples"


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _rows(store: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    out = tmp_path_factory.mktemp("formats") / "rome.jsonl"
    output = _invoke(
        "generate", "--cohort", "rome", "--region", "eu-south", "--size", "40", "--seed", "3",
        "--out", str(out), "--workers", "1", "--data-dir", str(shared_data),
        "--also", "fhir", "--also", "omop", "--also", "vcf",
    )  # fmt: skip
    for written in ("rome.fhir.ndjson", "rome.omop", "rome.vcf.gz, rome.samples.tsv"):
        assert written in output.replace(str(out.parent) + "/", "")
    return out


def test_generate_also_writes_every_format_and_each_ingests(cohort: Path, shared_data: Path) -> None:
    folder = cohort.parent
    assert (folder / "rome.vcf.gz.tbi").is_file()
    assert (folder / "rome.omop" / "person.csv").is_file()
    common = ["--dataset", "rome", "--data-dir", str(shared_data), "--quiet", "--workers", "1"]
    _invoke("ingest", "--store", str(folder / "p.duckdb"), *common, str(cohort))
    _invoke("ingest", "--store", str(folder / "f.duckdb"), *common, str(folder / "rome.fhir.ndjson"))
    _invoke(
        "ingest", "--store", str(folder / "o.duckdb"), *common, str(folder / "rome.omop"),
        str(folder / "rome.vcf.gz"), "--sample-sheet", str(folder / "rome.samples.tsv"),
    )  # fmt: skip
    people = "SELECT count(*) FROM individuals"
    calls = "SELECT count(*) FROM variants"
    expected = (_rows(folder / "p.duckdb", people), _rows(folder / "p.duckdb", calls))
    assert expected[0] == [(40,)] and expected[1][0][0] > 0
    for store in ("f.duckdb", "o.duckdb"):
        assert (_rows(folder / store, people), _rows(folder / store, calls)) == expected
    assert _rows(folder / "o.duckdb", "SELECT DISTINCT origin FROM variants") == [("vcf",)]


def test_unknown_formats_are_refused_with_the_choices(cohort: Path) -> None:
    result = runner.invoke(app, ["generate", "--cohort", "x", "--region", "cn", "--size", "1", "--seed", "1",
                                 "--out", str(cohort.parent / "x.jsonl"), "--also", "hl7v2"])  # fmt: skip
    assert result.exit_code != 0 and "fhir, omop, vcf" in result.output
    assert not (cohort.parent / "x.jsonl").exists()
    result = runner.invoke(app, ["convert", str(cohort), "--to", "csv", "--out", str(cohort.parent / "c")])
    assert result.exit_code != 0 and "fhir, omop, vcf" in result.output
    result = runner.invoke(
        app, ["ingest", "--store", "s.duckdb", "--dataset", "d", "--format", "hl7", str(cohort)]
    )
    assert result.exit_code != 0 and "phenopacket, fhir, omop, vcf" in result.output


def test_convert_writes_fhir_bundles_that_ingest_as_the_phenopackets(
    tmp_path: Path, shared_data: Path
) -> None:
    packets = EXAMPLES / "phenopackets"
    out = tmp_path / "bundles"
    output = _invoke("convert", str(packets), "--to", "fhir", "--out", str(out))
    assert "wrote 5 phenopackets as fhir" in output
    assert "read back: every stored field of all 5 people was carried" in output
    bundles = sorted(out.iterdir())
    assert len(bundles) == 5
    assert all(json.loads(b.read_text())["resourceType"] == "Bundle" for b in bundles)
    common = ["--dataset", "ex", "--data-dir", str(shared_data), "--quiet", "--workers", "1"]
    _invoke("ingest", "--store", str(tmp_path / "p.duckdb"), *common, str(packets))
    _invoke("ingest", "--store", str(tmp_path / "f.duckdb"), *common, str(out))
    sql = "SELECT i.id, p.term, p.excluded FROM phenotypes p JOIN individuals i USING (ind) ORDER BY ALL"
    assert _rows(tmp_path / "f.duckdb", sql) == _rows(tmp_path / "p.duckdb", sql) != []


def test_convert_refuses_an_invalid_phenopacket_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "p1", "subject": {"id": "p1", "sex": "FEMALE"}}\n{"id": 2}\n', encoding="utf-8")
    out = tmp_path / "omop"
    result = runner.invoke(app, ["convert", str(bad), "--to", "omop", "--out", str(out)])
    assert result.exit_code == 1
    assert isinstance(result.exception, Exception) and "bad.jsonl:2 $.id" in str(result.exception)
    assert not out.exists()


def test_convert_says_what_the_format_did_not_carry(tmp_path: Path) -> None:
    """OMOP has no variants, and a person without a date of birth has no age there: said, not hidden."""
    output = _invoke("convert", str(EXAMPLES / "phenopackets"), "--to", "omop", "--out", str(tmp_path / "o"))
    assert "wrote 5 phenopackets as omop" in output
    assert "variants: not carried for 4 of 5 people" in output
    assert "age years: not carried for 5 of 5 people" in output
    assert "read back through the omop reader" in output
