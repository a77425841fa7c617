"""VCF ingest cost against cyvcf2 reading the same file, measured in the same run.

    .venv/bin/python bench/vcf_ingest.py [--records 200000] [--samples 10]

A seeded synthetic genome (FASTA) and a bgzipped multi-sample VCF on it (SNVs, MNVs, indels in
homopolymers and repeats, multi-allelic sites, ANN annotations), cached in var/bench/, then:
  - cyvcf2 alone: iterate the records (parse only), and iterate reading every field the ingest
    reads (CHROM, POS, REF, ALT, INFO/ANN, the genotype array);
  - our ingest (``load_vcf`` into a fresh store holding the samples' individuals), without and with
    the FASTA (left-alignment), with records/s per CPU-second of this process (per core).
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cyvcf2
import pysam

from bench._common import CACHE, peak_rss_mb
from pmbridge.ingest import IngestReport, Quarantine
from pmbridge.ingest._vcf_load import VcfOptions, load_vcf
from pmbridge.model import Dataset, Individual, PatientRecord, Sex
from pmbridge.store import NodeStore

CONTIG_LENGTH = 5_000_000
CONTIGS = ("chr1", "chr2", "chrX")
ANN = (
    "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | "
    "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
    "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
    "ERRORS / WARNINGS / INFO'\">\n"
)


def genome(rng: random.Random) -> dict[str, str]:
    """Random bases with a homopolymer or a CAG repeat planted every ~2 kb (indels there move)."""
    contigs = {}
    for name in CONTIGS:
        bases = bytearray(rng.choices(b"ACGT", k=CONTIG_LENGTH))
        for start in range(1_000, CONTIG_LENGTH - 1_000, 2_000):
            run = b"A" * rng.randrange(5, 30) if rng.random() < 0.5 else b"CAG" * rng.randrange(3, 15)
            bases[start : start + len(run)] = run
        contigs[name] = bases.decode()
    return contigs


def write_inputs(records: int, samples: int, seed: int = 17) -> tuple[Path, Path]:
    folder = CACHE / f"vcf-{records}-{samples}-{seed}"
    vcf, fasta = folder / "calls.vcf.gz", folder / "genome.fa"
    if vcf.exists():
        return vcf, fasta
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    contigs = genome(rng)
    fasta.write_text("".join(f">{n}\n{s}\n" for n, s in contigs.items()))
    header = "##fileformat=VCFv4.2\n##reference=GRCh38\n"
    header += "".join(f"##contig=<ID={n},length={CONTIG_LENGTH},assembly=GRCh38>\n" for n in CONTIGS)
    header += ANN + '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    header += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    header += "\t".join(f"S{i}" for i in range(samples)) + "\n"
    per_contig = records // len(CONTIGS)
    text = folder / "calls.vcf"
    with text.open("w") as out:
        out.write(header)
        for name, bases in contigs.items():
            positions = sorted(rng.sample(range(2, CONTIG_LENGTH - 50), per_contig))
            for pos in positions:
                ref, alts = _alleles(rng, bases, pos)
                gene = f"G{pos // 50_000}"
                ann = ",".join(
                    f"{alt}|missense_variant|MODERATE|{gene}|{gene}|transcript|NM_{pos}.1|protein_coding|"
                    f"1/1|c.{pos % 3000}A>G|p.Lys{pos % 900}Glu|||||"
                    for alt in alts
                )
                gts = "\t".join(_genotype(rng, len(alts)) for _ in range(samples))
                out.write(f"{name}\t{pos}\t.\t{ref}\t{','.join(alts)}\t50\tPASS\tANN={ann}\tGT\t{gts}\n")
    pysam.tabix_index(str(text), preset="vcf", force=True)
    return vcf, fasta


def _alleles(rng: random.Random, bases: str, pos: int) -> tuple[str, list[str]]:
    ref = bases[pos - 1]
    kind = rng.random()
    if kind < 0.80:
        alts = [rng.choice([b for b in "ACGT" if b != ref])]
    elif kind < 0.88:
        ref = bases[pos - 1 : pos + 2]
        alts = [ref[0] + rng.choice([b for b in "ACGT" if b != ref[1]]) + ref[2]]
    elif kind < 0.94:
        ref = bases[pos - 1 : pos + 3]
        alts = [ref[0]]
    else:
        alts = [ref + ref, ref + "T"]  # multi-allelic insertion site
    return ref, alts


def _genotype(rng: random.Random, alts: int) -> str:
    roll = rng.random()
    if roll < 0.6:
        return "0/0"
    if roll < 0.85:
        return f"0/{rng.randint(1, alts)}"
    if roll < 0.97:
        return "1/1"
    return "./."


def cyvcf2_parse(vcf: Path) -> int:
    n = 0
    for _ in cyvcf2.VCF(str(vcf)):
        n += 1
    return n


def cyvcf2_fields(vcf: Path) -> int:
    n = 0
    for v in cyvcf2.VCF(str(vcf)):
        _ = (v.CHROM, v.POS, v.REF, v.ALT, v.INFO.get("ANN"), v.genotype.array())
        n += 1
    return n


def ingest(vcf: Path, samples: int, options: VcfOptions, folder: Path) -> int:
    store_path = folder / f"n-{time.monotonic_ns()}.duckdb"
    with NodeStore.open(store_path) as store:
        with store.transaction():
            store.put_datasets([Dataset("bench", "bench")])
            store.write_records(
                [PatientRecord(Individual(f"S{i}", Sex.UNKNOWN_SEX), "bench") for i in range(samples)]
            )
        report = IngestReport("bench", "-")
        with Quarantine(folder / "q.jsonl") as quarantine, store.transaction():
            load_vcf(vcf, store=store, dataset_id="bench", options=options, report=report,
                     quarantine=quarantine, progress=None)  # fmt: skip
        assert report.quarantined == 0, report.errors[:3]
        rows: int = store.connection.execute("SELECT count(*) FROM variants").fetchall()[0][0]
        return rows


def clocked(fn: Callable[[], int]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process and its threads, result)."""
    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    result = fn()
    after = resource.getrusage(resource.RUSAGE_SELF)
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    return time.perf_counter() - started, used, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    vcf, fasta = write_inputs(args.records, args.samples)
    records = cyvcf2_parse(vcf)  # warm the page cache; counted again below
    print(f"{vcf}: {records:,} records x {args.samples} samples, {vcf.stat().st_size / 1e6:.1f} MB")
    parse_s, _, _ = clocked(lambda: cyvcf2_parse(vcf))
    fields_s, _, _ = clocked(lambda: cyvcf2_fields(vcf))
    print(f"  cyvcf2 parse only          {parse_s:6.2f} s  {records / parse_s:>9,.0f} rec/s")
    print(f"  cyvcf2 + fields read       {fields_s:6.2f} s  {records / fields_s:>9,.0f} rec/s")
    with tempfile.TemporaryDirectory() as tmp:
        small, _ = write_inputs(1_000, args.samples)
        ingest(small, args.samples, VcfOptions(), Path(tmp))  # one-time imports, not counted
        for label, options in (
            ("ingest, no FASTA", VcfOptions()),
            ("ingest, FASTA (left-align)", VcfOptions(fasta=fasta)),
        ):
            wall, cpu, rows = clocked(lambda options=options: ingest(vcf, args.samples, options, Path(tmp)))
            print(
                f"  {label:<26} {wall:6.2f} s  {records / wall:>9,.0f} rec/s  "
                f"{records / cpu:>9,.0f} rec/CPU-s  ratio {wall / parse_s:.2f}x parse, "
                f"{wall / fields_s:.2f}x fields  ({rows:,} calls)"
            )
    print(f"  peak memory: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
