"""Beacon similarity levels: a term is similar to the query term at a level exactly when their most
informative common ancestor carries the level's share of the query term's information content."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.similarity import (
    THRESHOLDS,
    InformationContent,
    SimilarityLevel,
    TermGraph,
    hpo_similar_anchors,
    resnik,
    similar_anchors,
)
from pmbridge.vocab import Hpo
from tests.similarity.strategies import TERMS, ontologies

LEVELS = list(SimilarityLevel)


def covered(anchors: tuple[str, ...], graph: TermGraph) -> set[str]:
    """The terms a filter with these anchors matches: an anchor or any term below it."""
    return {t for t in graph if graph.ancestors(t) & set(anchors)}


@settings(max_examples=150, deadline=None)
@given(
    graph=ontologies(),
    corpus=st.lists(st.frozensets(st.sampled_from(TERMS), min_size=1, max_size=3), min_size=1, max_size=8),
    term=st.sampled_from(TERMS),
    level=st.sampled_from(LEVELS[1:]),
)
def test_a_level_matches_exactly_the_terms_sharing_enough_information(
    graph: TermGraph, corpus: list[frozenset[str]], term: str, level: SimilarityLevel
) -> None:
    ic = InformationContent.from_term_sets(graph, corpus)
    anchors = similar_anchors(term, level, graph=graph, ic=ic)
    if ic[term] == 0:
        assert anchors == (term,)
        return
    expected = {t for t in graph if resnik(term, t, graph=graph, ic=ic) >= THRESHOLDS[level] * ic[term]}
    assert covered(anchors, graph) == expected
    assert set(anchors) <= graph.ancestors(term)  # anchors are the term or above it


@settings(max_examples=80, deadline=None)
@given(graph=ontologies(), term=st.sampled_from(TERMS))
def test_levels_widen_from_exact_to_low_and_exact_is_the_term(graph: TermGraph, term: str) -> None:
    ic = InformationContent.from_term_sets(graph, [[t] for t in TERMS[::2]])
    reach = [covered(similar_anchors(term, level, graph=graph, ic=ic), graph) for level in LEVELS]
    assert similar_anchors(term, SimilarityLevel.EXACT, graph=graph, ic=ic) == (term,)
    assert all(narrow <= wide for narrow, wide in pairwise(reach))
    assert graph.descendants(term) <= reach[0]


def test_on_the_hpo_arachnodactyly_is_close_to_long_and_slender_fingers(hpo: Hpo) -> None:
    similar = hpo_similar_anchors(hpo)
    assert similar("HP:0001166", "exact") == ("HP:0001166",)
    assert similar("HP:0001166", "high") == ("HP:0001238", "HP:0100807")  # Slender finger, Long fingers
    assert similar("HP:0001250", "high") == ("HP:0001250",)  # Seizure: its parent is far more general
    assert "HP:0000118" not in similar("HP:0001250", "low")  # never "any phenotypic abnormality"
