"""Parity: one synthetic cohort ingested as Phenopackets and as FHIR (``write_fhir``) gives the
same stored rows and the same Beacon counts; the FHIR examples go in through ``pmbridge ingest``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pmbridge.ingest import IngestReport, ingest
from pmbridge.ingest._fhir_export import write_fhir
from pmbridge.model import (
    AgeFilter,
    Dataset,
    DiseaseFilter,
    Filter,
    GeneFilter,
    IndividualQuery,
    Operator,
    PhenotypeFilter,
    SexFilter,
)
from pmbridge.store import NodeStore
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import Hpo, HpoIndex, load_disease_annotations, load_hpo_index, locate_data_dir

# Every table a FHIR person reaches, compared row for row with the person's id for the row key.
TABLES = (
    "individuals",
    "phenotypes",
    "diseases",
    "variants",
    "biosamples",
    "measurements",
    "medical_actions",
    "vital_status",
)


@pytest.fixture(scope="module")
def hpo() -> HpoIndex:
    return load_hpo_index(locate_data_dir())


def run(paths: list[Path], store_path: Path, hpo: HpoIndex) -> IngestReport:
    with NodeStore.open(store_path) as store:
        return ingest(
            paths,
            store=store,
            dataset=Dataset("ds", "ds"),
            hpo=hpo,
            quarantine_path=store_path.with_suffix(".quarantine.jsonl"),
        )


def rows(store_path: Path, table: str) -> list[tuple[object, ...]]:
    who = "i.id AS person, t.* EXCLUDE (ind)" if table != "individuals" else "t.* EXCLUDE (ind)"
    sql = f"SELECT {who} FROM {table} t JOIN individuals i ON i.ind = t.ind"
    with NodeStore.open(store_path, read_only=True) as store:
        return sorted(store.connection.execute(sql).fetchall(), key=repr)


@pytest.mark.slow
def test_same_cohort_as_phenopackets_and_as_fhir_gives_the_same_answers(
    tmp_path: Path, hpo: HpoIndex
) -> None:
    located = locate_data_dir()
    spec = CohortSpec("parity", "eu-south", 200, 5)
    release = Hpo.load(located).release
    docs: list[dict[str, Any]] = list(
        generate_cohort(spec, annotations=load_disease_annotations(located), hpo_release=release)
    )
    lines = tmp_path / "cohort.jsonl"
    lines.write_text("".join(json.dumps(d) + "\n" for d in docs))
    write_fhir(docs, tmp_path / "cohort.ndjson")
    as_pp = run([lines], tmp_path / "pp.duckdb", hpo)
    as_fhir = run([tmp_path / "cohort.ndjson"], tmp_path / "fhir.duckdb", hpo)
    assert (as_pp.loaded, as_fhir.loaded, as_fhir.quarantined) == (200, 200, 0)
    assert not as_fhir.warnings or {p.reason for p in as_fhir.warnings} <= {p.reason for p in as_pp.warnings}
    for table in TABLES:
        expected = rows(tmp_path / "pp.duckdb", table)
        assert expected, table
        assert rows(tmp_path / "fhir.duckdb", table) == expected, table
    battery: list[Filter] = [SexFilter("FEMALE"), SexFilter("MALE"), SexFilter("FEMALE", negate=True)]
    battery += [AgeFilter(op, years) for op in (Operator.GE, Operator.LT) for years in (2.0, 18.0, 65.0)]
    battery += [PhenotypeFilter(t) for t in ("HP:0000118", "HP:0000707", "HP:0001507", "HP:0000478")]
    battery += [PhenotypeFilter(t, include_descendants=False) for t in _most_common(docs, _features, 20)]
    battery += [DiseaseFilter(d) for d in _most_common(docs, _diseases, 15)]
    battery += [GeneFilter(g) for g in _most_common(docs, _genes, 10)]
    assert len(battery) >= 50
    with (
        NodeStore.open(tmp_path / "pp.duckdb", read_only=True) as pp,
        NodeStore.open(tmp_path / "fhir.duckdb", read_only=True) as fhir,
    ):
        assert pp.table_counts() == fhir.table_counts()
        answered = 0
        for one in battery:
            query = IndividualQuery((one,))
            answer = pp.count_individuals(query)
            assert fhir.count_individuals(query) == answer, one
            answered += bool(answer)
        assert answered >= 45  # the battery asks about people who are there


def _features(doc: dict[str, Any]) -> list[str]:
    return [f["type"]["id"] for f in doc.get("phenotypicFeatures", [])]


def _diseases(doc: dict[str, Any]) -> list[str]:
    return [d["term"]["id"] for d in doc.get("diseases", [])]


def _genes(doc: dict[str, Any]) -> list[str]:
    calls = [c for i in doc.get("interpretations", []) for c in i["diagnosis"]["genomicInterpretations"]]
    return [c["variantInterpretation"]["variationDescriptor"]["geneContext"]["symbol"] for c in calls]


def _most_common(
    docs: list[dict[str, Any]], values: Callable[[dict[str, Any]], list[str]], n: int
) -> list[str]:
    return [value for value, _ in Counter(v for doc in docs for v in set(values(doc))).most_common(n)]


def test_fhir_examples_go_in_through_ingest(shared_data: Path, tmp_path: Path, hpo: HpoIndex) -> None:
    fhir = shared_data / "examples" / "fhir"
    inputs = [
        fhir / "ips" / "Bundle-IPS-examples-Bundle-01.json",
        fhir / "ips" / "Bundle-bundle-minimal.json",
        fhir / "genomics-reporting" / "Bundle-bundle-cgexample.json",
        fhir / "genomics-reporting" / "Bundle-bundle-compound-heterozygote.json",
        fhir / "genomics-reporting" / "Bundle-bundle-oncologyexamples-r4.json",
        fhir / "ips" / "Specimen-specimen-example-1.json",  # its Patient is not there: quarantined
    ]
    report = run(inputs, tmp_path / "n.duckdb", hpo)
    assert (report.read, report.loaded, report.quarantined) == (6, 5, 1)
    assert {p.source.rsplit("#", 1)[1] for p in report.errors} == {"Patient/66033"}
    assert any("AllergyIntolerance" in p.path for p in report.warnings)
    with NodeStore.open(tmp_path / "n.duckdb", read_only=True) as store:
        assert store.count_individuals(IndividualQuery((GeneFilter("ACAD9"),))) == {"ds": 1}
        # The implication ties the variant to a disease; it does not say the patient has it.
        assert not store.count_individuals(IndividualQuery((DiseaseFilter("MONDO:0012624"),)))
    quarantined = [json.loads(line) for line in (tmp_path / "n.quarantine.jsonl").read_text().splitlines()]
    assert len(quarantined) == 1
    assert "Specimen" in json.dumps(quarantined[0])  # the FHIR resources are kept, not the mapping
