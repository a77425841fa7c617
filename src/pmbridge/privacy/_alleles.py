"""The allele-count floor of variant queries, and how allele counts come from zygosity.

A variant seen on a handful of chromosomes points at a handful of people, and so does one that
almost everyone carries (its complement is small): both sides must reach the floor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pmbridge.model import Zygosity
from pmbridge.privacy._released import ReleasedCount, ReleaseMethod, suppressed

ALLELES_CARRIED: dict[Zygosity, int] = {
    Zygosity.HETEROZYGOUS: 1,
    Zygosity.HOMOZYGOUS: 2,
    Zygosity.HEMIZYGOUS: 1,
    Zygosity.UNKNOWN: 1,
}
"""Copies of the alternate allele one carrier has: a carrier of unknown zygosity has at least one."""

_BY_VALUE = {z.value: z for z in Zygosity}


def alleles_carried(zygosity: Zygosity | str) -> int:
    """Alternate alleles of one carrier: het 1, hom 2, hemizygous 1, unknown 1 (the least certain).

    Accepts the enum or its GENO id as the store keeps it.

    >>> alleles_carried("GENO:0000136"), alleles_carried(Zygosity.HEMIZYGOUS)
    (2, 1)
    """
    return ALLELES_CARRIED[_BY_VALUE.get(str(zygosity), Zygosity.UNKNOWN)]


def allele_count(zygosities: Iterable[Zygosity | str]) -> int:
    """The allele count (AC) of a variant: the sum over its carriers.

    >>> allele_count(["GENO:0000135", "GENO:0000136", "GENO:0000134"])
    4
    """
    return sum(alleles_carried(z) for z in zygosities)


def allele_number(*, diploid: int, haploid: int = 0) -> int:
    """The allele number (AN): chromosomes genotyped at the locus, 2 per diploid person, 1 per
    haploid one (males on X outside the pseudo-autosomal regions, Y, mitochondria).

    >>> allele_number(diploid=10, haploid=3)
    23
    """
    return 2 * diploid + haploid


@dataclass(frozen=True, slots=True)
class AlleleRelease:
    """A variant's released allele count and allele number."""

    allele_count: ReleasedCount
    allele_number: ReleasedCount

    @property
    def frequency(self) -> float | None:
        """The allele frequency AC/AN when both left, else None."""
        ac, an = self.allele_count.value, self.allele_number.value
        return ac / an if ac is not None and an else None


def release_allele_counts(allele_count: int, allele_number: int, *, floor: int = 10) -> AlleleRelease:
    """Hold back AC unless it is at least ``floor`` and AN - AC is 0 or at least ``floor``; AN
    unless 0 or at least ``floor``.

    An AC of 0 is held back with the same words as 1 to ``floor``-1: were "no one carries it"
    released while a rare variant is withheld, "withheld" would itself say the variant is there.
    So no answer is a definite absence; "everyone genotyped carries it on every chromosome" (AN - AC
    of 0) may leave, since it names no small group.

    >>> release_allele_counts(4, 200).allele_count.display
    'withheld'
    >>> release_allele_counts(0, 200).allele_count == release_allele_counts(4, 200).allele_count
    True
    >>> release_allele_counts(195, 200).allele_count.rule
    'allele_count_floor'
    >>> release_allele_counts(20, 200).frequency
    0.1
    """
    complement = allele_number - allele_count
    number = (
        _exact(allele_number, floor, f"0 or at least {floor} alleles genotyped")
        if allele_number == 0 or allele_number >= floor
        else _floored(floor, f"fewer than {floor} alleles were genotyped")
    )
    if allele_count < floor:
        count = _floored(
            floor,
            f"seen on fewer than {floor} chromosomes, possibly none (about {floor // 2} people or fewer)",
        )
    elif 0 < complement < floor:
        count = _floored(floor, f"missing from fewer than {floor} of the chromosomes genotyped")
    else:
        count = _exact(
            allele_count, floor, f"carriers' and non-carriers' alleles are each 0 or at least {floor}"
        )
    return AlleleRelease(count, number)


def _exact(value: int, floor: int, reason: str) -> ReleasedCount:
    return ReleasedCount(value=value, how=ReleaseMethod.EXACT, threshold=floor, reason=reason)


def _floored(floor: int, why: str) -> ReleasedCount:
    return suppressed(
        threshold=floor,
        rule="allele_count_floor",
        reason=f"{why}; variant counts are released only from {floor} alleles on both sides",
    )
