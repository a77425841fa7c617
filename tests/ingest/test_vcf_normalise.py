"""VCF normalisation: unit cases, an oracle against ``bcftools norm -m -any -f`` and haplotype properties."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import IngestError
from pmbridge.ingest._fasta import FastaReference
from pmbridge.ingest._vcf_alleles import BadRecord, record_alleles
from pmbridge.ingest._vcf_normalise import Allele, normalise, split
from pmbridge.ingest._vcf_reference import WindowedReference

BCFTOOLS = shutil.which("bcftools")
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "examples" / "vcf"
needs_bcftools = pytest.mark.skipif(  # CI installs it (.ci/run): there, a missing oracle fails
    BCFTOOLS is None and os.environ.get("CI") != "true",
    reason="bcftools is not installed (apt-get install bcftools)",
)


@dataclass
class DictReference:
    contigs: dict[str, str] = field(default_factory=dict)

    def fetch(self, chrom: str, start: int, end: int) -> str:
        return self.contigs[chrom][max(start, 0) : max(end, 0)]


#            1234567890123456789012345678901234
GENOME = "GCTAAAAAGCTCACACACATTGCAGGGCCCATCG"
REF = DictReference({"c1": GENOME})


def one(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    [allele] = normalise("c1", pos, ref, [alt], reference=REF)
    return allele.pos, allele.ref, allele.alt


def test_deletion_in_a_homopolymer_moves_to_its_left_end() -> None:
    assert one(7, "AA", "A") == (3, "TA", "T")


def test_insertion_in_a_homopolymer_moves_to_its_left_end() -> None:
    assert one(8, "A", "AA") == (3, "T", "TA")


def test_deletion_of_a_repeat_unit_moves_to_the_repeats_left_end() -> None:
    assert one(15, "ACA", "A") == (11, "TCA", "T")


def test_suffix_and_prefix_are_trimmed_keeping_one_anchor() -> None:
    assert one(9, "GCTC", "GCTCTC") == (9, "G", "GCT")  # insertion of TC (or CT) after G
    assert one(20, "TTGC", "TGC") == (19, "AT", "A")
    assert one(30, "CATCG", "CAGCG") == (32, "T", "G")  # an MNV is trimmed to its changed bases


def test_snv_and_mnv_without_common_bases_are_untouched() -> None:
    assert one(1, "G", "T") == (1, "G", "T")
    assert one(1, "GCT", "ATG") == (1, "GCT", "ATG")


def test_multiallelic_record_is_split_in_alt_order() -> None:
    got = normalise("c1", 3, "TAA", ["T", "TAAA", "GAA", "<DEL>", "*"], reference=REF)
    assert got == [
        Allele("c1", 3, "TAA", "T"),
        Allele("c1", 3, "T", "TA"),
        Allele("c1", 3, "T", "G"),
        Allele("c1", 3, "TAA", "<DEL>"),
        Allele("c1", 3, "TAA", "*"),
    ]


def test_symbolic_spanning_and_missing_alts_are_left_as_written() -> None:
    assert one(4, "AA", "<DEL>") == (4, "AA", "<DEL>")
    assert one(4, "AA", "<CNV>") == (4, "AA", "<CNV>")
    assert one(4, "AA", "*") == (4, "AA", "*")
    assert one(4, "AA", ".") == (4, "AA", ".")
    assert normalise("c1", 4, "A", [], reference=REF) == [Allele("c1", 4, "A", ".")]


def test_indel_at_the_contigs_first_base_keeps_its_anchor_after() -> None:
    ref = DictReference({"c1": "AAAAG"})
    assert normalise("c1", 2, "AA", ["A"], reference=ref) == [Allele("c1", 1, "AA", "A")]
    assert normalise("c1", 3, "A", ["AA"], reference=ref) == [Allele("c1", 1, "A", "AA")]


def test_two_alts_may_normalise_to_one_allele_and_both_are_kept() -> None:
    # bcftools issue #1585: A>AA after an A-run is the same insertion as the one at the run's start.
    got = normalise("c1", 8, "A", ["AA", "AC"], reference=REF)
    assert got == [Allele("c1", 3, "T", "TA"), Allele("c1", 8, "A", "AC")]
    assert got[0] == normalise("c1", 3, "T", ["TA"], reference=REF)[0]


def test_ref_mismatch_names_the_place_and_both_alleles() -> None:
    with pytest.raises(IngestError) as caught:
        normalise("c1", 5, "GA", ["G"], reference=REF)
    assert "c1:5" in caught.value.message
    assert "'GA'" in caught.value.message and "'AA'" in caught.value.message
    assert "assembly" in caught.value.hint and "FASTA" in caught.value.hint


def test_ref_is_checked_for_every_kind_of_alt() -> None:
    for alt in ("T", "<DEL>", "*", "."):
        with pytest.raises(IngestError):
            normalise("c1", 1, "C", [alt], reference=REF)


def test_alt_equal_to_ref_is_refused_like_bcftools() -> None:
    with pytest.raises(IngestError, match="duplicate alleles at c1:1"):
        normalise("c1", 1, "G", ["T", "G"], reference=REF)


def test_split_keeps_alleles_as_written() -> None:
    assert split("c1", 7, "AA", ["A", "<DEL>"]) == [
        Allele("c1", 7, "AA", "A"),
        Allele("c1", 7, "AA", "<DEL>"),
    ]


# --- properties ----------------------------------------------------------------------------------


@st.composite
def variants(draw: st.DrawFn) -> tuple[DictReference, str, int, str, str]:
    """A short contig rich in repeats (two letters, planted runs) and one REF/ALT on it."""
    pieces = draw(
        st.lists(st.text("AC", min_size=1, max_size=3).map(lambda u: u * 4) | st.text("ACGT"), max_size=8)
    )
    seq = "G" + "".join(pieces) + "T"
    start = draw(st.integers(0, len(seq) - 1))
    ref = seq[start : start + draw(st.integers(1, 6))]
    alt = draw(st.text("ACGT", min_size=1, max_size=8).filter(lambda a: a != ref))
    return DictReference({"c": seq}), seq, start + 1, ref, alt


def apply(seq: str, pos: int, ref: str, alt: str) -> str:
    assert seq[pos - 1 : pos - 1 + len(ref)] == ref
    return seq[: pos - 1] + alt + seq[pos - 1 + len(ref) :]


@settings(max_examples=400, deadline=None)
@given(variants())
def test_normalised_allele_is_the_same_haplotype_and_normal(
    case: tuple[DictReference, str, int, str, str],
) -> None:
    reference, seq, pos, ref, alt = case
    [allele] = normalise("c", pos, ref, [alt], reference=reference)
    assert apply(seq, allele.pos, allele.ref, allele.alt) == apply(seq, pos, ref, alt)
    assert normalise("c", allele.pos, allele.ref, [allele.alt], reference=reference) == [allele]
    assert len(allele.ref) <= len(ref) + (pos - allele.pos)


@settings(max_examples=400, deadline=None)
@given(variants(), st.lists(st.text("ACGT", min_size=1, max_size=8), max_size=2))
def test_record_alleles_shortcut_equals_the_general_path(
    case: tuple[DictReference, str, int, str, str], more: list[str]
) -> None:
    """Upper-case A/C/G/T alleles take a shortcut in record_alleles; written in lower case the same
    record takes the general path (split, checks, normalise), whose answer is the same upper-cased."""
    reference, _, pos, ref, alt = case
    alts = [alt, *more]
    lower = [a.lower() for a in alts]
    for bases in (reference, None):
        shortcut = answer(lambda r=bases: record_alleles("c", pos, ref, alts, reference=r))
        general = answer(lambda r=bases: record_alleles("c", pos, ref.lower(), lower, reference=r))
        assert shortcut == general


def answer(call: Callable[[], list[Allele | None]]) -> list[tuple[int, str, str] | None] | str:
    """The alleles upper-cased, or the BadRecord's message lower-cased."""
    try:
        alleles = call()
    except BadRecord as problem:
        return str(problem).lower()
    return [a and (a.pos, a.ref.upper(), a.alt.upper()) for a in alleles]


