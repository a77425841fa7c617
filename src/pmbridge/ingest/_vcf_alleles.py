"""A VCF record's ALTs as the store keeps them: checked, split, normalised (with a FASTA) or trimmed.

Only sequence alleles are stored: a symbolic ALT (``<DEL>``), the spanning deletion ``*`` and a
missing ALT ``.`` are counted and reported, not loaded. A bad allele makes the whole line a problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmbridge.errors import IngestError
from pmbridge.ingest._vcf_normalise import Allele, Reference, normalise, normalise_plain, split

_BASES = re.compile(r"[ACGTNacgtn]+")
_NOT_STORED = ("<", "*", ".")


class BadRecord(ValueError):
    """A VCF line whose alleles cannot be loaded; the message says why and how to fix it."""


class ReferenceMismatch(BadRecord):
    """A REF that differs from the reference FASTA: the VCF and the FASTA disagree about the genome,
    so every position of the file is in doubt, not just this line's."""


def record_alleles(
    chrom: str, pos: int, ref: str, alts: Sequence[str], *, reference: Reference | None
) -> list[Allele | None]:
    """One entry per ALT, in ALT order: the allele to store, or None for an ALT not stored
    (symbolic, ``*``, ``.``). Raises BadRecord for a REF or ALT that is not a valid allele, an ALT
    equal to REF, or a REF that differs from the reference."""
    if _plain(ref, alts):  # most MNVs and indels: what the checks below would pass, checked cheaply
        if reference is None:
            return [_trimmed_plain(chrom, pos, ref, alt) for alt in alts]
        if reference.fetch(chrom, pos - 1, pos - 1 + len(ref)) == ref:
            return [normalise_plain(chrom, pos, ref, alt, reference) for alt in alts]
    if reference is None and len(alts) == 1 and _BASES.fullmatch(ref) and _BASES.fullmatch(alts[0]):
        return [_trimmed(Allele(chrom, pos, ref, alts[0]))]  # the common case, kept short
    if not _BASES.fullmatch(ref):
        raise BadRecord(f"REF {ref!r} is not a sequence of A, C, G, T, N; write the reference bases")
    for alt in alts:
        if not alt.startswith(_NOT_STORED) and not _BASES.fullmatch(alt):
            raise BadRecord(
                f"ALT {alt!r} is not a sequence of A, C, G, T, N, a symbolic allele (<DEL>), '*' or '.'; "
                "correct the allele"
            )
    stored = [a for a in alts if not a.startswith(_NOT_STORED)]
    if not stored:
        return [None] * len(alts)
    if reference is not None:
        reference.fetch(chrom, pos - 1, pos)  # a contig the FASTA lacks stops the run (IngestError)
    try:
        if reference is not None:
            alleles = iter(normalise(chrom, pos, ref, stored, reference=reference))
        else:
            alleles = iter(_trimmed(a) for a in split(chrom, pos, ref, stored))
    except IngestError as error:  # REF against the FASTA, or an ALT equal to REF
        kind = ReferenceMismatch if error.message.startswith("REF allele mismatch") else BadRecord
        raise kind(f"{error.message}; {error.hint}") from error
    return [None if a.startswith(_NOT_STORED) else next(alleles) for a in alts]


def _plain(ref: str, alts: Sequence[str]) -> bool:
    """True when REF and every ALT are upper-case A, C, G, T only and no ALT repeats REF: then the
    general path's regular expressions, splitting and error handling have nothing to find.

    >>> _plain("CAG", ["C", "CAGAG"]), _plain("CAG", ["c"]), _plain("A", ["<DEL>"]), _plain("A", ["A"])
    (True, False, False, False)
    >>> _plain("A", [])  # no ALT: the general path stores nothing and reads no reference
    False
    """
    if not ref or not alts or ref.strip("ACGT") or ref in alts:
        return False
    for alt in alts:  # noqa: SIM110 (a loop, not all() over a generator: run for every non-SNV)
        if not alt or alt.strip("ACGT"):
            return False
    return True


def _trimmed_plain(chrom: str, pos: int, ref: str, alt: str) -> Allele:
    """:func:`_trimmed` of two different upper-case alleles: written as they are when unchanged.

    >>> _trimmed_plain("1", 10, "CGT", "CAT"), _trimmed_plain("1", 10, "GCTC", "GCTCTC")
    (Allele(chrom='1', pos=11, ref='G', alt='A'), Allele(chrom='1', pos=10, ref='G', alt='GCT'))
    """
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        pos, ref, alt = pos + 1, ref[1:], alt[1:]
    return Allele(chrom, pos, ref, alt)


def _trimmed(allele: Allele) -> Allele:
    """``allele`` with common last, then first, bases dropped (one anchor base kept for an indel):
    what normalisation does without a reference, which it needs only to move indels left.

    >>> _trimmed(Allele("1", 10, "CGT", "CAT"))
    Allele(chrom='1', pos=11, ref='G', alt='A')
    >>> _trimmed(Allele("1", 10, "GCTC", "GCTCTC"))
    Allele(chrom='1', pos=10, ref='G', alt='GCT')
    """
    ref, alt, pos = allele.ref, allele.alt, allele.pos
    up_ref, up_alt = ref.upper(), alt.upper()
    if up_ref == up_alt:
        raise BadRecord(f"ALT {alt!r} repeats REF {ref!r}; drop the ALT that equals REF")
    if len(ref) == 1 and len(alt) == 1:
        return allele
    while len(up_ref) > 1 and len(up_alt) > 1 and up_ref[-1] == up_alt[-1]:
        up_ref, up_alt = up_ref[:-1], up_alt[:-1]
    while len(up_ref) > 1 and len(up_alt) > 1 and up_ref[0] == up_alt[0]:
        pos, up_ref, up_alt = pos + 1, up_ref[1:], up_alt[1:]
    if (len(up_ref), len(up_alt)) == (len(ref), len(alt)):
        return allele  # unchanged alleles keep the case they were written in, as bcftools does
    return Allele(allele.chrom, pos, up_ref, up_alt)
