"""The vectorised match index equals the match score written with the plain set measures, on random
populations of random ontologies; its rankings are deterministic and carry ids and scores only."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.similarity import (
    InformationContent,
    MatchIndex,
    MatchParameters,
    PatientProfile,
    PhenotypeQuery,
    TermGraph,
    TermVocabulary,
    match_score,
)
from tests.similarity.strategies import TERMS, ontologies

term_sets = st.frozensets(st.sampled_from([*TERMS, "unknown"]), max_size=5)
profiles = st.builds(PatientProfile, term_sets, term_sets, st.frozensets(st.sampled_from(["G1", "G2"])))
queries = st.builds(
    PhenotypeQuery,
    st.lists(st.sampled_from([*TERMS, "unknown"]), min_size=1, max_size=5).map(tuple),
    st.lists(st.sampled_from(TERMS), max_size=3).map(tuple),
    st.lists(st.sampled_from(["G1", "G2", "G3"]), max_size=2).map(tuple),
)
populations = st.dictionaries(st.text("abcxyz", min_size=1, max_size=3), profiles, min_size=1, max_size=12)


def index_of(
    patients: dict[str, PatientProfile], graph: TermGraph, ic: InformationContent, parameters: MatchParameters
) -> MatchIndex:
    datasets = {key: ("ds-a" if i % 2 else "ds-b") for i, key in enumerate(patients)}
    return MatchIndex.from_profiles(
        patients, datasets=datasets, vocabulary=TermVocabulary(graph, ic), parameters=parameters
    )


@settings(max_examples=150, deadline=None)
@given(
    graph=ontologies(),
    patients=populations,
    corpus=st.lists(st.frozensets(st.sampled_from(TERMS), min_size=1, max_size=3), min_size=1, max_size=6),
    query=queries,
    gene_bonus=st.floats(0, 2),
    conflict_weight=st.floats(0, 2),
)
def test_the_index_equals_the_plain_definition(
    graph: TermGraph,
    patients: dict[str, PatientProfile],
    corpus: list[frozenset[str]],
    query: PhenotypeQuery,
    gene_bonus: float,
    conflict_weight: float,
) -> None:
    ic = InformationContent.from_term_sets(graph, corpus)
    parameters = MatchParameters(gene_bonus=gene_bonus, conflict_weight=conflict_weight)
    index = index_of(patients, graph, ic, parameters)
    fast = index.scores(query)
    for i, key in enumerate(index.ids):
        slow = match_score(query, patients[key], graph=graph, ic=ic, parameters=parameters)
        assert math.isclose(fast[i], slow, rel_tol=0, abs_tol=1e-9), (key, fast[i], slow)


@settings(max_examples=100, deadline=None)
@given(graph=ontologies(), patients=populations, query=queries, limit=st.integers(1, 15))
def test_top_is_the_sorted_scores_ties_by_id_with_pessimistic_ranks(
    graph: TermGraph, patients: dict[str, PatientProfile], query: PhenotypeQuery, limit: int
) -> None:
    ic = InformationContent.from_term_sets(graph, [p.observed for p in patients.values()])
    index = index_of(patients, graph, ic, MatchParameters())
    scores = index.scores(query)
    for datasets in (None, {"ds-a"}):
        pool = [
            (float(scores[i]), key)
            for i, key in enumerate(index.ids)
            if datasets is None or index.datasets[index.dataset_codes[i]] in datasets
        ]
        expected = sorted(pool, key=lambda item: (-item[0], item[1]))[:limit]
        top = index.top(scores, limit=limit, datasets=datasets)
        assert [(m.score, m.id) for m in top] == expected
        assert [m.rank for m in top] == [sum(1 for s, _ in pool if s >= m.score) for m in top]
        assert top == index.top(index.scores(query), limit=limit, datasets=datasets)


@settings(max_examples=60, deadline=None)
@given(graph=ontologies(), patients=populations, query=queries)
def test_band_counts_partition_the_patients_above_the_lowest_bound(
    graph: TermGraph, patients: dict[str, PatientProfile], query: PhenotypeQuery
) -> None:
    ic = InformationContent.from_term_sets(graph, [p.observed for p in patients.values()])
    index = index_of(patients, graph, ic, MatchParameters())
    scores = index.scores(query)
    bounds = (0.2, 0.5, 0.8)
    counts = index.band_counts(scores, bounds=bounds)
    for name, per_band in counts.items():
        mine = [
            float(s) for s, c in zip(scores, index.dataset_codes, strict=True) if index.datasets[c] == name
        ]
        assert per_band == tuple(
            sum(1 for s in mine if lo <= s < hi)
            for lo, hi in zip(bounds, (*bounds[1:], math.inf), strict=True)
        )


def test_a_patient_with_the_query_terms_scores_one(graph: TermGraph, ic: InformationContent) -> None:
    patients = {
        "same": PatientProfile(frozenset({"focal", "myopia"})),
        "near": PatientProfile(frozenset({"generalized", "myopia"})),
        "none": PatientProfile(frozenset()),
        "contradicts": PatientProfile(frozenset({"focal", "myopia"}), excluded=frozenset({"seizure"})),
        "carrier": PatientProfile(frozenset({"myopia"}), genes=frozenset({"SCN1A"})),
    }
    index = index_of(patients, graph, ic, MatchParameters())
    query = PhenotypeQuery(("focal", "myopia"), genes=("SCN1A",))
    scores = dict(zip(index.ids, index.scores(query).tolist(), strict=True))
    assert scores["same"] == pytest.approx(1.0)
    assert scores["none"] == 0.0
    assert scores["contradicts"] == pytest.approx(1.0 - 0.5 * 0.5)  # rules out one of two terms
    assert 0 < scores["near"] < 1
    # Half the phenotype (only myopia) plus the gene bonus ties with the perfect match: ties go by id.
    assert scores["carrier"] == pytest.approx(1.0)
    assert [(m.id, m.rank) for m in index.top(index.scores(query), limit=3)] == [
        ("carrier", 2),
        ("same", 2),
        ("contradicts", 3),
    ]
