"""Outcome fields of real-shaped phenopackets (vitalStatus, measurements, medicalActions) survive
validation, conversion and a store write, and come back out of the analysis frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf.json_format import ParseDict
from phenopackets.schema.v2 import Phenopacket

from pmbridge.ingest import ingest, parse_phenopacket, to_patient_record
from pmbridge.model import Dataset, Measurement, MedicalAction, Source, Variable, VitalStatus
from pmbridge.store import EntryQuery, NodeStore
from pmbridge.vocab import HpoIndex, load_hpo_index, locate_data_dir

LDL, HB = "LOINC:2089-1", "LOINC:718-7"
SIROLIMUS = "CHEBI:9168"

DECEASED: dict[str, Any] = {
    "id": "pp-deceased",
    "subject": {
        "id": "s1",
        "sex": "MALE",
        "dateOfBirth": "2000-01-01T00:00:00Z",
        "timeAtLastEncounter": {"age": {"iso8601duration": "P20Y"}},
        "vitalStatus": {
            "status": "DECEASED",
            "survivalTimeInDays": 730,
            "causeOfDeath": {"id": "OMIM:276600", "label": "Tyrosinemia, type II"},
        },
    },
    "phenotypicFeatures": [{"type": {"id": "HP:0001250"}}],
    "measurements": [
        {  # a quantity at an age
            "assay": {"id": LDL, "label": "LDL cholesterol"},
            "value": {"quantity": {"unit": {"id": "UCUM:mg/dL"}, "value": 101.5}},
            "timeObserved": {"age": {"iso8601duration": "P19Y"}},
        },
        {  # the same assay later, at a timestamp (days from the birth date)
            "assay": {"id": LDL},
            "value": {"quantity": {"unit": {"id": "UCUM:mg/dL"}, "value": "120"}},
            "timeObserved": {"timestamp": "2020-01-11T00:00:00Z"},
        },
        {  # an ontology-class value: the assay is kept, with no number
            "assay": {"id": HB},
            "value": {"ontologyClass": {"id": "NCIT:C14157", "label": "Decreased"}},
        },
    ],
    "medicalActions": [
        {
            "treatment": {"agent": {"id": SIROLIMUS, "label": "sirolimus"}},
            "treatmentTarget": {"id": "OMIM:276600"},
            "responseToTreatment": {"id": "NCIT:C102561", "label": "Unfavorable"},
        },
        {"procedure": {"code": {"id": "NCIT:C51585", "label": "Biopsy"}}},  # no agent: not a treatment
    ],
    "metaData": {"created": "2024-01-01T00:00:00Z", "phenopacketSchemaVersion": "2.0"},
}

ALIVE: dict[str, Any] = {  # proto field names, as the official parser also accepts them
    "id": "pp-alive",
    "subject": {
        "id": "s2",
        "sex": "FEMALE",
        "vital_status": {"status": "ALIVE", "survival_time_in_days": "1200"},
    },
    "medical_actions": [
        {
            "treatment": {"agent": {"id": SIROLIMUS}},
            "response_to_treatment": {"id": "NCIT:C102560", "label": "Favorable"},
        }
    ],
    "meta_data": {"created": "2024-01-01T00:00:00Z", "phenopacket_schema_version": "2.0"},
}

NOTHING: dict[str, Any] = {
    "id": "pp-nothing",
    "subject": {"id": "s3", "sex": "FEMALE"},
    "medicalActions": [{"treatment": {"agent": {"id": SIROLIMUS}}, "responseToTreatment": {"id": "X:1"}}],
    "metaData": {"created": "2024-01-01T00:00:00Z", "phenopacketSchemaVersion": "2.0"},
}


@pytest.mark.parametrize("doc", [DECEASED, ALIVE, NOTHING])
def test_the_examples_are_valid_phenopackets(doc: dict[str, Any]) -> None:
    ParseDict(doc, Phenopacket())
    assert parse_phenopacket(orjson.dumps(doc))[1] == []


def test_conversion_reads_every_outcome_field() -> None:
    record = to_patient_record(DECEASED, dataset_id="ds")
    assert record.vital_status == VitalStatus("DECEASED", 730, "OMIM:276600")
    assert record.measurements == (
        Measurement(LDL, 101.5, "UCUM:mg/dL", round(19 * 365.25, 3)),
        Measurement(LDL, 120.0, "UCUM:mg/dL", 7315.0),
        Measurement(HB, None, None, None),
    )
    assert record.medical_actions == (MedicalAction(SIROLIMUS, "OMIM:276600", "NCIT:C102561", False),)
    alive = to_patient_record(ALIVE, dataset_id="ds")
    assert alive.vital_status == VitalStatus("ALIVE", 1200, None)
    assert alive.medical_actions == (MedicalAction(SIROLIMUS, None, "NCIT:C102560", True),)
    unknown = to_patient_record(NOTHING, dataset_id="ds")
    assert unknown.vital_status is None and unknown.measurements == ()
    assert unknown.medical_actions == (MedicalAction(SIROLIMUS, None, "X:1", None),)


def test_outcomes_round_trip_through_ingest_into_the_store(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for doc in (DECEASED, ALIVE, NOTHING):
        (folder / f"{doc['id']}.json").write_bytes(orjson.dumps(doc))
    hpo: HpoIndex = load_hpo_index(locate_data_dir())
    with NodeStore.open(tmp_path / "n.duckdb") as store:
        report = ingest(
            [folder],
            store=store,
            dataset=Dataset("ds", "ds"),
            hpo=hpo,
            quarantine_path=tmp_path / "q.jsonl",
        )
        assert report.quarantined == 0, report.errors
        counts = store.table_counts()
        assert (counts["vital_status"], counts["measurements"], counts["medical_actions"]) == (2, 3, 3)
        frame = store.analysis_frame(
            EntryQuery("individuals"),
            [
                Variable("time", Source.TIME),
                Variable("event", Source.EVENT),
                Variable("ldl", Source.MEASUREMENT, LDL),
                Variable("hb", Source.MEASUREMENT, HB),
                Variable("sirolimus", Source.TREATMENT, SIROLIMUS),
                Variable("response", Source.RESPONSE, SIROLIMUS),
            ],
        )
    by_person = sorted(frame.drop_columns(["ind", "dataset_id"]).to_pylist(), key=lambda r: r["time"] or 0)
    assert by_person == [
        {"time": None, "event": None, "ldl": None, "hb": None, "sirolimus": 1.0, "response": None},
        {"time": 730.0, "event": 1.0, "ldl": 120.0, "hb": None, "sirolimus": 1.0, "response": 0.0},
        {"time": 1200.0, "event": 0.0, "ldl": None, "hb": None, "sirolimus": 1.0, "response": 1.0},
    ]
