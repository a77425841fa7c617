"""VCF ingest against what a reviewer tried: same-named files across runs, impossible positions,
genotypes naming an ALT the record lacks, and a REF that contradicts the reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import cyvcf2
import orjson
import pytest

from pmbridge.ingest import IngestReport, VcfOptions, ingest
from pmbridge.model import Dataset
from pmbridge.store import NodeStore
from pmbridge.vocab import HpoIndex, load_hpo_index, locate_data_dir

SNPEFF = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "examples" / "vcf" / "test.snpeff.vcf"
)


@pytest.fixture(scope="module")
def hpo() -> HpoIndex:
    return load_hpo_index(locate_data_dir())


def _run(store_path: Path, inputs: list[Path], hpo: HpoIndex, **vcf: object) -> IngestReport:
    with NodeStore.open(store_path) as store:
        return ingest(
            inputs,
            store=store,
            dataset=Dataset("ds", "ds"),
            hpo=hpo,
            quarantine_path=store_path.with_suffix(".q.jsonl"),
            workers=1,
            vcf=VcfOptions(assembly="hg19", **vcf),  # type: ignore[arg-type]
        )


def _people(tmp_path: Path, vcf: Path) -> Path:
    packets = tmp_path / "people.jsonl"
    samples = cyvcf2.VCF(str(vcf)).samples
    packets.write_bytes(b"".join(orjson.dumps({"id": s, "subject": {"id": s}}) + b"\n" for s in samples))
    return packets


def test_a_same_named_vcf_in_a_later_run_says_what_it_replaces(tmp_path: Path, hpo: HpoIndex) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(SNPEFF, tmp_path / folder / "calls.vcf")
    store = tmp_path / "s.duckdb"
    first = _run(store, [_people(tmp_path, SNPEFF), tmp_path / "a" / "calls.vcf"], hpo)
    assert not [p for p in first.warnings if "replaces" in p.reason]
    with NodeStore.open(store, read_only=True) as opened:
        calls, carriers = opened.connection.execute(
            "SELECT count(*), count(DISTINCT ind) FROM variants"
        ).fetchone()
        (alleles,) = opened.connection.execute("SELECT count(*) FROM allele_counts").fetchone()
    (loaded,) = first.vcfs  # the report says what the VCF brought
    assert (loaded.file, loaded.alleles, loaded.calls, loaded.carriers) == (
        str(tmp_path / "a" / "calls.vcf"),
        alleles,
        calls,
        carriers,
    )
    assert calls > 0 and first.to_dict()["vcfs"] == [
        {"file": loaded.file, "alleles": alleles, "calls": calls, "carriers": carriers}
    ]
    second = _run(store, [tmp_path / "b" / "calls.vcf"], hpo)
    (warning,) = [p for p in second.warnings if "replaces" in p.reason]
    assert (
        "an earlier ingest of a VCF named calls.vcf" in warning.reason and "rename this one" in warning.reason
    )


def test_impossible_positions_genotypes_and_alleles_are_quarantined(tmp_path: Path, hpo: HpoIndex) -> None:
    long_alt = "A" + "C" * 70_000
    lines = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=c1,length=2000>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tp1",
        "c1\t10\t.\tA\tG\t.\t.\t.\tGT\t0/1",  # fine
        "c1\t99999999999\t.\tA\tG\t.\t.\t.\tGT\t0/1",  # beyond the contig (and 32 bits)
        "c1\t20\t.\tA\tG\t.\t.\t.\tGT\t0/3",  # allele 3 of a one-ALT record
        f"c1\t30\t.\tA\t{long_alt}\t.\t.\t.\tGT\t0/1",  # over the 64 KiB text limit
    ]
    vcf = tmp_path / "odd.vcf"
    vcf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    packets = tmp_path / "p.jsonl"
    packets.write_bytes(orjson.dumps({"id": "p1", "subject": {"id": "p1"}}) + b"\n")
    report = _run(tmp_path / "s.duckdb", [packets, vcf], hpo)
    reasons = {p.path: p.reason for p in report.errors}
    assert set(reasons) == {"line 6", "line 7", "line 8"}, reasons
    assert "beyond the end of contig c1 (2,000 bases" in reasons["line 6"]
    assert "names allele 3, but the record has 1 ALT" in reasons["line 7"]
    assert "70,001 bases is over the limit" in reasons["line 8"] and "symbolic allele" in reasons["line 8"]
    with NodeStore.open(tmp_path / "s.duckdb", read_only=True) as store:
        stored = store.connection.execute("SELECT position FROM variants").fetchall()
    assert stored == [(10,)] and report.quarantined == 3
