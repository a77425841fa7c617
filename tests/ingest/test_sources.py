"""Which format each input is read as: names, first bytes, folders, URLs and --format."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import Format, Level, RawItem, RecordProblem, check_chunk, ingest, plan_sources
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import load_hpo_index, locate_data_dir

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "examples"


def _formats(*paths: Path | str, format: Format | None = None) -> list[tuple[str, Format]]:
    return [(Path(i.location).name, i.format) for i in plan_sources(list(paths), format=format).inputs]


def test_files_are_recognised_by_name_and_first_bytes(tmp_path: Path) -> None:
    packet = EXAMPLES / "phenopackets" / "mcahs1.json"
    bundle = EXAMPLES / "fhir" / "ips" / "Bundle-bundle-minimal.json"
    vcf = EXAMPLES / "vcf" / "test.vcf.gz"
    lines = tmp_path / "export.ndjson"
    lines.write_text('{"resourceType": "Patient", "id": "p1"}\n', encoding="utf-8")
    packets = tmp_path / "cohort.jsonl"
    packets.write_text('{"id": "p1", "subject": {"id": "p1"}}\n', encoding="utf-8")
    assert _formats(packet, bundle, vcf, lines, packets) == [
        ("mcahs1.json", Format.PHENOPACKET),
        ("Bundle-bundle-minimal.json", Format.FHIR),
        ("test.vcf.gz", Format.VCF),
        ("export.ndjson", Format.FHIR),
        ("cohort.jsonl", Format.PHENOPACKET),
    ]


def test_urls_name_their_format() -> None:
    plan = plan_sources(["https://fhir.example.org/fhir", "postgresql://ro@127.0.0.1:5432/cdm"])
    assert [(i.location, i.format, i.size) for i in plan.inputs] == [
        ("https://fhir.example.org/fhir", Format.FHIR, 0),
        ("postgresql://ro@127.0.0.1:5432/cdm", Format.OMOP, 0),
    ]
    with pytest.raises(IngestError, match="read as fhir, not omop"):
        plan_sources(["https://fhir.example.org/fhir"], format=Format.OMOP)


def test_a_folder_is_omop_fhir_or_a_set_of_files(tmp_path: Path) -> None:
    omop = tmp_path / "omop"
    omop.mkdir()
    (omop / "PERSON.tsv").write_text("person_id\n1\n", encoding="utf-8")  # as Athena names them
    (omop / "condition_occurrence.csv").write_text("person_id\n1\n", encoding="utf-8")
    fhir = tmp_path / "fhir"
    shutil.copytree(EXAMPLES / "fhir" / "ips", fhir)
    shutil.copy(EXAMPLES / "vcf" / "o.vcf.gz", fhir / "calls.vcf.gz")
    packets = tmp_path / "packets"
    shutil.copytree(EXAMPLES / "phenopackets", packets)
    plan = plan_sources([omop, fhir, packets])
    assert [(Path(i.location).name, i.format) for i in plan.inputs] == [
        ("omop", Format.OMOP),
        ("fhir", Format.FHIR),
        ("calls.vcf.gz", Format.VCF),
        *((p.name, Format.PHENOPACKET) for p in sorted(packets.iterdir())),
    ]
    assert [Path(i.location).name for i in plan.vcfs] == ["calls.vcf.gz"]
    assert plan.total_bytes == sum(i.size for i in plan.inputs) > 0


def test_a_folder_mixing_fhir_and_phenopackets_is_refused(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "fhir" / "ips" / "Bundle-bundle-minimal.json", tmp_path)
    shutil.copy(EXAMPLES / "phenopackets" / "mcahs1.json", tmp_path)
    with pytest.raises(IngestError, match="mixes FHIR resources and phenopackets") as caught:
        plan_sources([tmp_path])
    assert "own folder" in (caught.value.hint or "")


def test_missing_and_empty_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        plan_sources([tmp_path / "nothing.json"])
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(IngestError, match="holds no .json"):
        plan_sources([tmp_path])


def test_format_overrides_recognition(tmp_path: Path) -> None:
    odd = tmp_path / "export.txt"
    odd.write_text('{"resourceType": "Patient", "id": "p1"}', encoding="utf-8")
    assert _formats(odd) == [("export.txt", Format.FHIR)]
    assert _formats(odd, format=Format.PHENOPACKET) == [("export.txt", Format.PHENOPACKET)]


def test_mapping_notes_travel_with_the_person() -> None:
    """An error found while mapping quarantines the person's source data; a warning loads with them."""
    packet = orjson.dumps({"id": "p1", "subject": {"id": "p1", "sex": "FEMALE"}})
    source = b'{"resourceType": "Patient", "id": "p1"}'
    dangling = RecordProblem("b.json#Patient/p1", "Condition/c1.subject", "dangling reference")
    unmapped = RecordProblem("b.json#Patient/p1", "Immunization/i1", "not mapped", Level.WARNING)
    chunk = check_chunk(
        [
            RawItem("b.json#Patient/p1", packet, notes=(dangling,), original=source),
            RawItem("b.json#Patient/p2", packet.replace(b"p1", b"p2"), notes=(unmapped,)),
        ],
        dataset_id="ds",
        canonical_hpo=lambda term: term,
        hpo_release="t",
    )
    assert [(r.source, r.raw, r.problems) for r in chunk.rejected] == [
        ("b.json#Patient/p1", source, [dangling])
    ]
    assert chunk.loaded == [("p2", "b.json#Patient/p2")]
    assert chunk.problems == [dangling, unmapped]


def test_two_vcfs_of_one_name_in_one_run_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    for folder in ("batch1", "batch2"):
        (tmp_path / folder).mkdir()
        shutil.copy(EXAMPLES / "vcf" / "test.snpeff.vcf", tmp_path / folder / "calls.vcf")
    store_path = tmp_path / "s.duckdb"
    with (
        NodeStore.open(store_path) as store,
        pytest.raises(IngestError, match="2 VCFs are named calls.vcf") as caught,
    ):
        ingest(
            [tmp_path / "batch1", tmp_path / "batch2"],
            store=store,
            dataset=Dataset("ds", "ds"),
            hpo=load_hpo_index(locate_data_dir()),
            quarantine_path=tmp_path / "q.jsonl",
        )
    assert "its own name" in (caught.value.hint or "")
    with NodeStore.open(store_path, read_only=True) as store:
        assert store.table_counts()["variants"] == 0
