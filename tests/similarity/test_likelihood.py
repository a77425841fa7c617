"""Our model on the hand-made fragment: each ingredient moves the ranking the way it should."""

from __future__ import annotations

import math

import pytest

from pmbridge.similarity import (
    DiseaseRanker,
    LikelihoodParameters,
    PhenotypeLikelihood,
    PhenotypeQuery,
    RankingMethod,
    TermGraph,
)
from pmbridge.vocab import AnnotatedPhenotype, DiseaseAnnotation


def disease(
    disease_id: str,
    *rows: tuple[str, float | None] | tuple[str, float | None, bool],
    genes: tuple[str, ...] = (),
) -> DiseaseAnnotation:
    phenotypes = tuple(
        AnnotatedPhenotype(row[0], row[1], row[2] if len(row) > 2 else False, None)  # type: ignore[misc]
        for row in rows
    )
    return DiseaseAnnotation(disease_id, f"disease {disease_id}", phenotypes, (), (), genes)


def ranking(model: PhenotypeLikelihood, observed: list[str], **options: list[str]) -> list[str]:
    scores = model.scores(observed, **options)
    return [d for _, d in sorted(zip(scores, model.ids, strict=True), key=lambda p: (-p[0], p[1]))]


def test_an_exact_match_beats_a_sibling_and_a_sibling_beats_nothing(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [
            disease("exact", ("focal", 0.5)),
            disease("sibling", ("generalized", 0.5)),
            disease("other", ("myopia", 0.5)),
        ],
        graph=graph,
    )
    assert ranking(model, ["focal"]) == ["exact", "sibling", "other"]


def test_a_more_specific_term_matches_its_annotated_parent(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [disease("parent", ("seizure", 0.5)), disease("cousin", ("generalized", 0.5))], graph=graph
    )
    assert ranking(model, ["focal"]) == ["parent", "cousin"]


def test_frequent_features_weigh_more_than_rare_ones(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [
            disease("often", ("myopia", 0.9), ("focal", 0.9)),
            disease("rarely", ("myopia", 0.1), ("focal", 0.9)),
        ],
        graph=graph,
    )
    assert ranking(model, ["myopia"]) == ["often", "rarely"]


def test_an_excluded_obligate_feature_counts_against(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [
            disease("always", ("focal", 1.0), ("myopia", 1.0)),
            disease("sometimes", ("focal", 1.0), ("myopia", 0.1)),
        ],
        graph=graph,
    )
    assert ranking(model, ["focal"], excluded=["myopia"]) == ["sometimes", "always"]


def test_a_not_annotation_counts_against_an_observed_term_and_below(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [
            disease("denies", ("intellectual", 0.5), ("seizure", None, True)),
            disease("silent", ("intellectual", 0.5)),
        ],
        graph=graph,
    )
    scores = dict(zip(model.ids, model.scores(["intellectual", "focal"]), strict=True))
    assert scores["denies"] < scores["silent"]


def test_the_gene_outweighs_a_phenotype(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [disease("fits", ("focal", 1.0)), disease("carrier", ("generalized", 0.5), genes=("SCN1A",))],
        graph=graph,
    )
    assert ranking(model, ["focal"]) == ["fits", "carrier"]
    assert ranking(model, ["focal"], genes=["SCN1A"]) == ["carrier", "fits"]


def test_more_matching_terms_rank_higher(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [disease("both", ("focal", 0.5), ("myopia", 0.5)), disease("one", ("focal", 0.5))], graph=graph
    )
    assert ranking(model, ["focal", "myopia"]) == ["both", "one"]


def test_unknown_terms_are_ignored_and_no_terms_tie_everything(graph: TermGraph) -> None:
    model = PhenotypeLikelihood([disease("a", ("focal", 0.5)), disease("b", ("myopia", 0.5))], graph=graph)
    assert model.scores(["HP:0000001"]) == [0.0, 0.0]
    assert model.scores([]) == [0.0, 0.0]


def test_rankings_are_deterministic_with_pessimistic_ties(graph: TermGraph) -> None:
    annotations = {
        d.id: d
        for d in (
            disease("OMIM:3", ("focal", 0.5)),
            disease("OMIM:1", ("focal", 0.5)),
            disease("OMIM:2", ("myopia", 0.5)),
            disease("ORPHA:9", ("focal", 1.0)),
        )
    }
    ranker = DiseaseRanker(annotations, graph=graph, release="fragment")
    query = PhenotypeQuery(observed=("focal",))
    first = ranker.rank(query, top=3)
    assert [(r.id, r.rank) for r in first] == [("OMIM:1", 2), ("OMIM:3", 2), ("OMIM:2", 3)]
    assert ranker.rank(query, top=3) == first
    assert len(ranker) == 3  # OMIM only by default
    for method in RankingMethod:
        assert ranker.rank(query, method=method, top=3) == ranker.rank(query, method=method, top=3)


def test_parameters_are_keyword_only_and_change_the_model(graph: TermGraph) -> None:
    with pytest.raises(TypeError):
        LikelihoodParameters(0.1)  # type: ignore[misc]
    annotations = [disease("a", ("focal", 0.5)), disease("b", ("generalized", 0.5))]
    strict = PhenotypeLikelihood(annotations, graph=graph, parameters=LikelihoodParameters(sibling=0.0))
    lenient = PhenotypeLikelihood(annotations, graph=graph)
    assert strict.scores(["focal"])[1] < lenient.scores(["focal"])[1]


def test_an_excluded_feature_never_promotes_the_diseases_that_have_it(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [
            disease("always", ("focal", 1.0)),
            disease("rarely", ("focal", 0.05)),
            disease("never", ("myopia", 1.0)),
        ],
        graph=graph,
    )
    change = dict(zip(model.ids, model.scores([], excluded=["seizure"]), strict=True))
    assert change["never"] == 0.0  # a disease without the feature: ratio 1
    assert change["always"] < change["rarely"] <= 0.0
    assert change["rarely"] > math.log(0.95)  # rare: barely any evidence
    floor = LikelihoodParameters().excluded_floor
    assert change["always"] >= math.log(floor)  # obligate: strong, but a missed feature is possible


def test_evidence_of_a_disease_sums_to_its_score(graph: TermGraph) -> None:
    model = PhenotypeLikelihood(
        [disease("a", ("focal", 0.5), ("myopia", 1.0), genes=("G",)), disease("b", ("generalized", 0.5))],
        graph=graph,
    )
    observed, excluded = ["focal", "intellectual"], ["myopia", "generalized"]
    scores = model.scores(observed, excluded=excluded, genes=["G"])
    for i in range(len(model)):
        evidence = model.evidence(i, observed, excluded=excluded, genes=["G"])
        assert sum(e.weight for e in evidence) * math.log(10) == pytest.approx(scores[i])
    first = model.evidence(0, observed, excluded=excluded, genes=["G"])
    assert (first[0].term, first[0].kind) == ("G", "gene")
    assert {e.kind for e in first} == {"gene", "observed", "excluded"}
