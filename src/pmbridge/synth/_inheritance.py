"""Modes of inheritance and the genotypes that fit them, for drawing causal variants.

AR: homozygous or compound heterozygous; AD: heterozygous; X-linked: hemizygous in males,
heterozygous in females; Y-linked: hemizygous; mitochondrial genes: homo- or heteroplasmic.
"""

from __future__ import annotations

import random
from enum import StrEnum


class Mode(StrEnum):
    """The inheritance modes the generator distinguishes."""

    AUTOSOMAL_DOMINANT = "HP:0000006"
    AUTOSOMAL_RECESSIVE = "HP:0000007"
    X_LINKED = "HP:0001417"
    X_LINKED_RECESSIVE = "HP:0001419"
    X_LINKED_DOMINANT = "HP:0001423"
    MITOCHONDRIAL = "HP:0001427"
    Y_LINKED = "HP:0001450"


X_MODES = frozenset({Mode.X_LINKED, Mode.X_LINKED_RECESSIVE, Mode.X_LINKED_DOMINANT})

# Inheritance terms that behave like one of the modes for a causal genotype.
_ALIASES: dict[str, Mode] = {
    "HP:0032113": Mode.AUTOSOMAL_DOMINANT,  # semidominant: usually heterozygous
    "HP:0012274": Mode.AUTOSOMAL_DOMINANT,  # AD with paternal imprinting
    "HP:0012275": Mode.AUTOSOMAL_DOMINANT,  # AD with maternal imprinting
    "HP:0034340": Mode.AUTOSOMAL_DOMINANT,  # pseudoautosomal dominant
    "HP:0034341": Mode.AUTOSOMAL_RECESSIVE,  # pseudoautosomal recessive
}

_MODES: dict[str, Mode] = {mode.value: mode for mode in Mode} | _ALIASES

HETEROZYGOUS = ("GENO:0000135", "heterozygous")
HOMOZYGOUS = ("GENO:0000136", "homozygous")
HEMIZYGOUS = ("GENO:0000134", "hemizygous")
HOMOPLASMIC = ("GENO:0000602", "homoplasmic")
HETEROPLASMIC = ("GENO:0000603", "heteroplasmic")


def modes_of(inheritance: tuple[str, ...]) -> tuple[Mode, ...]:
    """The Mendelian modes named by a disease's inheritance terms, in a stable order.

    A disease with none (sporadic, unannotated) is treated as autosomal dominant: a single
    heterozygous variant, the usual finding for de novo disease.

    >>> modes_of(("HP:0000007", "HP:0003745"))
    (<Mode.AUTOSOMAL_RECESSIVE: 'HP:0000007'>,)
    >>> modes_of(())
    (<Mode.AUTOSOMAL_DOMINANT: 'HP:0000006'>,)
    """
    found = {_MODES[term] for term in inheritance if term in _MODES}
    return tuple(sorted(found)) or (Mode.AUTOSOMAL_DOMINANT,)


def causal_genotype(
    mode: Mode,
    *,
    male: bool,
    chromosome: str,
    homozygous_share: float,
    rng: random.Random,
) -> tuple[tuple[str, str], ...]:
    """The allelic state of each causal allele: one entry, or two for compound heterozygotes.

    The chromosome wins over the mode where they disagree (a gene on X in a male is always
    hemizygous), so a genotype never contradicts its locus.

    >>> causal_genotype(Mode.X_LINKED_RECESSIVE, male=True, chromosome="X",
    ...                 homozygous_share=0.4, rng=random.Random(1))
    (('GENO:0000134', 'hemizygous'),)
    >>> len(causal_genotype(Mode.AUTOSOMAL_RECESSIVE, male=False, chromosome="7",
    ...                     homozygous_share=0.0, rng=random.Random(1)))
    2
    """
    if chromosome == "M":
        return (HOMOPLASMIC if rng.random() < 0.3 else HETEROPLASMIC,)
    if chromosome == "Y" or (chromosome == "X" and male):
        return (HEMIZYGOUS,)
    if mode is Mode.AUTOSOMAL_RECESSIVE:
        if rng.random() < homozygous_share:
            return (HOMOZYGOUS,)
        return (HETEROZYGOUS, HETEROZYGOUS)
    return (HETEROZYGOUS,)
