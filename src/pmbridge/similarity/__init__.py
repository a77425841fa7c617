"""Phenotype similarity: term and term-set measures, disease ranking, patient matching."""

from pmbridge.similarity._aggregate import Aggregation, set_similarity
from pmbridge.similarity._baselines import (
    best_match_scores,
    hypergeometric_log_sf,
    hypergeometric_scores,
)
from pmbridge.similarity._evidence import Evidence
from pmbridge.similarity._graph import TermGraph
from pmbridge.similarity._hpo import (
    TermInformation,
    graph_from_hpo,
    hpo_similar_anchors,
    load_disease_ranker,
    load_term_information,
    query_from_record,
    resolve_terms,
)
from pmbridge.similarity._information import InformationContent
from pmbridge.similarity._levels import (
    THRESHOLDS,
    SimilarAnchors,
    SimilarityLevel,
    semantic_anchors,
    similar_anchors,
)
from pmbridge.similarity._likelihood import LikelihoodParameters, PhenotypeLikelihood
from pmbridge.similarity._match_index import MatchIndex, TermRows
from pmbridge.similarity._match_score import MatchParameters, PatientProfile, match_score
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
from pmbridge.similarity._requests import (
    CONTACT_REQUEST_SCHEMA,
    PHENOTYPE_REQUEST_SCHEMA,
    ContactRequest,
    PhenotypeRequest,
    parse_contact_request,
    parse_phenotype_request,
)
from pmbridge.similarity._termsets import TermSetIndex
from pmbridge.similarity._vocabulary import TermVocabulary

__all__ = [
    "CONTACT_REQUEST_SCHEMA",
    "PHENOTYPE_REQUEST_SCHEMA",
    "THRESHOLDS",
    "Aggregation",
    "ContactRequest",
    "DiseaseRanker",
    "Evidence",
    "InformationContent",
    "LikelihoodParameters",
    "MatchIndex",
    "MatchParameters",
    "PatientIndex",
    "PatientMatch",
    "PatientProfile",
    "PhenotypeLikelihood",
    "PhenotypeQuery",
    "PhenotypeRequest",
    "RankedDisease",
    "RankingMethod",
    "SimilarAnchors",
    "SimilarityLevel",
    "TermGraph",
    "TermInformation",
    "TermMeasure",
    "TermRows",
    "TermSetIndex",
    "TermSimilarity",
    "TermVocabulary",
    "baseline_term_sets",
    "best_match_scores",
    "graph_from_hpo",
    "hpo_similar_anchors",
    "hypergeometric_log_sf",
    "hypergeometric_scores",
    "jiang_conrath",
    "lin",
    "load_disease_ranker",
    "load_term_information",
    "match_score",
    "parse_contact_request",
    "parse_phenotype_request",
    "pessimistic_rank",
    "query_from_record",
    "resnik",
    "resolve_terms",
    "semantic_anchors",
    "set_similarity",
    "similar_anchors",
    "term_similarity",
]
