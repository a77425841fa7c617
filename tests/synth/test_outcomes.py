"""Synthetic outcomes: standard Phenopacket v2 fields, drawn from a stream of their own (no earlier
draw moved), deterministic, and carrying the effects OUTCOME_MODEL says they carry."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from typing import Any

import orjson
import pytest
from google.protobuf.json_format import ParseDict
from phenopackets.schema.v2 import Phenopacket

from pmbridge.ingest import to_patient_record
from pmbridge.ingest._validator import parse_phenopacket
from pmbridge.synth import LABS, OUTCOME_MODEL, REGIONS, CohortSpec, _individual, generate_cohort
from pmbridge.synth._outcomes import FAVOURABLE, UNFAVOURABLE, Outcomes, Person, draw_outcomes
from pmbridge.vocab import DiseaseAnnotation

Doc = dict[str, Any]
NEW_KEYS = ("measurements", "medicalActions")


def _cohort(annotations: dict[str, DiseaseAnnotation], region: str, size: int, seed: int = 7) -> list[Doc]:
    spec = CohortSpec(f"o-{region}", region, size, seed)
    return list(generate_cohort(spec, annotations=annotations, hpo_release="2025-01-16"))


@pytest.fixture(scope="module")
def large(annotations: dict[str, DiseaseAnnotation]) -> list[Doc]:
    return _cohort(annotations, "eu-north", 5_000)


def _genes(doc: Doc) -> set[str]:
    found: set[str] = set()
    for interpretation in doc["interpretations"]:
        for call in interpretation["diagnosis"]["genomicInterpretations"]:
            found.add(call["variantInterpretation"]["variationDescriptor"]["geneContext"]["symbol"])
    return found


def _without_outcomes(doc: Doc) -> Doc:
    kept = {key: value for key, value in doc.items() if key not in NEW_KEYS}
    kept["subject"] = {k: v for k, v in doc["subject"].items() if k != "vitalStatus"}
    return kept


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_outcomes_are_valid_phenopacket_fields(
    annotations: dict[str, DiseaseAnnotation], region: str
) -> None:
    for doc in _cohort(annotations, region, 300):
        ParseDict(doc, Phenopacket())  # the official parser: every new field is a v2 field
        assert parse_phenopacket(orjson.dumps(doc))[1] == []
        vital = doc["subject"]["vitalStatus"]
        assert vital["status"] in ("ALIVE", "DECEASED") and vital["survivalTimeInDays"] >= 1
        assert ("causeOfDeath" in vital) == (vital["status"] == "DECEASED")
        (action,) = doc["medicalActions"]
        assert action["treatment"]["agent"]["id"] in (OUTCOME_MODEL.arm_a.id, OUTCOME_MODEL.arm_b.id)
        assert action["treatmentTarget"] == doc["diseases"][0]["term"]
        assert action["responseToTreatment"]["id"] in (FAVOURABLE[0], UNFAVOURABLE[0])
        for measurement in doc["measurements"]:
            assert measurement["value"]["quantity"]["value"] > 0
            assert measurement["timeObserved"]["age"]["iso8601duration"].startswith("P")


def test_ingest_reads_what_the_generator_wrote(annotations: dict[str, DiseaseAnnotation]) -> None:
    for doc in _cohort(annotations, "cn", 50):
        record = to_patient_record(doc, dataset_id="ds")
        assert record.vital_status is not None
        assert record.vital_status.survival_days == doc["subject"]["vitalStatus"]["survivalTimeInDays"]
        assert len(record.measurements) == len(doc["measurements"])
        assert all(m.value is not None and m.observed_days is not None for m in record.measurements)
        (action,) = record.medical_actions
        assert action.favourable == (action.response == FAVOURABLE[0])


def test_outcomes_moved_no_earlier_draw(
    annotations: dict[str, DiseaseAnnotation], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_outcomes = _cohort(annotations, "eu-south", 300)

    def nothing(*_: object, **__: object) -> Outcomes:
        return Outcomes(vital_status={}, measurements=[], medical_actions=[])

    monkeypatch.setattr(_individual, "draw_outcomes", nothing)
    without = _cohort(annotations, "eu-south", 300)
    assert [orjson.dumps(_without_outcomes(d)) for d in with_outcomes] == [
        orjson.dumps(_without_outcomes(d)) for d in without
    ]


def test_outcomes_are_deterministic_and_differ_by_seed(annotations: dict[str, DiseaseAnnotation]) -> None:
    first, again = _cohort(annotations, "cn", 100), _cohort(annotations, "cn", 100)
    assert orjson.dumps(first) == orjson.dumps(again)
    other = _cohort(annotations, "cn", 100, seed=8)
    assert [d["medicalActions"] for d in first] != [d["medicalActions"] for d in other]


def test_shares_are_as_documented(large: list[Doc]) -> None:
    died = sum(d["subject"]["vitalStatus"]["status"] == "DECEASED" for d in large) / len(large)
    assert 0.3 <= died <= 0.5
    arm_b = sum(d["medicalActions"][0]["treatment"]["agent"]["id"] == OUTCOME_MODEL.arm_b.id for d in large)
    assert abs(arm_b / len(large) - 0.5) < 0.03
    per_lab = {lab.loinc: 0 for lab in LABS}
    repeated = 0
    for doc in large:
        seen = [m["assay"]["id"] for m in doc["measurements"]]
        for loinc in set(seen):
            per_lab[loinc] += 1
        repeated += len(seen) > len(set(seen))
    assert all(0.88 <= n / len(large) <= 0.96 for n in per_lab.values()), per_lab  # 5-10 % missing
    assert repeated > 0.3 * len(large)


def _share(docs: Iterator[Doc] | list[Doc], test: object) -> float:
    chosen = list(docs)
    return sum(bool(test(d)) for d in chosen) / len(chosen)


def _dead(doc: Doc) -> bool:
    return doc["subject"]["vitalStatus"]["status"] == "DECEASED"


def _favourable(doc: Doc) -> bool:
    return doc["medicalActions"][0]["responseToTreatment"]["id"] == FAVOURABLE[0]


def _arm_b(doc: Doc) -> bool:
    return doc["medicalActions"][0]["treatment"]["agent"]["id"] == OUTCOME_MODEL.arm_b.id


def test_effects_have_the_documented_signs(large: list[Doc]) -> None:
    carriers = [d for d in large if OUTCOME_MODEL.gene in _genes(d)]
    others = [d for d in large if OUTCOME_MODEL.gene not in _genes(d)]
    assert len(carriers) >= 100  # eu-north: about 4 % carry TAT
    assert OUTCOME_MODEL.hr_gene > 0 and _share(carriers, _dead) > _share(others, _dead) + 0.05
    assert OUTCOME_MODEL.response_gene < 0 and _share(carriers, _favourable) < _share(others, _favourable)
    arm_b = [d for d in large if _arm_b(d)]
    arm_a = [d for d in large if not _arm_b(d)]
    assert OUTCOME_MODEL.hr_arm_b < 0 and _share(arm_b, _dead) < _share(arm_a, _dead) - 0.03
    assert OUTCOME_MODEL.response_arm_b > 0 and _share(arm_b, _favourable) > _share(arm_a, _favourable) + 0.1


def test_survival_draw_follows_the_weibull_model() -> None:
    """Without censoring the median is scale * (ln 2 / exp(lp)) ** (1 / shape); check it by simulation."""
    person = Person(
        male=True,
        age_days=3653,
        last_encounter="P10Y",
        born=date(2015, 6, 30),
        gene=OUTCOME_MODEL.gene,
        disease_id="OMIM:276600",
        disease_label="Tyrosinemia, type II",
    )
    n = 4_000
    died_by_horizon = sum(
        draw_outcomes(99, i, person, reference_date=date(2025, 6, 30)).vital_status["status"] == "DECEASED"
        for i in range(n)
    )
    model = OUTCOME_MODEL
    # With the linear predictor of a male carrier aged 10, averaged over both arms, the share dying
    # before censoring is at least the share dying within the shortest horizon minus censoring loss.
    expected_min = 0.0
    for arm_b in (False, True):
        lp = model.linear_predictor(male=True, age=10.0, gene=True, arm_b=arm_b)
        h5 = (model.horizon_years[0] / model.scale_years) ** model.shape * math.exp(lp)
        expected_min += 0.5 * (1 - math.exp(-h5)) * math.exp(-model.loss_per_year * model.horizon_years[0])
    assert died_by_horizon / n > expected_min - 0.03