# --- FASTA -----------------------------------------------------------------------------------------


def test_fasta_reference_builds_its_index_and_fetches_upper_case(tmp_path: Path) -> None:
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">c1\nacgtACGT\nAA\n>c2\nG\n")
    reference = FastaReference(fasta)
    assert (tmp_path / "ref.fa.fai").is_file()
    assert reference.fetch("c1", 0, 10) == "ACGTACGTAA"
    assert reference.fetch("c1", 8, 20) == "AA"
    assert reference.contigs == ("c1", "c2")
    with pytest.raises(IngestError, match=r"contig 'chr1' is not in the reference .*c1, c2"):
        reference.fetch("chr1", 0, 1)


def test_a_file_that_is_not_fasta_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "ref.fa"
    bad.write_text("##fileformat=VCFv4.2\nthis is not FASTA\n")
    with pytest.raises(IngestError, match="could not be read as FASTA"):
        FastaReference(bad)
    with pytest.raises(IngestError, match="does not exist"):
        FastaReference(tmp_path / "missing.fa")


# --- the oracle: bcftools norm -m -any -f ----------------------------------------------------------

BASES = "ACGT"


def random_contig(rng: random.Random, length: int) -> tuple[str, list[tuple[int, int]]]:
    """Random sequence with homopolymers and short tandem repeats planted; returns (seq, repeat spans)."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    size = 0
    while size < length:
        kind = rng.random()
        if kind < 0.4:
            piece = "".join(rng.choice(BASES) for _ in range(rng.randint(3, 25)))
        else:
            unit_len = 1 if kind < 0.65 else rng.randint(2, 4)
            unit = "".join(rng.choice(BASES) for _ in range(unit_len))
            piece = unit * rng.randint(3, 12)
            spans.append((size, size + len(piece)))
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:length], [(s, e) for s, e in spans if e <= length - 8]


def mutate(rng: random.Random, ref: str) -> str:
    """One ALT for REF: an SNV/MNV, a deletion, an insertion (often a repeat unit) or a complex change."""
    kind = rng.choice(("sub", "del", "ins", "dup", "complex"))
    if kind == "sub":
        i = rng.randrange(len(ref))
        return ref[:i] + rng.choice([b for b in BASES if b != ref[i]]) + ref[i + 1 :]
    if kind == "del" and len(ref) > 1:
        i = rng.randint(1, len(ref) - 1)
        j = rng.randint(i + 1, len(ref))
        return ref[:i] + ref[j:]
    if kind == "dup":
        i = rng.randrange(len(ref))
        j = rng.randint(i + 1, min(len(ref), i + 4))
        return ref[:j] + ref[i:j] + ref[j:]
    if kind == "ins":
        i = rng.randint(1, len(ref))
        return ref[:i] + "".join(rng.choice(BASES) for _ in range(rng.randint(1, 4))) + ref[i:]
    return ref[0] + "".join(rng.choice(BASES) for _ in range(rng.randint(0, 5)))


@dataclass(frozen=True)
class Record:
    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]


def random_records(rng: random.Random, genome: dict[str, tuple[str, list[tuple[int, int]]]]) -> list[Record]:
    records: list[Record] = []
    for chrom, (seq, spans) in genome.items():
        for _ in range(120):
            if spans and rng.random() < 0.6:  # in or at the end of a repeat, so that it needs moving
                start, end = rng.choice(spans)
                at = rng.randint(max(start, 1), min(end, len(seq) - 8))
            else:
                at = rng.randint(1, len(seq) - 8)
            ref = seq[at : at + rng.choice((1, 1, 2, 3, 5))]
            alts: list[str] = []
            for _ in range(rng.choice((1, 1, 1, 2, 3, 4))):
                roll = rng.random()
                alt = "<DEL>" if roll < 0.03 else "*" if roll < 0.06 else mutate(rng, ref)
                if alt != ref and alt not in alts:
                    alts.append(alt)
            if alts and rng.random() < 0.05:  # bcftools writes changed alleles in upper case
                ref, alts = ref.lower(), [a if a[0] in "<*" else a.lower() for a in alts]
            if alts:
                records.append(Record(chrom, at + 1, ref, tuple(alts)))
        # The #1585 pattern: an insertion after a homopolymer and one at its start, written apart.
        for start, end in spans[:5]:
            if start > 0 and len(set(seq[start:end])) == 1:
                base = seq[start]
                records.append(Record(chrom, start, seq[start - 1], (seq[start - 1] + base,)))
                records.append(
                    Record(
                        chrom, end, base, (base + rng.choice([b for b in BASES if b != base]), base + base)
                    )
                )
    return sorted(records, key=lambda r: (list(genome).index(r.chrom), r.pos))


def write_vcf(path: Path, contigs: dict[str, int], records: Sequence[Record]) -> None:
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={name},length={length}>" for name, length in contigs.items()]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += [f"{r.chrom}\t{r.pos}\t.\t{r.ref}\t{','.join(r.alts)}\t.\t.\t." for r in records]
    path.write_text("\n".join(lines) + "\n")


def read_records(path: Path) -> list[tuple[str, int, str, str]]:
    """(CHROM, POS, REF, ALT) of each data line of a plain or gzip VCF."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
        rows = [line.rstrip("\n").split("\t") for line in lines if line.strip() and not line.startswith("#")]
    return [(row[0], int(row[1]), row[3], row[4]) for row in rows]


