"""VCF allele normalisation equal to ``bcftools norm -m -any -f REF`` (Debian bcftools 1.16).

A pure core: split a record into biallelic alleles, check REF against the reference, trim and left-align.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from pmbridge.errors import IngestError

_UNALIGNABLE = ("<", "*", ".")
"""ALT forms bcftools passes through untouched: symbolic (``<DEL>``), spanning deletion, no ALT."""


class Reference(Protocol):
    """A reference genome: upper-case bases of ``chrom`` in [start, end), 0-based half-open.

    A range past the contig's end returns the bases that exist (possibly none), as samtools faidx does.
    """

    def fetch(self, chrom: str, start: int, end: int) -> str: ...


class Allele(NamedTuple):
    """One biallelic VCF record as normalised: ``pos`` is VCF's 1-based position of ``ref``'s first base.

    A named tuple, not a frozen dataclass: the ingest makes one per stored non-SNV allele, and a
    frozen dataclass's ``__init__`` costs several times a tuple's.

    >>> Allele("chr1", 100, "CA", "C").end
    101
    """

    chrom: str
    pos: int
    ref: str
    alt: str

    @property
    def end(self) -> int:
        """1-based position of the last reference base the allele covers."""
        return self.pos + len(self.ref) - 1


def normalise(chrom: str, pos: int, ref: str, alts: Sequence[str], *, reference: Reference) -> list[Allele]:
    """Split a VCF record into biallelic alleles, in ALT order, each normalised as bcftools does.

    Raises IngestError when REF differs from the reference or an ALT repeats REF (bcftools stops
    on both). Different ALTs may normalise to the same allele (bcftools issue #1585); both are kept.
    """
    _check_ref(chrom, pos, ref, reference)
    return [
        _normalise_biallelic(a.chrom, a.pos, a.ref, a.alt, reference) for a in split(chrom, pos, ref, alts)
    ]


def split(chrom: str, pos: int, ref: str, alts: Sequence[str]) -> list[Allele]:
    """One biallelic record per ALT, in ALT order, alleles as written: ``bcftools norm -m -any``
    without a reference (which neither trims nor left-aligns). No ALT is written ``.``.

    >>> split("1", 5, "AC", ["A", "ACC"])
    [Allele(chrom='1', pos=5, ref='AC', alt='A'), Allele(chrom='1', pos=5, ref='AC', alt='ACC')]
    """
    return [Allele(chrom, pos, ref, alt) for alt in (alts or (".",))]


def _check_ref(chrom: str, pos: int, ref: str, reference: Reference) -> None:
    expected = reference.fetch(chrom, pos - 1, pos - 1 + len(ref))
    if expected.upper() != ref.upper():
        raise IngestError(
            f"REF allele mismatch at {chrom}:{pos}: the VCF says {ref!r}, the reference has {expected!r}",
            hint="check that the VCF was called against this assembly (GRCh37 vs GRCh38, 'chr' prefixes) "
            "and that the FASTA given is that assembly",
        )


def normalise_plain(chrom: str, pos: int, ref: str, alt: str, reference: Reference) -> Allele:
    """:func:`normalise` of one ALT, for a REF the caller has checked against ``reference`` and two
    different alleles of upper-case A, C, G, T only: none of normalise's checks can fail, and an
    allele as written is its upper case, so the answer is the trim and left-alignment alone."""
    if len(ref) == 1 and len(alt) == 1:
        return Allele(chrom, pos, ref, alt)
    return Allele(chrom, *_trim_and_left_align(chrom, pos, ref, alt, reference))


def _normalise_biallelic(chrom: str, pos: int, ref: str, alt: str, reference: Reference) -> Allele:
    if alt.upper() == ref.upper():
        raise IngestError(
            f"duplicate alleles at {chrom}:{pos}: ALT {alt!r} repeats REF {ref!r}",
            hint="drop the ALT that equals REF; bcftools norm refuses such records too",
        )
    if alt.startswith(_UNALIGNABLE) or ref.startswith("<") or (len(ref) == 1 and len(alt) == 1):
        return Allele(chrom, pos, ref, alt)
    new_pos, new_ref, new_alt = _trim_and_left_align(chrom, pos, ref.upper(), alt.upper(), reference)
    if (new_pos, len(new_ref), len(new_alt)) == (pos, len(ref), len(alt)):
        return Allele(chrom, pos, ref, alt)  # bcftools writes an allele it did not change as written
    return Allele(chrom, new_pos, new_ref, new_alt)  # and one it changed in upper case


def _trim_and_left_align(
    chrom: str, pos: int, ref: str, alt: str, reference: Reference
) -> tuple[int, str, str]:
    # Trim the common last base and, when an allele runs out, take the base before from the
    # reference: repeated, this moves an indel to the leftmost place it can be written.
    while ref[-1] == alt[-1]:
        if len(ref) > 1 and len(alt) > 1:
            ref, alt = ref[:-1], alt[:-1]
        elif pos > 1:
            before = reference.fetch(chrom, pos - 2, pos - 1)
            pos, ref, alt = pos - 1, before + ref[:-1], before + alt[:-1]
        else:  # at the contig's first base bcftools keeps the anchor after the indel
            break
    # Then drop the common first bases, keeping one anchor base for an indel (VCF convention).
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        pos, ref, alt = pos + 1, ref[1:], alt[1:]
    return pos, ref, alt
