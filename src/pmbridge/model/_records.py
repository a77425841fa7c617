"""The entities a node holds: individuals, their phenotypes, diseases, variants and biosamples."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pmbridge.model._enums import Interpretation, Sex, Zygosity


@dataclass(frozen=True, slots=True)
class Individual:
    """A person, pseudonymous at the node. Age is in years at last encounter when known."""

    id: str
    sex: Sex = Sex.UNKNOWN_SEX
    age_years: float | None = None
    year_of_birth: int | None = None
    country: str | None = None  # ISO 3166-1 alpha-2


@dataclass(frozen=True, slots=True)
class PhenotypicFeature:
    """An observed (or explicitly excluded) HPO term; onset is an HPO onset term or ISO 8601 age."""

    term: str
    excluded: bool = False
    onset: str | None = None


@dataclass(frozen=True, slots=True)
class Disease:
    """A diagnosis in OMIM, Orphanet or Mondo."""

    term: str
    label: str | None = None
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Variant:
    """A genomic variant carried by an individual; positions are 1-based as in VCF."""

    assembly: str | None = None
    chromosome: str | None = None
    position: int | None = None
    reference: str | None = None
    alternate: str | None = None
    gene_symbol: str | None = None
    hgvs: tuple[str, ...] = ()
    zygosity: Zygosity = Zygosity.UNKNOWN
    interpretation: Interpretation = Interpretation.NOT_PROVIDED


@dataclass(frozen=True, slots=True)
class Biosample:
    """A sample taken from an individual (MIABIS-style material type and tissue)."""

    id: str
    material_type: str | None = None
    tissue: str | None = None
    collection_date: date | None = None


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything a node stores about one individual in one dataset: one phenopacket's worth."""

    individual: Individual
    dataset_id: str
    phenotypic_features: tuple[PhenotypicFeature, ...] = ()
    diseases: tuple[Disease, ...] = ()
    variants: tuple[Variant, ...] = ()
    biosamples: tuple[Biosample, ...] = ()
    source: str | None = field(default=None, compare=False)
