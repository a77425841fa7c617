"""Pure data types of PM Bridge: individuals, phenotypes, diseases, variants, samples, datasets."""

from pmbridge.model._dataset import DEFAULT_RELEASE_CAPS, Dataset
from pmbridge.model._enums import (
    AccessLevel,
    Granularity,
    Interpretation,
    Jurisdiction,
    Sex,
    Zygosity,
)
from pmbridge.model._query import (
    DIMENSIONS,
    AgeFilter,
    Dimension,
    DiseaseFilter,
    Filter,
    GeneFilter,
    IndividualQuery,
    Operator,
    PhenotypeFilter,
    SexFilter,
)
from pmbridge.model._records import (
    Biosample,
    Disease,
    Individual,
    PatientRecord,
    PhenotypicFeature,
    Variant,
)
from pmbridge.model._terms import DISEASE_PREFIXES, TermId, is_disease_id, is_hpo_id
from pmbridge.model._variables import BINARY, BUILT_INS, CODED, MEANINGS, Source, Variable, built_in

__all__ = [
    "BINARY",
    "BUILT_INS",
    "CODED",
    "DEFAULT_RELEASE_CAPS",
    "DIMENSIONS",
    "DISEASE_PREFIXES",
    "MEANINGS",
    "AccessLevel",
    "AgeFilter",
    "Biosample",
    "Dataset",
    "Dimension",
    "Disease",
    "DiseaseFilter",
    "Filter",
    "GeneFilter",
    "Granularity",
    "Individual",
    "IndividualQuery",
    "Interpretation",
    "Jurisdiction",
    "Operator",
    "PatientRecord",
    "PhenotypeFilter",
    "PhenotypicFeature",
    "Sex",
    "SexFilter",
    "Source",
    "TermId",
    "Variable",
    "Variant",
    "Zygosity",
    "built_in",
    "is_disease_id",
    "is_hpo_id",
]
