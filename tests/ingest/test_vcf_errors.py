"""VCF ingest refusals (truncated file, wrong sample sheet, unknown people or assembly) leave nothing
written; a wrong REF against the FASTA quarantines its line; the FASTA left-aligns indels."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import orjson
import pysam
import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import IngestReport, Quarantine
from pmbridge.ingest._vcf_load import VcfOptions, load_vcf
from pmbridge.store import NodeStore
from tests.ingest._vcf_support import counts, load, rows, store_with, write_vcf_file

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "examples" / "vcf"
#        1234567890123456789012345678901234
GENOME = "GCTAAAAAGCTCACACACATTGCAGGGCCCATCG"
LINES = ["c1 5 . A G . . . GT 0/1 1/1", "c1 8 . A C . . . GT 0/0 0/1"]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "n.duckdb"
    store_with(path, ["p1", "p2"])
    return path


def refused(store: Path, vcf: Path, options: VcfOptions | None = None) -> str:
    """The IngestError's text; and nothing written (no variant rows, no counts, no quarantine)."""
    with pytest.raises(IngestError) as caught:
        load(store, vcf, options)
    assert rows(store) == [] and counts(store) == []
    assert not store.with_suffix(".quarantine.jsonl").exists()
    return f"{caught.value.message} | {caught.value.hint}"


def test_a_truncated_bgzip_file_is_refused(store: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes((EXAMPLES / "o.vcf.gz").read_bytes()[:30_000])
    message = refused(store, cut)
    assert "cut.vcf.gz is truncated" in message and "end-of-file" in message


def test_a_truncated_plain_gzip_file_is_refused(store: Path, tmp_path: Path) -> None:
    whole = write_vcf_file(tmp_path / "whole.vcf", ["p1", "p2"], LINES * 200)
    data = gzip.compress(whole.read_bytes())
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: len(data) - 40])
    assert "gzip stream ends early" in refused(store, cut)


def test_a_line_htslib_cannot_read_is_refused_naming_it(store: Path, tmp_path: Path) -> None:
    vcf = write_vcf_file(tmp_path / "a.vcf", ["p1", "p2"], [LINES[0], "c1 6 . A G . . . GT 0/1 x/y"])
    message = refused(store, vcf)
    assert "a.vcf: line 6 could not be read" in message


def test_sample_sheet_must_match_the_vcf_both_ways(store: Path, tmp_path: Path) -> None:
    vcf = write_vcf_file(tmp_path / "a.vcf", ["S1", "S2"], LINES)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample_id,individual_id\nS1,p1\nS3,p2\n")
    message = refused(store, vcf, VcfOptions(sample_sheet=sheet))
    assert "VCF samples not in the sheet: 'S2'" in message
    assert "sheet rows naming no sample of the VCF: 'S3'" in message
    sheet.write_text("sample_id\tindividual_id\nS1\tp1\nS2\tp2\n")  # TSV works
    load(store, vcf, VcfOptions(sample_sheet=sheet))
    assert [r[0] for r in rows(store)] == ["p1", "p2", "p2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sample,individual\nS1,p1\n", "the header is 'sample,individual'"),
        ("sample_id,individual_id\nS1,p1\nS1,p2\n", "line 3: sample 'S1' is already on line 2"),
        ("sample_id,individual_id\nS1,p1\nS2,p1\n", "line 3: individual 'p1' is already linked on line 2"),
        ("sample_id,individual_id\nS1,\n", "line 2: expected two non-empty values"),
    ],
)
def test_a_malformed_sample_sheet_is_refused(store: Path, tmp_path: Path, text: str, expected: str) -> None:
    vcf = write_vcf_file(tmp_path / "a.vcf", ["S1", "S2"], LINES)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(text)
    assert expected in refused(store, vcf, VcfOptions(sample_sheet=sheet))


def test_samples_of_people_not_in_the_dataset_are_refused(store: Path, tmp_path: Path) -> None:
    vcf = write_vcf_file(tmp_path / "a.vcf", ["p1", "stranger"], LINES)
    message = refused(store, vcf)
    assert "1 individual(s) linked to its samples are not in dataset 'ds': 'stranger'" in message


