"""Patient matching at a node: ranks the node's term sets; results carry ids and scores, nothing else."""

from __future__ import annotations

import dataclasses

import pytest

from pmbridge.similarity import InformationContent, PatientIndex, PatientMatch, TermGraph

PATIENTS = {
    "m-1": ["focal", "myopia"],
    "m-2": ["generalized"],
    "m-3": ["myopia"],
    "m-4": ["focal", "intellectual"],
    "m-5": [],
}


def test_the_closest_patients_come_first(graph: TermGraph) -> None:
    node = PatientIndex(PATIENTS, graph=graph)
    ranked = node.rank(["focal", "myopia"], top=5)
    assert ranked[0].id == "m-1"  # has both terms
    assert ranked[0].rank == 1
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert ranked[-1].id == "m-5" and ranked[-1].score == 0.0


def test_population_ic_is_the_default_and_can_be_replaced(graph: TermGraph, ic: InformationContent) -> None:
    own = PatientIndex(PATIENTS, graph=graph)
    assert own.ic.corpus_size == len(PATIENTS)
    shared = PatientIndex(PATIENTS, graph=graph, ic=ic)
    assert shared.ic is ic
    assert own.rank(["focal"], top=5) != shared.rank(["focal"], top=5)


def test_matches_carry_no_record_fields(graph: TermGraph) -> None:
    assert [f.name for f in dataclasses.fields(PatientMatch)] == ["id", "score", "rank", "dataset"]
    for match in PatientIndex(PATIENTS, graph=graph).rank(["seizure"], top=5):
        assert set(dataclasses.asdict(match)) == {"id", "score", "rank", "dataset"}


def test_ties_rank_pessimistically_in_id_order(graph: TermGraph) -> None:
    node = PatientIndex({"b": ["myopia"], "a": ["myopia"], "c": ["focal"]}, graph=graph)
    ranked = node.rank(["myopia"], top=3)
    assert [(m.id, m.rank) for m in ranked] == [("a", 2), ("b", 2), ("c", 3)]
    assert ranked == node.rank(["myopia"], top=3)


def test_unknown_query_terms_score_nothing(graph: TermGraph) -> None:
    ranked = PatientIndex(PATIENTS, graph=graph).rank(["HP:0000001"], top=2)
    assert [m.score for m in ranked] == pytest.approx([0.0, 0.0])
