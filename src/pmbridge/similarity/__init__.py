"""Phenotype similarity: term and term-set measures, disease ranking, patient matching."""

from pmbridge.similarity._aggregate import Aggregation, set_similarity
from pmbridge.similarity._baselines import (
    best_match_scores,
    hypergeometric_log_sf,
    hypergeometric_scores,
)
from pmbridge.similarity._graph import TermGraph
from pmbridge.similarity._hpo import (
    graph_from_hpo,
    load_disease_ranker,
    query_from_record,
    resolve_terms,
)
from pmbridge.similarity._information import InformationContent
from pmbridge.similarity._likelihood import LikelihoodParameters, PhenotypeLikelihood
from pmbridge.similarity._measures import (
    TermMeasure,
    TermSimilarity,
    jiang_conrath,
    lin,
    resnik,
    term_similarity,
)
from pmbridge.similarity._patients import PatientIndex, PatientMatch
from pmbridge.similarity._ranking import (
    DiseaseRanker,
    PhenotypeQuery,
    RankedDisease,
    RankingMethod,
    baseline_term_sets,
    pessimistic_rank,
)
from pmbridge.similarity._termsets import TermSetIndex

__all__ = [
    "Aggregation",
    "DiseaseRanker",
    "InformationContent",
    "LikelihoodParameters",
    "PatientIndex",
    "PatientMatch",
    "PhenotypeLikelihood",
    "PhenotypeQuery",
    "RankedDisease",
    "RankingMethod",
    "TermGraph",
    "TermMeasure",
    "TermSetIndex",
    "TermSimilarity",
    "baseline_term_sets",
    "best_match_scores",
    "graph_from_hpo",
    "hypergeometric_log_sf",
    "hypergeometric_scores",
    "jiang_conrath",
    "lin",
    "load_disease_ranker",
    "pessimistic_rank",
    "query_from_record",
    "resnik",
    "resolve_terms",
    "set_similarity",
    "term_similarity",
]
