"""A synthetic cohort written as OMOP CDM tables (``write_omop``) and read back (``read_omop``) gives
every person the same patient record as their phenopacket, variants aside (those travel as VCF);
and it goes through ``ingest`` with nothing quarantined."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pmbridge.ingest import ingest
from pmbridge.ingest._convert import to_patient_record
from pmbridge.ingest._omop_source import read_omop
from pmbridge.ingest._omop_writer import write_omop
from pmbridge.model import Dataset, PatientRecord
from pmbridge.store import NodeStore
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import load_disease_annotations, load_hpo_index, locate_data_dir

Doc = dict[str, object]
SIZE = 500


@pytest.fixture(scope="module")
def cohort() -> list[Doc]:
    spec = CohortSpec("omop", "eu-south", SIZE, 11)
    return list(
        generate_cohort(spec, annotations=load_disease_annotations(locate_data_dir()), hpo_release="t")
    )


@pytest.fixture(scope="module")
def tables(cohort: list[Doc], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("omop") / "cdm"
    assert write_omop(cohort, out) == SIZE
    return out


def comparable(record: PatientRecord) -> PatientRecord:
    """Variants left out; lists as multisets (OMOP tables keep no order across tables)."""
    return dataclasses.replace(
        record,
        variants=(),
        phenotypic_features=tuple(sorted(record.phenotypic_features, key=repr)),
        diseases=tuple(sorted(record.diseases, key=repr)),
        biosamples=tuple(sorted(record.biosamples, key=repr)),
        measurements=tuple(sorted(record.measurements, key=repr)),
        medical_actions=tuple(sorted(record.medical_actions, key=repr)),
    )


def test_every_person_reads_back_as_the_same_record(cohort: list[Doc], tables: Path) -> None:
    items = [item for item, _ in read_omop(str(tables))]
    assert len(items) == SIZE
    assert [note for item in items for note in item.notes] == []
    differences = []
    for original, (item) in zip(cohort, items, strict=True):
        expected = comparable(to_patient_record(original, dataset_id="d"))
        got = comparable(to_patient_record(json.loads(item.raw), dataset_id="d"))
        if got != expected:
            differences.append((expected, got))
    assert differences == []
    # The cohort exercises every table: the comparison is not vacuous.
    records = [to_patient_record(json.loads(item.raw), dataset_id="d") for item in items]
    assert all(r.phenotypic_features and r.diseases and r.biosamples for r in records)
    assert all(r.measurements and r.medical_actions and r.vital_status for r in records)
    assert any(f.excluded for r in records for f in r.phenotypic_features)
    assert any(f.onset for r in records for f in r.phenotypic_features)
    assert any(r.vital_status and r.vital_status.status == "DECEASED" for r in records)


def test_the_bytes_read_add_up_to_the_tables(tables: Path) -> None:
    total = sum(path.stat().st_size for path in tables.iterdir())
    assert sum(n for _, n in read_omop(str(tables))) == total


def test_the_tables_ingest_with_nothing_quarantined(tables: Path, tmp_path: Path) -> None:
    hpo = load_hpo_index(locate_data_dir())
    with NodeStore.open(tmp_path / "node.duckdb") as store:
        report = ingest(
            [tables],
            store=store,
            dataset=Dataset("omop", "omop"),
            hpo=hpo,
            quarantine_path=tmp_path / "q.jsonl",
            workers=1,
        )
    assert report.errors == []
    assert (report.loaded, report.quarantined) == (SIZE, 0)
