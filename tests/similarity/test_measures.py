"""Term and term-set similarity on the hand-made fragment of conftest.py, against values worked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import UnknownTerm, VocabularyError
from pmbridge.similarity import (
    Aggregation,
    InformationContent,
    TermGraph,
    TermMeasure,
    jiang_conrath,
    lin,
    resnik,
    set_similarity,
    term_similarity,
)

from .conftest import PARENTS

LN2, LN4, LN43 = math.log(2), math.log(4), math.log(4 / 3)
TERMS = sorted(PARENTS)


def test_information_content_counts_diseases_under_each_term(ic: InformationContent) -> None:
    expected = {
        "root": 0.0,
        "nervous": LN43,
        "seizure": LN2,
        "intellectual": LN2,
        "eye": LN2,
        "myopia": LN2,
        "focal": LN4,
        "generalized": LN4,
    }
    assert {t: ic[t] for t in expected} == pytest.approx(expected)
    assert ic.corpus_size == 4
    assert ic["not a term"] == pytest.approx(LN4)  # unseen: as rare as a single occurrence


def test_population_ic_is_the_same_computation_over_patients(graph: TermGraph) -> None:
    patients = [["focal"], ["focal", "myopia"], ["eye"]]
    ic = InformationContent.from_term_sets(graph, patients)
    assert ic["focal"] == pytest.approx(math.log(3 / 2))
    assert ic["eye"] == pytest.approx(math.log(3 / 2))
    assert ic["myopia"] == pytest.approx(math.log(3))
    assert ic["root"] == 0.0


@pytest.mark.parametrize(
    ("a", "b", "expected_resnik", "expected_lin", "expected_jc"),
    [
        ("focal", "generalized", LN2, 2 * LN2 / (2 * LN4), 1 / (1 + 2 * LN4 - 2 * LN2)),
        ("focal", "intellectual", LN43, 2 * LN43 / (LN4 + LN2), 1 / (1 + LN4 + LN2 - 2 * LN43)),
        ("focal", "myopia", 0.0, 0.0, 1 / (1 + LN4 + LN2)),
        ("focal", "seizure", LN2, 2 * LN2 / (LN4 + LN2), 1 / (1 + LN4 - LN2)),
        ("focal", "focal", LN4, 1.0, 1.0),
    ],
)
def test_term_measures_by_hand(
    graph: TermGraph,
    ic: InformationContent,
    a: str,
    b: str,
    expected_resnik: float,
    expected_lin: float,
    expected_jc: float,
) -> None:
    assert resnik(a, b, graph=graph, ic=ic) == pytest.approx(expected_resnik)
    assert lin(a, b, graph=graph, ic=ic) == pytest.approx(expected_lin)
    assert jiang_conrath(a, b, graph=graph, ic=ic) == pytest.approx(expected_jc)


def test_best_match_average_by_hand(graph: TermGraph, ic: InformationContent) -> None:
    similar = term_similarity(TermMeasure.RESNIK, graph=graph, ic=ic)
    query, disease = ["focal", "myopia"], ["focal", "intellectual"]
    # query -> disease: focal ln4, myopia 0; disease -> query: focal ln4, intellectual ln 4/3
    forward, backward = LN4 / 2, (LN4 + LN43) / 2
    cases = {
        Aggregation.BMA: (forward + backward) / 2,
        Aggregation.QUERY_BMA: forward,
        Aggregation.FUN_SIM_MAX: backward,
        Aggregation.MAX: LN4,
        Aggregation.AVERAGE: (LN4 + LN43 + 0 + 0) / 4,
    }
    for aggregation, expected in cases.items():
        got = set_similarity(query, disease, similarity=similar, aggregation=aggregation)
        assert got == pytest.approx(expected), aggregation


def test_unknown_terms_and_cycles_are_errors(graph: TermGraph, ic: InformationContent) -> None:
    with pytest.raises(UnknownTerm):
        resnik("focal", "HP:0000001", graph=graph, ic=ic)
    with pytest.raises(VocabularyError, match="cycle"):
        TermGraph.from_parents({"a": ["b"], "b": ["a"]})


term_sets = st.lists(st.sampled_from(TERMS), min_size=1, max_size=5, unique=True)


@settings(max_examples=200, deadline=None)
@given(a=st.sampled_from(TERMS), b=st.sampled_from(TERMS))
def test_term_measures_are_symmetric_and_bounded(
    graph: TermGraph, ic: InformationContent, a: str, b: str
) -> None:
    top = max(ic[t] for t in TERMS)
    assert 0.0 <= resnik(a, b, graph=graph, ic=ic) == resnik(b, a, graph=graph, ic=ic) <= top
    for measure in (lin, jiang_conrath):
        value = measure(a, b, graph=graph, ic=ic)
        assert 0.0 <= value <= 1.0
        assert value == pytest.approx(measure(b, a, graph=graph, ic=ic))
    assert resnik(a, b, graph=graph, ic=ic) <= min(ic[a], ic[b]) + 1e-12


@settings(max_examples=200, deadline=None)
@given(
    query=term_sets,
    target=term_sets,
    measure=st.sampled_from(list(TermMeasure)),
    aggregation=st.sampled_from([a for a in Aggregation if a is not Aggregation.QUERY_BMA]),
)
def test_set_similarity_is_symmetric_and_bounded(
    graph: TermGraph,
    ic: InformationContent,
    query: list[str],
    target: list[str],
    measure: TermMeasure,
    aggregation: Aggregation,
) -> None:
    similar = term_similarity(measure, graph=graph, ic=ic)
    forward = set_similarity(query, target, similarity=similar, aggregation=aggregation)
    backward = set_similarity(target, query, similarity=similar, aggregation=aggregation)
    assert forward == pytest.approx(backward)
    ceiling = max(ic[t] for t in TERMS) if measure is TermMeasure.RESNIK else 1.0
    assert 0.0 <= forward <= ceiling + 1e-12


@settings(max_examples=100, deadline=None)
@given(terms=term_sets, measure=st.sampled_from([TermMeasure.LIN, TermMeasure.JIANG_CONRATH]))
def test_a_set_is_most_similar_to_itself(
    graph: TermGraph, ic: InformationContent, terms: list[str], measure: TermMeasure
) -> None:
    similar = term_similarity(measure, graph=graph, ic=ic)
    assert set_similarity(terms, terms, similarity=similar) == pytest.approx(1.0)
