"""What a caller asks a node: Beacon-style filters over individuals, compiled to SQL by the store."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from pmbridge.model._enums import Granularity


class Operator(StrEnum):
    """Beacon alphanumeric filter operators."""

    EQ = "="
    LT = "<"
    GT = ">"
    LE = "<="
    GE = ">="
    NE = "!"


@dataclass(frozen=True, slots=True)
class PhenotypeFilter:
    """Has HPO ``term`` (or, by default, any of its descendants) as an observed feature."""

    term: str
    include_descendants: bool = True


@dataclass(frozen=True, slots=True)
class DiseaseFilter:
    """Has the diagnosis ``term`` (OMIM, ORPHA or MONDO)."""

    term: str


@dataclass(frozen=True, slots=True)
class GeneFilter:
    """Carries a variant in the gene with HGNC symbol ``symbol``."""

    symbol: str


@dataclass(frozen=True, slots=True)
class SexFilter:
    """Is of the given phenopacket sex (FEMALE, MALE, OTHER_SEX, UNKNOWN_SEX)."""

    sex: str
    negate: bool = False


@dataclass(frozen=True, slots=True)
class AgeFilter:
    """Age in years compares to ``years`` with ``operator``."""

    operator: Operator
    years: float


Filter = PhenotypeFilter | DiseaseFilter | GeneFilter | SexFilter | AgeFilter


@dataclass(frozen=True, slots=True)
class IndividualQuery:
    """A conjunction (AND) of filters over individuals, optionally limited to some datasets."""

    filters: tuple[Filter, ...] = ()
    dataset_ids: tuple[str, ...] = ()
    granularity: Granularity = Granularity.COUNT


Dimension = Literal["sex", "ageBand", "phenotypeCategory"]
DIMENSIONS: Final = ("sex", "ageBand", "phenotypeCategory")
"""What an aggregate query may break its counts down by: a node's store computes the cells, the
hub and the API schema only name them."""
