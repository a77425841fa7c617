"""Synthetic GRCh38 loci and variants: each gene gets a deterministic pseudo-locus and a pool of
recurrent variants, since no gene coordinates or sequence are available offline.

Positions, reference bases and protein changes are invented; accessions and chromosome
lengths are the real GRCh38 ones, so every position lies on the chromosome it names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from pmbridge.synth._weighted import WeightedChoice, stable_hash

ASSEMBLY = "GRCh38"
_MB = 1_000_000

# (RefSeq accession, length) of each GRCh38 primary-assembly chromosome.
CHROMOSOMES: dict[str, tuple[str, int]] = {
    "1": ("NC_000001.11", 248_956_422),
    "2": ("NC_000002.12", 242_193_529),
    "3": ("NC_000003.12", 198_295_559),
    "4": ("NC_000004.12", 190_214_555),
    "5": ("NC_000005.10", 181_538_259),
    "6": ("NC_000006.12", 170_805_979),
    "7": ("NC_000007.14", 159_345_973),
    "8": ("NC_000008.11", 145_138_636),
    "9": ("NC_000009.12", 138_394_717),
    "10": ("NC_000010.11", 133_797_422),
    "11": ("NC_000011.10", 135_086_622),
    "12": ("NC_000012.12", 133_275_309),
    "13": ("NC_000013.11", 114_364_328),
    "14": ("NC_000014.9", 107_043_718),
    "15": ("NC_000015.10", 101_991_189),
    "16": ("NC_000016.10", 90_338_345),
    "17": ("NC_000017.11", 83_257_441),
    "18": ("NC_000018.10", 80_373_285),
    "19": ("NC_000019.10", 58_617_616),
    "20": ("NC_000020.11", 64_444_167),
    "21": ("NC_000021.9", 46_709_983),
    "22": ("NC_000022.11", 50_818_468),
    "X": ("NC_000023.11", 156_040_895),
    "Y": ("NC_000024.10", 57_227_415),
    "M": ("NC_012920.1", 16_569),
}
_AUTOSOMES = WeightedChoice.of([(str(n), float(CHROMOSOMES[str(n)][1])) for n in range(1, 23)])
_COMPLEMENT = str.maketrans("ACGT", "TGCA")
_TRANSITION = {"A": "G", "G": "A", "C": "T", "T": "C"}
_AMINO_ACIDS = (
    "Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly", "His", "Ile",
    "Leu", "Lys", "Met", "Phe", "Pro", "Ser", "Thr", "Trp", "Tyr", "Val",
)  # fmt: skip
_ACMG = WeightedChoice.of(
    [("PATHOGENIC", 0.55), ("LIKELY_PATHOGENIC", 0.35), ("UNCERTAIN_SIGNIFICANCE", 0.10)]
)
POOL_SIZE = 40


@dataclass(frozen=True, slots=True)
class GeneLocus:
    """Where a gene is placed: chromosome, first and last base, strand, coding length."""

    symbol: str
    chromosome: str
    start: int
    end: int
    minus_strand: bool
    coding_length: int


@dataclass(frozen=True, slots=True)
class SyntheticVariant:
    """One small variant in VCF form, with its HGVS-like expressions and ACMG class."""

    id: str
    chromosome: str
    position: int
    reference: str
    alternate: str
    hgvs_g: str
    hgvs_c: str
    hgvs_p: str
    acmg: str


def place_gene(symbol: str, *, chromosome: str | None = None) -> GeneLocus:
    """The pseudo-locus of ``symbol``: a 1-Mb window on ``chromosome`` (or an autosome chosen
    by hash, in proportion to length), then a 10-300 kb gene inside it.

    >>> place_gene("FBXL4") == place_gene("FBXL4")
    True
    >>> place_gene("DMD", chromosome="X").chromosome
    'X'
    >>> place_gene("MT-ND1").chromosome
    'M'
    """
    rng = random.Random(stable_hash("locus", symbol))
    if symbol.startswith("MT-"):
        chromosome = "M"
    chosen = chromosome or _AUTOSOMES.pick(rng)
    length = CHROMOSOMES[chosen][1]
    if chosen == "M":
        start = rng.randrange(600, length - 1_600)
        span = rng.randrange(200, 1_500)
        return GeneLocus(symbol, chosen, start, start + span, False, span)
    window = rng.randrange(1, length // _MB - 1) * _MB
    span = rng.randrange(10_000, 300_000)
    start = window + rng.randrange(0, _MB - span)
    coding = rng.randrange(300, 6_000) // 3 * 3
    return GeneLocus(symbol, chosen, start, start + span, rng.random() < 0.5, coding)


def pick_variant_index(rng: random.Random) -> int:
    """Which of the gene's pool variants a patient carries; low indices are common (founders)."""
    return int(POOL_SIZE * rng.random() ** 2.5)