def test_a_vcf_without_an_assembly_needs_the_option(store: Path, tmp_path: Path) -> None:
    vcf = write_vcf_file(tmp_path / "a.vcf", ["p1", "p2"], LINES, header="##fileformat=VCFv4.2\n")
    assert "names no assembly" in refused(store, vcf)
    load(store, vcf, VcfOptions(assembly="hg38"))
    with NodeStore.open(store, read_only=True) as s:
        assert s.connection.execute("SELECT DISTINCT assembly FROM variants").fetchall() == [("GRCh38",)]


def test_a_sites_only_vcf_is_refused(store: Path) -> None:
    assert "has no sample columns" in refused(store, EXAMPLES / "gnomad.vcf")


def test_an_error_after_good_lines_rolls_them_back(store: Path, tmp_path: Path) -> None:
    whole = write_vcf_file(
        tmp_path / "w.vcf", ["p1", "p2"], [LINES[0]] * 3000 + ["c1 6 . A G . . . GT 0/1 x/y"]
    )
    assert "line 3005 could not be read" in refused(store, whole)


def fasta(tmp_path: Path) -> Path:
    path = tmp_path / "ref.fa"
    path.write_text(f">c1\n{GENOME}\n")
    return path


def test_with_a_fasta_indels_are_left_aligned(store: Path, tmp_path: Path) -> None:
    vcf = write_vcf_file(
        tmp_path / "a.vcf",
        ["p1", "p2"],
        [
            "c1 7 . AA A . . . GT 0/1 0/0",  # deletion in the A run: moves to its left end
            "c1 9 . G T . . . GT 0/1 0/0",  # the reference has G: fine
        ],
    )
    report = load(store, vcf, VcfOptions(fasta=fasta(tmp_path)))
    assert [r[1:5] for r in rows(store)] == [("c1", 3, "TA", "T"), ("c1", 9, "G", "T")]
    assert not report.errors and not [p for p in report.warnings if "FASTA" in p.reason]


def test_a_ref_that_contradicts_the_fasta_stops_the_run(store: Path, tmp_path: Path) -> None:
    """As bcftools norm's default (-c e): a VCF called against another assembly matches the FASTA by
    chance at a quarter of its SNVs, which would load at wrong coordinates if only mismatches went."""
    vcf = write_vcf_file(
        tmp_path / "a.vcf",
        ["p1", "p2"],
        ["c1 9 . G T . . . GT 0/1 0/0", "c1 10 . G T . . . GT 0/1 0/0"],  # the reference has C at 10
    )
    with pytest.raises(IngestError, match=r"a.vcf: line 6: REF allele mismatch at c1:10") as caught:
        load(store, vcf, VcfOptions(fasta=fasta(tmp_path)))
    assert "'C'" in caught.value.message and "nothing was ingested" in (caught.value.hint or "")
    assert rows(store) == []


def test_without_a_fasta_alleles_are_trimmed_not_moved(store: Path, tmp_path: Path) -> None:
    vcf = write_vcf_file(
        tmp_path / "a.vcf",
        ["p1", "p2"],
        ["c1 7 . AA A . . . GT 0/1 0/0", "c1 30 . CATCG CAGCG . . . GT 0/1 0/0"],
    )
    load(store, vcf)
    assert [r[1:5] for r in rows(store)] == [("c1", 7, "AA", "A"), ("c1", 32, "T", "G")]


@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools is not installed")
def test_bcf_and_indexed_bgzip_read_the_same(store: Path, tmp_path: Path) -> None:
    text = write_vcf_file(tmp_path / "a.vcf", ["p1", "p2"], LINES)
    bgzipped = tmp_path / "b.vcf.gz"
    pysam.tabix_compress(str(text), str(bgzipped))
    pysam.tabix_index(str(bgzipped), preset="vcf")
    bcf = tmp_path / "c.bcf"
    subprocess.run(["bcftools", "view", "-Ob", "-o", str(bcf), str(text)], check=True)
    found = []
    for path in (text, bgzipped, bcf):
        load(store, path)
        found.append([r[:8] for r in rows(store, f"WHERE v.source = '{path.name}'")])
    assert found[0] == found[1] == found[2] and len(found[0]) == 3