def bcftools_norm(args: Sequence[str], vcf: Path, out: Path) -> list[tuple[str, int, str, str]]:
    assert BCFTOOLS is not None
    subprocess.run(
        [BCFTOOLS, "norm", "--no-version", *args, str(vcf), "-o", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return read_records(out)


@needs_bcftools
def test_normalise_equals_bcftools_norm(tmp_path: Path) -> None:
    rng = random.Random(17)
    genome = {f"c{i}": random_contig(rng, 2000 + 37 * i) for i in range(1, 4)}
    # Repeats longer than any window: bcftools 1.16 moves an indel across all of them.
    flank = "".join(rng.choice(BASES) for _ in range(60))
    long_repeats = flank + "A" * 300 + flank + "CAG" * 80 + flank
    genome["c4"] = (long_repeats, [(60, 360), (420, 660)])
    records = random_records(rng, genome)
    fasta = tmp_path / "ref.fa"
    fasta.write_text("".join(f">{name}\n{seq}\n" for name, (seq, _) in genome.items()))
    vcf = tmp_path / "in.vcf"
    write_vcf(vcf, {name: len(seq) for name, (seq, _) in genome.items()}, records)

    oracle = bcftools_norm(["-m", "-any", "-f", str(fasta)], vcf, tmp_path / "out.vcf")
    reference = FastaReference(fasta)
    ours = [
        (a.chrom, a.pos, a.ref, a.alt)
        for r in records
        for a in normalise(r.chrom, r.pos, r.ref, r.alts, reference=reference)
    ]
    # bcftools re-sorts each contig by position (stably) after moving records; normalise is per
    # record, so its output is put in the same order before the comparison.
    ours.sort(key=lambda a: (list(genome).index(a[0]), a[1]))
    written = {(a.chrom, a.pos, a.ref, a.alt) for r in records for a in split(r.chrom, r.pos, r.ref, r.alts)}
    assert len(oracle) == 926  # 484 records; fixed by the seed
    assert sum(allele not in written for allele in oracle) > 500  # most needed trimming or moving
    differences = [(i, o, b) for i, (o, b) in enumerate(zip(ours, oracle, strict=False)) if o != b]
    assert len(ours) == len(oracle)
    assert differences == []
    # The ingest's entry point, with its shortcut for upper-case A/C/G/T alleles, through the same
    # windowed reference the ingest reads: the same alleles (those it does not store as written).
    windowed = WindowedReference(reference, window=512)
    loaded = [
        stored or written
        for r in records
        for stored, written in zip(
            record_alleles(r.chrom, r.pos, r.ref, r.alts, reference=windowed),
            split(r.chrom, r.pos, r.ref, r.alts),
            strict=True,
        )
    ]
    loaded.sort(key=lambda a: (list(genome).index(a.chrom), a.pos))
    assert [(a.chrom, a.pos, a.ref, a.alt) for a in loaded] == oracle


EXAMPLE_FILES = ["example_vcf43_with_utf8.vcf", "gnomad.vcf", "test.snpeff.vcf", "o.vcf.gz", "test.vcf.gz"]
"""The example VCFs bcftools 1.16 reads; homo_sapiens_GRCh38.vcf (a contig missing from its header)
and vcf44_1.vcf (a GT value bcftools rejects) make bcftools itself fail."""


@needs_bcftools
@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_split_equals_bcftools_split_on_the_examples(name: str, tmp_path: Path) -> None:
    # Their reference genomes are not here, so only the split is compared: without -f bcftools
    # neither trims nor left-aligns, it writes one record per ALT with the alleles as written.
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    oracle = bcftools_norm(["-m", "-any"], path, tmp_path / "out.vcf")
    ours = [
        (a.chrom, a.pos, a.ref, a.alt)
        for chrom, pos, ref, alts in read_records(path)
        for a in split(chrom, pos, ref, [] if alts == "." else alts.split(","))
    ]
    assert ours == oracle
