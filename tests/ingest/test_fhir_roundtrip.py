"""Phenopacket → FHIR Bundle → phenopacket keeps every mapped field: the stored record is equal
for every development file, example and synthetic person (outcomes included), and every exported
Bundle is valid FHIR R4 for the ``fhir.resources`` R4B models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.errors import ConfigError
from pmbridge.ingest import to_patient_record
from pmbridge.ingest._fhir_codes import age_to_fhir, age_to_iso
from pmbridge.ingest._fhir_export import phenopacket_to_fhir, write_fhir
from pmbridge.ingest._fhir_group import group_items
from pmbridge.ingest._fhir_source import bundle_resources, read_fhir
from pmbridge.ingest._validator import parse_phenopacket
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import Hpo, load_disease_annotations, locate_data_dir


def back(doc: dict[str, object]) -> dict[str, object]:
    bundle = json.loads(json.dumps(phenopacket_to_fhir(doc)))  # as a file would hold it
    (item,) = group_items(bundle_resources(bundle, "x"), source="x")
    assert not item.notes, item.notes  # our own export maps without a single note
    parsed, problems = parse_phenopacket(item.raw)
    assert parsed is not None and not problems, problems
    return json.loads(item.raw)  # type: ignore[no-any-return]


def assert_same_record(doc: dict[str, object]) -> None:
    assert to_patient_record(back(doc), dataset_id="d") == to_patient_record(doc, dataset_id="d")


@pytest.fixture(scope="module")
def cohort() -> list[dict[str, object]]:
    located = locate_data_dir()
    spec = CohortSpec("fhir-rt", "eu-south", 300, 11)
    hpo = Hpo.load(located)
    return list(generate_cohort(spec, annotations=load_disease_annotations(located), hpo_release=hpo.release))


def development(shared_data: Path) -> Iterator[dict[str, object]]:
    for path in sorted((shared_data / "phenopackets-dev").rglob("*.json")):
        yield json.loads(path.read_bytes())


def test_synthetic_cohort_round_trips(cohort: list[dict[str, object]]) -> None:
    assert any(doc.get("measurements") and doc.get("medicalActions") for doc in cohort)
    for doc in cohort:
        assert_same_record(doc)


def test_labels_statuses_and_ids_survive(cohort: list[dict[str, object]]) -> None:
    doc = next(d for d in cohort if d.get("interpretations") and d.get("measurements"))
    again = back(doc)
    for key in (
        "id",
        "subject",
        "diseases",
        "biosamples",
        "measurements",
        "medicalActions",
        "interpretations",
    ):
        if key == "subject":
            taxonless = {k: v for k, v in doc["subject"].items() if k != "taxonomy"}  # type: ignore[attr-defined]
            assert again[key] == taxonless
        elif key == "interpretations":
            calls = [i["diagnosis"]["genomicInterpretations"] for i in doc[key]]  # type: ignore[attr-defined]
            again_calls = [i["diagnosis"]["genomicInterpretations"] for i in again[key]]  # type: ignore[attr-defined]
            for one, other in zip(calls, again_calls, strict=True):
                for a, b in zip(one, other, strict=True):
                    assert a["interpretationStatus"] == b["interpretationStatus"]
                    va, vb = a["variantInterpretation"], b["variantInterpretation"]
                    assert va["acmgPathogenicityClassification"] == vb["acmgPathogenicityClassification"]
                    for part in ("id", "geneContext", "expressions", "vcfRecord", "allelicState"):
                        assert va["variationDescriptor"][part] == vb["variationDescriptor"][part]
        else:
            assert again[key] == doc[key], key


@pytest.mark.slow
def test_every_development_file_round_trips(shared_data: Path) -> None:
    count = 0
    for doc in development(shared_data):
        assert_same_record(doc)
        count += 1
    assert count == 4844


def test_example_phenopackets_round_trip(shared_data: Path) -> None:
    for path in sorted((shared_data / "examples" / "phenopackets").glob("*.json")):
        assert_same_record(json.loads(path.read_bytes()))


def test_exported_bundles_are_valid_fhir_r4(shared_data: Path, cohort: list[dict[str, object]]) -> None:
    docs = [
        *cohort[:50],
        *(json.loads(p.read_bytes()) for p in (shared_data / "examples" / "phenopackets").glob("*.json")),
    ]
    for doc in docs:
        Bundle.model_validate(phenopacket_to_fhir(doc))  # raises on any R4 violation


def test_write_fhir_writes_ndjson_that_reads_back_person_by_person(
    cohort: list[dict[str, object]], tmp_path: Path
) -> None:
    out = tmp_path / "cohort.ndjson"
    assert write_fhir(cohort[:40], out) == 40
    read = list(read_fhir(str(out)))
    assert [json.loads(item.raw)["id"] for item, _ in read] == [d["id"] for d in cohort[:40]]
    assert sum(size for _, size in read) == out.stat().st_size
    assert not list(tmp_path.glob(".*partial"))


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=150), st.sampled_from("YMWD")),
        min_size=1,
        max_size=4,
        unique_by=lambda part: part[1],
    ).map(
        lambda parts: (
            "P" + "".join(f"{n}{unit}" for n, unit in sorted(parts, key=lambda p: "YMWD".index(p[1])))
        )
    )
    | st.from_regex(r"P(\d+Y)?(\d+M)?(\d+D)?T\d+H", fullmatch=True)
)
def test_every_iso_8601_age_survives_a_fhir_age(iso: str) -> None:
    age = age_to_fhir(iso)
    assert age["system"] == "http://unitsofmeasure.org"
    assert age_to_iso(json.loads(json.dumps(age))) == iso


def test_write_fhir_to_a_folder_writes_a_bundle_file_a_person(
    cohort: list[dict[str, object]], tmp_path: Path
) -> None:
    out = tmp_path / "bundles"
    assert write_fhir([*cohort[:5], {**cohort[0], "id": "Patient 1/ü"}], out) == 6
    files = sorted(p.name for p in out.iterdir())
    assert f"Bundle-{cohort[0]['id']}.json" in files
    assert "Bundle-Patient_1__.json" in files
    read = {json.loads(item.raw)["id"] for item, _ in read_fhir(str(out))}
    assert read == {*(d["id"] for d in cohort[:5]), "Patient 1/ü"}
    with pytest.raises(ConfigError, match="not an empty folder"):
        write_fhir(cohort[:1], out)
    assert not list(tmp_path.glob(".*partial"))
