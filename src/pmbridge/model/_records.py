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
class VitalStatus:
    """Alive or deceased at the end of follow-up (a phenopacket's ``subject.vitalStatus``).

    ``status`` is ALIVE, DECEASED or UNKNOWN_STATUS; ``survival_days`` the follow-up time in days
    (``survivalTimeInDays``); ``cause`` the cause of death's ontology id.
    """

    status: str
    survival_days: int | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measurement of an assay (e.g. a LOINC code).

    ``value`` is the quantity, None for a measurement with an ontology-class or complex value;
    ``unit`` the unit's id (e.g. ``UCUM:mg/dL``); ``observed_days`` the person's age in days when it
    was observed (an ISO 8601 age at 365.25 days a year, or the days from birth to a timestamp),
    None when the time is not given as either.
    """

    assay: str
    value: float | None = None
    unit: str | None = None
    observed_days: float | None = None


@dataclass(frozen=True, slots=True)
class MedicalAction:
    """A treatment: the agent's id, the disease it targeted and the response to it.

    ``favourable`` is True or False when the response term is NCIT Favorable or Unfavorable, None
    for any other term or none.
    """

    agent: str
    target: str | None = None
    response: str | None = None
    favourable: bool | None = None


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
    vital_status: VitalStatus | None = None
    measurements: tuple[Measurement, ...] = ()
    medical_actions: tuple[MedicalAction, ...] = ()
