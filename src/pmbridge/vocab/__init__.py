"""Vocabularies of PM Bridge: the HPO (via hpo3), Chinese labels, disease annotations, reference data."""

from pmbridge.vocab._annotations import (
    AnnotatedPhenotype,
    DiseaseAnnotation,
    load_disease_annotations,
)
from pmbridge.vocab._datadir import (
    ENV_VAR,
    REFERENCE_FILES,
    DataDir,
    locate_data_dir,
    user_data_dir,
)
from pmbridge.vocab._fetch import (
    BASE_URL_ENV_VAR,
    DEFAULT_RELEASE,
    FetchedFile,
    fetch_reference_data,
    read_manifest,
    reference_base_url,
)
from pmbridge.vocab._frequency import FREQUENCY_TERMS, parse_frequency
from pmbridge.vocab._hpo import Hpo, HpoTerm
from pmbridge.vocab._index import CACHE_ENV_VAR, HpoIndex, cache_dir, load_hpo_index
from pmbridge.vocab._labels_zh import ChineseLabels
from pmbridge.vocab._xrefs import HpoXrefs, read_hpo_xrefs

__all__ = [
    "BASE_URL_ENV_VAR",
    "CACHE_ENV_VAR",
    "DEFAULT_RELEASE",
    "ENV_VAR",
    "FREQUENCY_TERMS",
    "REFERENCE_FILES",
    "AnnotatedPhenotype",
    "ChineseLabels",
    "DataDir",
    "DiseaseAnnotation",
    "FetchedFile",
    "Hpo",
    "HpoIndex",
    "HpoTerm",
    "HpoXrefs",
    "cache_dir",
    "fetch_reference_data",
    "load_disease_annotations",
    "load_hpo_index",
    "locate_data_dir",
    "parse_frequency",
    "read_hpo_xrefs",
    "read_manifest",
    "reference_base_url",
    "user_data_dir",
]