def test_a_contig_the_fasta_lacks_stops_the_run(store: Path, tmp_path: Path) -> None:
    vcf = write_vcf_file(
        tmp_path / "a.vcf", ["p1", "p2"], ["c1 7 . AA A . . . GT 0/1 0/0", "c2 5 . AC A . . . GT 0/1 0/0"]
    )
    message = refused(store, vcf, VcfOptions(fasta=fasta(tmp_path)))
    assert "contig 'c2' is not in the reference" in message and "(it has: c1)" in message


def test_lines_a_batch_check_quarantines_keep_file_order_text_and_counts(store: Path, tmp_path: Path) -> None:
    """Genotypes are checked against the ALTs for a whole batch at once, after its lines were read:
    the report still lists every bad line in file order, the quarantine holds each line's text, the
    other lines load, and a quarantined line's unstored ALTs are not counted as not loaded."""
    lines = [
        "c1 5 . A C,T . . . GT 1/2 0/1",  # loads: two alleles
        "c1 6 . A G . . . GT 0/3 0/1",  # allele 3 of one ALT: found by the batch's check
        "c1 7 . X G . . . GT 0/1 0/1",  # not a base: found as the line is read
        "c1 8 . A C,<DEL> . . . GT 0/1 4/1",  # allele 4 of two ALTs, one of them symbolic
        "c1 9 . G T . . . GT 0/1 1/1",  # loads
        "c1 10 . A <DEL> . . . GT 0/1 0/0",  # loads nothing: one symbolic ALT, counted
    ]
    vcf = write_vcf_file(tmp_path / "a.vcf", ["p1", "p2"], lines)
    report = load(store, vcf)
    assert [(p.path, p.reason.split(",")[0]) for p in report.errors] == [
        ("line 6", "a genotype names allele 3"),
        ("line 7", "REF 'X' is not a sequence of A"),
        ("line 8", "a genotype names allele 4"),
    ]
    assert "but the record has 2 ALT allele(s)" in report.errors[2].reason
    quarantined = [
        orjson.loads(line) for line in store.with_suffix(".quarantine.jsonl").read_bytes().splitlines()
    ]
    assert [(q["source"], q["text"]) for q in quarantined] == [
        (f"{vcf}:{n}", lines[n - 5].replace(" ", "\t") + "\n") for n in (6, 7, 8)
    ]
    assert report.quarantined == 3
    assert [r[:5] for r in rows(store)] == [
        ("p1", "c1", 5, "A", "C"),
        ("p1", "c1", 5, "A", "T"),
        ("p1", "c1", 9, "G", "T"),
        ("p2", "c1", 5, "A", "C"),
        ("p2", "c1", 9, "G", "T"),
    ]
    (not_loaded,) = [p.reason for p in report.warnings if "not loaded" in p.reason]
    assert not_loaded.startswith("1 symbolic")


def test_a_line_the_batch_check_fails_before_an_error_is_still_reported(tmp_path: Path) -> None:
    """A REF that contradicts the FASTA stops the run; the lines before it were checked all the same."""
    store = tmp_path / "n.duckdb"
    store_with(store, ["p1"])
    vcf = write_vcf_file(
        tmp_path / "a.vcf",
        ["p1"],
        ["c1 9 . G T . . . GT 0/2", "c1 11 . X T . . . GT 0/1", "c1 10 . G T . . . GT 0/1"],
    )
    report = IngestReport("ds", "test")
    with (
        NodeStore.open(store) as opened,
        Quarantine(tmp_path / "q.jsonl") as quarantine,
        pytest.raises(IngestError, match="line 7: REF allele mismatch"),
        opened.transaction(),
    ):
        load_vcf(vcf, store=opened, dataset_id="ds", options=VcfOptions(fasta=fasta(tmp_path)),
                 report=report, quarantine=quarantine)  # fmt: skip
    assert [(p.path, p.reason[:30]) for p in report.errors] == [
        ("line 5", "a genotype names allele 2, but"),
        ("line 6", "REF 'X' is not a sequence of A"),
    ]
