"""Excluded features on the real release (2025-01-16): an absent feature only ever counts against
the diseases that have it, and the ranker's evidence adds up to its scores."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.similarity import DiseaseRanker, Evidence, PhenotypeQuery
from pmbridge.vocab import DiseaseAnnotation

GDD, SEIZURE = "HP:0001263", "HP:0001250"


@pytest.fixture(scope="module")
def holders(ranker: DiseaseRanker, annotations: dict[str, DiseaseAnnotation]) -> dict[str, frozenset[int]]:
    """Per term, the positions of the ranked diseases whose annotation closure holds it (NOT rows aside)."""
    found: dict[str, set[int]] = {}
    for i, disease_id in enumerate(ranker.ids):
        rows = [
            p.term for p in annotations[disease_id].phenotypes if not p.excluded and p.term in ranker.graph
        ]
        for term in ranker.graph.closure(rows):
            found.setdefault(term, set()).add(i)
    return {term: frozenset(held) for term, held in found.items()}


@pytest.fixture(scope="module")
def annotated_terms(holders: dict[str, frozenset[int]]) -> list[str]:
    return sorted(holders)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_excluded_term_never_helps_a_disease_that_has_it(
    ranker: DiseaseRanker, holders: dict[str, frozenset[int]], annotated_terms: list[str], data: st.DataObject
) -> None:
    terms = st.sampled_from(annotated_terms)
    observed = data.draw(st.lists(terms, min_size=0, max_size=6, unique=True), label="observed")
    excluded = data.draw(st.lists(terms, max_size=3, unique=True), label="excluded")
    term = data.draw(terms.filter(lambda t: t not in excluded), label="newly excluded")
    before = ranker.likelihood.scores(observed, excluded=excluded)
    after = ranker.likelihood.scores(observed, excluded=[*excluded, term])
    change = [b - a for a, b in zip(before, after, strict=True)]
    having = holders[term]
    # The diseases without the term are untouched, so for every pair (D with it, E without it)
    # score(D) - score(E) moves by change[D] <= 0: neither D's score nor its rank can improve.
    assert all(change[i] <= 0.0 for i in having)
    assert all(c == 0.0 for i, c in enumerate(change) if i not in having)


def _seizure_disorders_in_top_ten(
    ranker: DiseaseRanker, holders: dict[str, frozenset[int]], query: PhenotypeQuery
) -> int:
    position = {d: i for i, d in enumerate(ranker.ids)}
    return sum(position[r.id] in holders[SEIZURE] for r in ranker.rank(query, top=10))


def test_a_ruled_out_seizure_ranks_fewer_seizure_disorders(
    ranker: DiseaseRanker, holders: dict[str, frozenset[int]]
) -> None:
    """The clinician's query of issue 12: the exclusion once put 10 seizure disorders in the top 10
    (4 without it); now it puts 2 (5 without)."""
    without = _seizure_disorders_in_top_ten(ranker, holders, PhenotypeQuery(observed=(GDD,)))
    ruled_out = _seizure_disorders_in_top_ten(
        ranker, holders, PhenotypeQuery(observed=(GDD,), excluded=(SEIZURE,))
    )
    assert ruled_out < without
    assert (without, ruled_out) == (5, 2)


def test_an_obligate_feature_weighs_strongly_against_and_a_rare_one_barely(ranker: DiseaseRanker) -> None:
    excluded = ranker.likelihood.scores([], excluded=[SEIZURE])
    against = [v for v in excluded if v < 0]
    assert max(excluded) == 0.0  # no disease gains
    assert math.log(ranker.likelihood.parameters.excluded_floor) <= min(against) < math.log(0.2)
    assert max(against) > math.log(0.95)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_evidence_sums_to_the_score(
    ranker: DiseaseRanker, annotated_terms: list[str], data: st.DataObject
) -> None:
    terms = st.sampled_from(annotated_terms)
    query = PhenotypeQuery(
        observed=tuple(data.draw(st.lists(terms, min_size=1, max_size=6, unique=True), label="observed")),
        excluded=tuple(data.draw(st.lists(terms, max_size=3, unique=True), label="excluded")),
        genes=tuple(
            data.draw(st.lists(st.sampled_from(["SCN1A", "FBN1", "MECP2", "NOPE"]), max_size=2, unique=True))
        ),
    )
    ranked = ranker.rank(query, top=5)
    for disease in ranked:
        assert sum(e.weight for e in disease.evidence) * math.log(10) == pytest.approx(
            disease.score, abs=1e-9
        )
        weights = [abs(e.weight) for e in disease.evidence]
        assert weights == sorted(weights, reverse=True)
        assert all(e.weight != 0.0 for e in disease.evidence)
        assert {e.term for e in disease.evidence if e.kind == "gene"} <= set(query.genes) & set(disease.genes)


def test_evidence_shows_a_ruled_out_feature_against(ranker: DiseaseRanker) -> None:
    query = PhenotypeQuery(observed=(GDD,), excluded=(SEIZURE,))
    explained = [e for r in ranker.rank(query, top=50) for e in r.evidence]
    assert {e.kind for e in explained} == {"observed", "excluded"}
    assert all(e.weight < 0 for e in explained if e.kind == "excluded")
    assert Evidence(GDD, "observed", 1.234).to_dict() == {"term": GDD, "kind": "observed", "weight": 1.23}
