"""The clinical variant of the diagnosis benchmark: excluded terms outside the diagnosis' closure."""

from __future__ import annotations

import csv
import heapq
from functools import partial
from pathlib import Path

import pytest
from bench.clinical_exclusions import PHENOTYPIC_ABNORMALITY, DirectLinks, clinical_exclusions

from pmbridge.ingest import parse_phenopacket, to_patient_record
from pmbridge.similarity import DiseaseRanker, PhenotypeQuery, RankingMethod, TermGraph, query_from_record
from pmbridge.vocab import DiseaseAnnotation, Hpo


@pytest.fixture(scope="module")
def links(ranker: DiseaseRanker) -> DirectLinks:
    return DirectLinks.of(ranker.graph)


def dev_cases(shared_data: Path, hpo: Hpo, *, limit: int) -> list[tuple[str, str, PhenotypeQuery]]:
    """The first ``limit`` listed dev cases that have excluded terms."""
    dev = shared_data / "phenopackets-dev"
    found = []
    with (dev / "evaluable_cases.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            doc, problems = parse_phenopacket((dev / row["cohort"] / f"{row['case_id']}.json").read_bytes())
            assert doc is not None and not problems
            query = query_from_record(to_patient_record(doc, dataset_id="dev"), hpo=hpo)
            if query.excluded:
                found.append((row["case_id"], row["diagnosis"], query))
            if len(found) == limit:
                return found
    return found


def test_real_cases_get_as_many_terms_none_in_the_closure(
    shared_data: Path,
    hpo: Hpo,
    ranker: DiseaseRanker,
    annotations: dict[str, DiseaseAnnotation],
    links: DirectLinks,
) -> None:
    graph, ids = ranker.graph, ranker.ids
    checked = 0
    for case_id, diagnosis, query in dev_cases(shared_data, hpo, limit=12):
        if diagnosis not in annotations:
            continue
        disease = annotations[diagnosis]
        closure = graph.closure(p.term for p in disease.phenotypes if not p.excluded)
        hyper = ranker.scores(query, method=RankingMethod.HYPERGEOMETRIC)
        wrong = heapq.nsmallest(
            5, (i for i in range(len(ids)) if ids[i] != diagnosis), key=lambda i: -hyper[i]
        )
        differential = [[p.term for p in annotations[ids[i]].phenotypes if not p.excluded] for i in wrong]
        draw = partial(
            clinical_exclusions,
            case_id,
            observed=query.observed,
            count=len(query.excluded),
            diagnosis_closure=closure,
            differential=differential,
            graph=graph,
            links=links,
        )
        chosen = draw(seed=7)
        assert len(chosen) == len(query.excluded), case_id
        assert chosen == draw(seed=7)
        near = graph.closure(query.observed)
        for term in chosen:
            assert term not in closure
            assert term not in near
            assert not any(o in graph.ancestors(term) for o in query.observed)
            assert PHENOTYPIC_ABNORMALITY in graph.ancestors(term)
        checked += 1
    assert checked >= 8


def test_draws_alternately_and_stops_when_the_pools_run_dry() -> None:
    graph = TermGraph.from_parents(
        {
            "HP:0000118": [],
            "nervous": ["HP:0000118"],
            "seizure": ["nervous"],
            "focal": ["seizure"],
            "absence": ["seizure"],
            "tonic": ["seizure"],
            "eye": ["HP:0000118"],
            "myopia": ["eye"],
            "cataract": ["eye"],
        }
    )
    links = DirectLinks.of(graph)
    chosen = clinical_exclusions(
        "case",
        observed=["focal"],
        count=10,
        diagnosis_closure=graph.closure(["tonic"]),
        differential=[["myopia", "seizure"], ["cataract"]],
        graph=graph,
        links=links,
    )
    # seizure is above an observed term, tonic in the diagnosis' closure: three candidates in all.
    assert sorted(chosen) == ["absence", "cataract", "myopia"]
    assert chosen[1] == "absence"  # the one sibling comes second, after a differential feature
    no_terms = clinical_exclusions(
        "case",
        observed=["focal"],
        count=0,
        diagnosis_closure=(),
        differential=[],
        graph=graph,
        links=links,
    )
    assert no_terms == ()
