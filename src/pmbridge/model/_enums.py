"""Closed vocabularies of the model: sex, zygosity, jurisdictions, access levels, granularity."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    """Phenopacket v2 sex values."""

    FEMALE = "FEMALE"
    MALE = "MALE"
    OTHER_SEX = "OTHER_SEX"
    UNKNOWN_SEX = "UNKNOWN_SEX"


class Zygosity(StrEnum):
    """Allelic state of a variant, with its GENO term."""

    HETEROZYGOUS = "GENO:0000135"
    HOMOZYGOUS = "GENO:0000136"
    HEMIZYGOUS = "GENO:0000134"
    UNKNOWN = "GENO:0000137"


class Interpretation(StrEnum):
    """ACMG pathogenicity classes (Phenopacket ``AcmgPathogenicityClassification``)."""

    PATHOGENIC = "PATHOGENIC"
    LIKELY_PATHOGENIC = "LIKELY_PATHOGENIC"
    UNCERTAIN_SIGNIFICANCE = "UNCERTAIN_SIGNIFICANCE"
    LIKELY_BENIGN = "LIKELY_BENIGN"
    BENIGN = "BENIGN"
    NOT_PROVIDED = "NOT_PROVIDED"


class Jurisdiction(StrEnum):
    """The legal area a node's data lives under."""

    EU = "EU"
    CN = "CN"


class AccessLevel(StrEnum):
    """Beacon security levels of a requester."""

    PUBLIC = "public"
    REGISTERED = "registered"
    CONTROLLED = "controlled"


class Granularity(StrEnum):
    """Beacon response granularity, from least to most revealing."""

    BOOLEAN = "boolean"
    COUNT = "count"
    RECORD = "record"

    @property
    def rank(self) -> int:
        """Order of disclosure: boolean < count < record.

        >>> Granularity.COUNT.rank > Granularity.BOOLEAN.rank
        True
        """
        return _GRANULARITY_ORDER.index(self)


_GRANULARITY_ORDER = (Granularity.BOOLEAN, Granularity.COUNT, Granularity.RECORD)
