"""VCF ingest: genotypes to zygosity per individual, allele counts, annotations, re-ingest, store schema."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pytest

from pmbridge.model import Sex, Zygosity
from pmbridge.store import LATEST_VERSION, NodeStore
from tests.ingest._vcf_support import (
    CLINICAL_VARIANT,
    HEADER,
    counts,
    load,
    person,
    rows,
    store_with,
    write_vcf_file,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "examples" / "vcf"
HET, HOM, HEMI, UNKNOWN = (z.value for z in (Zygosity.HETEROZYGOUS, Zygosity.HOMOZYGOUS,
                                             Zygosity.HEMIZYGOUS, Zygosity.UNKNOWN))  # fmt: skip


def test_genotypes_become_zygosity_and_allele_counts(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    store_with(store, ["p1", "p2", "p3", "p4"])
    vcf = write_vcf_file(
        tmp_path / "calls.vcf",
        ["p1", "p2", "p3", "p4"],
        [
            "c1 5 . A G . PASS . GT 0/1 1|1 ./. 0/0",
            "c1 8 . A C,T . PASS . GT 1/2 0/2 2 ./1",  # multi-allelic; haploid; half-missing
        ],
    )
    report = load(store, vcf)
    assert rows(store) == [
        ("p1", "c1", 5, "A", "G", None, [], HET, "vcf"),
        ("p1", "c1", 8, "A", "C", None, [], HET, "vcf"),
        ("p1", "c1", 8, "A", "T", None, [], HET, "vcf"),
        ("p2", "c1", 5, "A", "G", None, [], HOM, "vcf"),
        ("p2", "c1", 8, "A", "T", None, [], HET, "vcf"),
        ("p3", "c1", 8, "A", "T", None, [], HEMI, "vcf"),
        ("p4", "c1", 8, "A", "C", None, [], UNKNOWN, "vcf"),
    ]
    # AN counts called alleles: 2 + 2 + 0 + 2 at 5; 2 + 2 + 1 + 1 at 8.
    assert counts(store) == [
        ("c1", 5, "A", "G", 3, 6, 0.5, 1, 0),
        ("c1", 8, "A", "C", 2, 6, 2 / 6, 0, 0),
        ("c1", 8, "A", "T", 3, 6, 0.5, 0, 1),
    ]
    assert [p.reason for p in report.warnings if "FASTA" in p.reason]  # said once, not per record
    assert len(report.warnings) == 1 and report.quarantined == 0


def test_the_example_vcf_loads_with_the_assembly_from_its_header(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    store_with(store, ["JH-027F", "JH-027M", "JH-027P"])
    progress: list[int] = []
    load(store, EXAMPLES / "o.vcf.gz", progress=progress)
    first = rows(store, "WHERE v.position = 3769970")
    assert first == [  # 1/1, ./., 1
        ("JH-027F", "chr1", 3769970, "A", "G", None, [], HOM, "vcf"),
        ("JH-027P", "chr1", 3769970, "A", "G", None, [], HEMI, "vcf"),
    ]
    with NodeStore.open(store, read_only=True) as s:
        assert s.connection.execute("SELECT DISTINCT assembly FROM variants").fetchall() == [("GRCh37",)]
    assert progress and progress[-1] == (EXAMPLES / "o.vcf.gz").stat().st_size  # bytes, to the end


def test_genes_and_hgvs_from_ann_eff_and_csq(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    samples = ["101976-101976", "100920-100920"]
    # A small CSQ (VEP) file: genes and HGVS per ALT, by ALLELE_NUM and by VEP's allele spelling.
    csq = (
        HEADER + '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl '
        'VEP. Format: Allele|Consequence|SYMBOL|Feature|HGVSc|HGVSp">\n'
        '##INFO=<ID=EFF,Number=.,Type=String,Description="Effects">\n'
    )
    vcf = write_vcf_file(
        tmp_path / "csq.vcf",
        samples,
        [
            "c1 5 . AT A,ATT . PASS CSQ=-|del|GENE1|ENST1|ENST1:c.5del|ENSP1:p.Ter5%3D,"
            "TT|ins|GENE2|ENST2|ENST2:c.5dup| GT 0/1 0/2",
            "c1 9 . G C . PASS EFF=NON_SYNONYMOUS_CODING(MODERATE|MISSENSE|gGc/gCc|p.G3A/c.8G>C|100"
            "|GENE3|protein_coding|CODING|ENST3|1|1) GT 0/1 0/0",
        ],
        header=csq,
    )
    store_with(store, samples)
    load(store, vcf)
    assert [(r[0], r[4], r[5], r[6]) for r in rows(store)] == [
        ("100920-100920", "AT", "GENE2", ["ENST2:c.5dup"]),
        ("101976-101976", "A", "GENE1", ["ENST1:c.5del", "ENSP1:p.Ter5="]),
        ("101976-101976", "C", "GENE3", ["GENE3:p.G3A", "ENST3:c.8G>C"]),  # a bare p. names the gene
    ]


def test_ann_of_the_example_names_genes(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    vcf = EXAMPLES / "test.vcf.gz"
    import cyvcf2

    samples = cyvcf2.VCF(str(vcf)).samples
    store_with(store, samples)
    load(store, vcf)
    genes = {r[5] for r in rows(store)}
    assert "DDX11L1" in genes and None not in genes


def test_a_symbolic_alt_is_reported_not_stored(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    store_with(store, ["p1"])
    vcf = write_vcf_file(
        tmp_path / "sv.vcf", ["p1"], ["c1 5 . A <DEL>,G . PASS . GT 1/2", "c1 6 . A * . . . GT 0/1"]
    )
    report = load(store, vcf)
    assert [r[4] for r in rows(store)] == ["G"]
    [warning] = [p for p in report.warnings if "symbolic" in p.reason]
    assert warning.reason.startswith("2 symbolic")


def test_ingesting_the_same_vcf_again_replaces_its_calls(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    store_with(store, ["p1", "p2"])
    first = write_vcf_file(tmp_path / "a.vcf", ["p1", "p2"], ["c1 5 . A G . . . GT 0/1 1/1"])
    load(store, first)
    load(store, first)
    assert len(rows(store)) == 2 and len(counts(store)) == 1
    write_vcf_file(tmp_path / "a.vcf", ["p1", "p2"], ["c1 6 . A G . . . GT 0/1 0/0"])  # a new version
    load(store, first)
    assert [r[:3] for r in rows(store)] == [("p1", "c1", 6)]
    other = write_vcf_file(tmp_path / "b.vcf", ["p2"], ["c1 7 . A G . . . GT 0/1"])
    load(store, other)  # another file adds to the same people
    assert [r[:3] for r in rows(store)] == [("p1", "c1", 6), ("p2", "c1", 7)]


def test_vcf_calls_survive_a_reingest_of_the_clinical_record(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    store_with(store, ["p1", "p2", "p3"], with_variant=True)
    vcf = write_vcf_file(tmp_path / "a.vcf", ["p1", "p2", "p3"], ["c1 5 . A G . . . GT 0/1 1/1 0/0"])
    load(store, vcf)
    before = rows(store)
    assert len(before) == 5  # three clinical calls, two from the VCF
    with NodeStore.open(store) as s, s.transaction():
        # p2 and p1 again, in another order (their inds change), p2's clinical variant dropped.
        assert s.write_records([person("p2", sex=Sex.FEMALE), person("p1", CLINICAL_VARIANT)]) == 2
    after = rows(store)
    assert after == [r for r in before if not (r[0] == "p2" and r[8] == "record")]
    with NodeStore.open(store, read_only=True) as s:
        orphans = s.connection.execute(
            "SELECT count(*) FROM variants WHERE ind NOT IN (SELECT ind FROM individuals)"
        ).fetchall()
    assert orphans == [(0,)]


def test_a_store_of_schema_3_gets_origin_and_allele_counts(tmp_path: Path) -> None:
    path = tmp_path / "n.duckdb"
    store_with(path, ["p1"], with_variant=True)
    with duckdb.connect(str(path)) as con:  # as the third schema left it
        con.execute("DROP TABLE allele_counts")
        con.execute("ALTER TABLE variants DROP COLUMN source")
        con.execute("ALTER TABLE variants DROP COLUMN origin")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with NodeStore.open(path) as s:
        assert s.meta("schema_version") == str(LATEST_VERSION) == "5"
    assert [r[8] for r in rows(path)] == ["record"]
    vcf = write_vcf_file(tmp_path / "a.vcf", ["p1"], ["c1 5 . A G . . . GT 0/1"])
    load(path, vcf)
    assert sorted(r[8] for r in rows(path)) == ["record", "vcf"]


def test_quarantine_keeps_the_bad_line_and_the_rest_loads(tmp_path: Path) -> None:
    store = tmp_path / "n.duckdb"
    store_with(store, ["p1"])
    vcf = write_vcf_file(
        tmp_path / "a.vcf",
        ["p1"],
        [
            "c1 5 . A G . . . GT 0/1",
            "c1 6 . A A . . . GT 0/1",
            "c1 7 . A GX . . . GT 0/1",
            "c1 8 . A C . . . GT 1/1",
        ],
    )
    report = load(store, vcf)
    assert [r[2] for r in rows(store)] == [5, 8]
    assert report.quarantined == 2
    assert [(p.source, p.path) for p in report.errors] == [(f"{vcf}:6", "line 6"), (f"{vcf}:7", "line 7")]
    assert "repeats REF" in report.errors[0].reason and "'GX'" in report.errors[1].reason
    kept = [orjson.loads(line) for line in store.with_suffix(".quarantine.jsonl").read_bytes().splitlines()]
    assert [k["text"].split("\t")[:5] for k in kept] == [
        ["c1", "6", ".", "A", "A"],
        ["c1", "7", ".", "A", "GX"],
    ]


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_batches_of_any_size_store_the_same(
    tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pmbridge.ingest._vcf_load as vcf_load

    monkeypatch.setattr(vcf_load, "BATCH_ALLELES", batch)
    store = tmp_path / "n.duckdb"
    store_with(store, ["p1", "p2"])
    lines = [f"c1 {p} . A G,T . . . GT 0/1 1/2" for p in range(1, 8)]
    load(store, write_vcf_file(tmp_path / "a.vcf", ["p1", "p2"], lines))
    assert len(rows(store)) == 21 and len(counts(store)) == 14
