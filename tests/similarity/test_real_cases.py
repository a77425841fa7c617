"""Real published cases (phenopacket-store dev split, not cited by the HPO annotations) on HPO 2025-01-16."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pmbridge.errors import UnknownTerm
from pmbridge.ingest import parse_phenopacket, to_patient_record
from pmbridge.similarity import (
    DiseaseRanker,
    PhenotypeQuery,
    RankingMethod,
    pessimistic_rank,
    query_from_record,
    resolve_terms,
)
from pmbridge.vocab import Hpo

CASES = [
    ("APTX", "PMID_28652255_V_4", "OMIM:208920"),  # ataxia with oculomotor apraxia 1
    ("FKBP10", "PMID_29801479_proband", "OMIM:610968"),  # osteogenesis imperfecta XI
    ("HOXA13", "PMID_17935235_father_II_2", "OMIM:140000"),  # hand-foot-uterus syndrome
]


def _query(shared_data: Path, hpo: Hpo, cohort: str, case_id: str) -> PhenotypeQuery:
    path = shared_data / "phenopackets-dev" / cohort / f"{case_id}.json"
    doc, problems = parse_phenopacket(path.read_bytes())
    assert doc is not None and problems == []
    return query_from_record(to_patient_record(doc, dataset_id="dev"), hpo=hpo)


def _rank_of(ranker: DiseaseRanker, query: PhenotypeQuery, diagnosis: str, method: RankingMethod) -> int:
    scores = ranker.scores(query, method=method)
    return pessimistic_rank(scores, ranker.ids.index(diagnosis))


@pytest.mark.parametrize(("cohort", "case_id", "diagnosis"), CASES)
def test_the_diagnosis_ranks_high_and_first_with_the_gene(
    ranker: DiseaseRanker, shared_data: Path, hpo: Hpo, cohort: str, case_id: str, diagnosis: str
) -> None:
    query = _query(shared_data, hpo, cohort, case_id)
    assert query.genes == (cohort,)
    phenotypes_only = replace(query, genes=())
    ours = _rank_of(ranker, phenotypes_only, diagnosis, RankingMethod.LIKELIHOOD)
    # the enrichment baseline ranks it lower for these cases
    assert ours < _rank_of(ranker, phenotypes_only, diagnosis, RankingMethod.HYPERGEOMETRIC)
    assert ours <= 5
    assert ranker.rank(query, top=1)[0].id == diagnosis


def test_ranker_covers_the_omim_diseases_of_the_release(ranker: DiseaseRanker) -> None:
    assert ranker.release == "2025-01-16"
    assert len(ranker) == 8359
    assert all(d.startswith("OMIM:") for d in ranker.ids)


def test_terms_resolve_from_ids_labels_and_chinese(hpo: Hpo) -> None:
    assert resolve_terms(["HP:0001250", "seizure", "癫痫发作", "Global developmental delay"], hpo=hpo) == (
        "HP:0001250",
        "HP:0001263",
    )
    assert resolve_terms(["HP:0000057"], hpo=hpo) == ("HP:0008665",)  # obsolete: its replacement
    with pytest.raises(UnknownTerm):
        resolve_terms(["no such phenotype"], hpo=hpo)