@lru_cache(maxsize=262_144)
def pool_variant(locus: GeneLocus, index: int) -> SyntheticVariant:
    """Variant ``index`` of the gene at ``locus``: the same in every process and run."""
    rng = random.Random(stable_hash("variant", locus.symbol, locus.chromosome, index))
    position = rng.randrange(locus.start, locus.end)
    anchor = rng.choice("ACGT")
    c_position = rng.randrange(1, locus.coding_length + 1)
    codon = (c_position + 2) // 3
    ref_aa = rng.choice(_AMINO_ACIDS[:-1])
    kind = rng.random()
    mito = locus.chromosome == "M"
    if kind < 0.82 or mito:
        alt = _TRANSITION[anchor] if rng.random() < 0.67 else rng.choice(_others(anchor))
        reference, alternate = anchor, alt
        genomic = f"{position}{anchor}>{alt}"
        coding = f"{c_position}{_strand(anchor, locus)}>{_strand(alt, locus)}"
        nonsense = rng.random() < 0.25
        alt_aa = "Ter" if nonsense else rng.choice([a for a in _AMINO_ACIDS if a != ref_aa])
        protein = f"p.({ref_aa}{codon}{alt_aa})"
    else:
        size = 1 + int(4 * rng.random() ** 2)
        bases = "".join(rng.choice("ACGT") for _ in range(size))
        coded = _strand(bases, locus)
        if kind < 0.93:
            reference, alternate = anchor + bases, anchor
            span = f"{position + 1}" if size == 1 else f"{position + 1}_{position + size}"
            genomic = f"{span}del"
            c_span = f"{c_position}" if size == 1 else f"{c_position}_{c_position + size - 1}"
            coding = f"{c_span}del"
        else:
            reference, alternate = anchor, anchor + bases
            genomic = f"{position}_{position + 1}ins{bases}"
            coding = f"{c_position}_{c_position + 1}ins{coded}"
        if size % 3:
            protein = f"p.({ref_aa}{codon}{rng.choice(_AMINO_ACIDS)}fsTer{rng.randrange(2, 60)})"
        else:
            protein = f"p.({ref_aa}{codon}del)" if len(reference) > 1 else f"p.({ref_aa}{codon}dup)"
    accession = CHROMOSOMES[locus.chromosome][0]
    prefix = "m" if mito else "g"
    return SyntheticVariant(
        id=f"{locus.chromosome}-{position}-{reference}-{alternate}",
        chromosome=locus.chromosome,
        position=position,
        reference=reference,
        alternate=alternate,
        hgvs_g=f"{accession}:{prefix}.{genomic}",
        hgvs_c="" if mito else f"{locus.symbol}:c.{coding}",
        hgvs_p="" if mito else f"{locus.symbol}:{protein}",
        acmg=_ACMG.pick(rng),
    )


def _others(base: str) -> list[str]:
    return [b for b in "ACGT" if b != base]


def _strand(bases: str, locus: GeneLocus) -> str:
    """Bases as read on the gene's coding strand."""
    return bases.translate(_COMPLEMENT)[::-1] if locus.minus_strand else bases
