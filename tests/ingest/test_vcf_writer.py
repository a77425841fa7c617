"""The synthetic cohort's VCF + sample sheet give, through the VCF ingest, exactly the variant calls
the same cohort's phenopackets give: position, alleles, gene, HGVS, zygosity and interpretation."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pysam
import pytest

from pmbridge.ingest import to_patient_record
from pmbridge.ingest._vcf_load import VcfOptions
from pmbridge.ingest._vcf_writer import write_vcf
from pmbridge.model import Dataset, PatientRecord
from pmbridge.store import NodeStore
from pmbridge.synth import CohortSpec, generate_cohort
from pmbridge.vocab import load_disease_annotations, locate_data_dir
from tests.ingest._vcf_support import load

CALL = (
    "SELECT i.id, v.assembly, v.chromosome, v.position, v.reference, v.alternate, v.gene, "
    "array_to_string(list_sort(v.hgvs), '|'), v.zygosity, v.interpretation "
    "FROM variants v JOIN individuals i USING (ind) "
    "WHERE v.position IS NOT NULL"
)


@pytest.fixture(scope="module")
def cohort() -> list[dict[str, object]]:
    annotations = load_disease_annotations(locate_data_dir())
    spec = CohortSpec("vcf-parity", "eu-north", 400, 11)
    return list(generate_cohort(spec, annotations=annotations, hpo_release="2025-01-16"))


def calls(path: Path) -> Counter[tuple[object, ...]]:
    with NodeStore.open(path, read_only=True) as store:
        return Counter(store.connection.execute(CALL).fetchall())


def write(path: Path, records: list[PatientRecord]) -> None:
    with NodeStore.open(path) as store, store.transaction():
        store.put_datasets([Dataset("ds", "ds")])
        store.write_records(records)


def test_the_vcf_path_gives_the_phenopacket_paths_calls(
    cohort: list[dict[str, object]], tmp_path: Path
) -> None:
    records = [to_patient_record(doc, dataset_id="ds") for doc in cohort]
    write(tmp_path / "pp.duckdb", records)
    vcf, sheet = tmp_path / "cohort.vcf.gz", tmp_path / "cohort.samples.tsv"
    write_vcf(cohort, vcf, sheet)
    clinical = [
        dataclasses.replace(r, variants=tuple(v for v in r.variants if v.position is None)) for r in records
    ]
    write(tmp_path / "vcf.duckdb", clinical)
    report = load(tmp_path / "vcf.duckdb", vcf, VcfOptions(sample_sheet=sheet))
    assert report.quarantined == 0
    expected = calls(tmp_path / "pp.duckdb")
    assert sum(expected.values()) > 300  # the cohort carries variants on autosomes, X and M
    assert {k[2] for k in expected} >= {"chrX"}
    assert calls(tmp_path / "vcf.duckdb") == expected


def test_the_vcf_is_sorted_bgzipped_and_indexed(cohort: list[dict[str, object]], tmp_path: Path) -> None:
    vcf, sheet = tmp_path / "c.vcf.gz", tmp_path / "c.tsv"
    write_vcf(cohort[:50], vcf, sheet)
    assert Path(f"{vcf}.tbi").is_file()
    with pysam.VariantFile(str(vcf)) as reader:
        assert len(reader.header.samples) == 50
        contig = next(iter(reader.header.contigs))
        assert list(reader.fetch(contig))  # the index answers region queries
    lines = sheet.read_text().splitlines()
    assert lines[0] == "sample_id\tindividual_id" and len(lines) == 51
