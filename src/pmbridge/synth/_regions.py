"""Region profiles: who is recruited where (countries, sex, age) and what samples biobanks keep.

The figures are plausible shapes, not statistics of any real registry: they exist so that
cohorts from different regions look different to a federated query, as real ones do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pmbridge.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Material:
    """A kind of biosample: the tissue it comes from (UBERON) and its specimen type (NCIT/OBI)."""

    key: str
    tissue_id: str
    tissue_label: str
    type_id: str
    type_label: str


# Ids and labels as published in UBERON, NCIT and OBI (see docs/synthetic-cohorts.md).
MATERIALS: Mapping[str, Material] = MappingProxyType(
    {
        m.key: m
        for m in (
            Material("whole-blood", "UBERON:0000178", "blood", "NCIT:C12434", "Blood"),
            Material("blood-dna", "UBERON:0000178", "blood", "OBI:0001051", "DNA extract"),
            Material("blood-rna", "UBERON:0000178", "blood", "OBI:0000880", "RNA extract"),
            Material("buffy-coat", "UBERON:0000178", "blood", "NCIT:C84507", "Buffy Coat"),
            Material("serum", "UBERON:0001977", "blood serum", "NCIT:C13325", "Serum"),
            Material("plasma", "UBERON:0001969", "blood plasma", "NCIT:C13356", "Plasma"),
            Material("saliva", "UBERON:0001836", "saliva", "NCIT:C13275", "Saliva"),
            Material("saliva-dna", "UBERON:0001836", "saliva", "OBI:0001051", "DNA extract"),
            Material("skin-biopsy", "UBERON:0002097", "skin of body", "NCIT:C12801", "Tissue"),
            Material("muscle-biopsy", "UBERON:0002385", "muscle tissue", "NCIT:C12801", "Tissue"),
            Material("urine", "UBERON:0001088", "urine", "NCIT:C13283", "Urine"),
        )
    }
)


@dataclass(frozen=True, slots=True)
class AgeBand:
    """Ages in ``[low_years, high_years)``, drawn uniformly, chosen with ``weight``."""

    low_years: float
    high_years: float
    weight: float


@dataclass(frozen=True, slots=True)
class RegionProfile:
    """How a region's rare-disease cohort is composed.

    ``disease_bias`` scales a per-region random reweighting of disease popularity (log-normal
    sigma), so two regions share the same common diseases only partly; ``homozygous_share`` is the
    share of autosomal-recessive cases that are homozygous rather than compound heterozygous.
    """

    name: str
    description: str
    countries: tuple[tuple[str, float], ...]
    male_share: float
    unknown_sex_share: float
    age_bands: tuple[AgeBand, ...]
    materials: tuple[tuple[str, float], ...]
    samples_per_individual: tuple[tuple[int, float], ...]
    collection_years: int
    homozygous_share: float
    disease_bias: float


_EU_SOUTH = RegionProfile(
    name="eu-south",
    description="Southern Europe: Italy, Spain, Portugal, Greece",
    countries=(("IT", 0.46), ("ES", 0.34), ("PT", 0.10), ("GR", 0.10)),
    male_share=0.52,
    unknown_sex_share=0.002,
    age_bands=(
        AgeBand(0, 1, 0.09),
        AgeBand(1, 6, 0.24),
        AgeBand(6, 12, 0.22),
        AgeBand(12, 18, 0.14),
        AgeBand(18, 40, 0.18),
        AgeBand(40, 65, 0.10),
        AgeBand(65, 90, 0.03),
    ),
    materials=(
        ("whole-blood", 0.28),
        ("blood-dna", 0.30),
        ("serum", 0.16),
        ("plasma", 0.06),
        ("skin-biopsy", 0.08),
        ("muscle-biopsy", 0.05),
        ("saliva", 0.03),
        ("urine", 0.04),
    ),
    samples_per_individual=((1, 0.45), (2, 0.38), (3, 0.17)),
    collection_years=12,
    homozygous_share=0.45,
    disease_bias=0.7,
)

_EU_NORTH = RegionProfile(
    name="eu-north",
    description="Northern and western Europe: Germany, the Netherlands, the Nordics, Belgium",
    countries=(
        ("DE", 0.40),
        ("NL", 0.15),
        ("SE", 0.12),
        ("BE", 0.10),
        ("DK", 0.08),
        ("FI", 0.07),
        ("EE", 0.03),
        ("IE", 0.05),
    ),
    male_share=0.50,
    unknown_sex_share=0.006,
    age_bands=(
        AgeBand(0, 1, 0.05),
        AgeBand(1, 6, 0.16),
        AgeBand(6, 12, 0.17),
        AgeBand(12, 18, 0.14),
        AgeBand(18, 40, 0.24),
        AgeBand(40, 65, 0.17),
        AgeBand(65, 90, 0.07),
    ),
    materials=(
        ("blood-dna", 0.34),
        ("saliva-dna", 0.16),
        ("saliva", 0.08),
        ("buffy-coat", 0.10),
        ("plasma", 0.14),
        ("blood-rna", 0.08),
        ("skin-biopsy", 0.06),
        ("urine", 0.04),
    ),
    samples_per_individual=((1, 0.35), (2, 0.40), (3, 0.25)),
    collection_years=20,
    homozygous_share=0.30,
    disease_bias=0.7,
)

_CN = RegionProfile(
    name="cn",
    description="China",
    countries=(("CN", 1.0),),
    male_share=0.57,
    unknown_sex_share=0.001,
    age_bands=(
        AgeBand(0, 1, 0.14),
        AgeBand(1, 6, 0.30),
        AgeBand(6, 12, 0.22),
        AgeBand(12, 18, 0.12),
        AgeBand(18, 40, 0.14),
        AgeBand(40, 65, 0.06),
        AgeBand(65, 90, 0.02),
    ),
    materials=(
        ("whole-blood", 0.42),
        ("blood-dna", 0.22),
        ("serum", 0.20),
        ("plasma", 0.08),
        ("saliva", 0.03),
        ("muscle-biopsy", 0.03),
        ("urine", 0.02),
    ),
    samples_per_individual=((1, 0.60), (2, 0.32), (3, 0.08)),
    collection_years=8,
    homozygous_share=0.35,
    disease_bias=0.8,
)

REGIONS: Mapping[str, RegionProfile] = MappingProxyType(
    {profile.name: profile for profile in (_EU_SOUTH, _EU_NORTH, _CN)}
)


def region_profile(name: str) -> RegionProfile:
    """The profile called ``name``; the error lists the valid names.

    >>> region_profile("cn").countries
    (('CN', 1.0),)
    """
    try:
        return REGIONS[name]
    except KeyError:
        valid = ", ".join(sorted(REGIONS))
        raise ConfigError(f"unknown region {name!r}", hint=f"choose one of: {valid}") from None
