"""Every form of FHIR input: NDJSON bulk exports, Bundles of Bundles, contained resources, bad
lines (quarantined as read) and unusable inputs (an IngestError, nothing read)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import Level, RawItem, to_patient_record
from pmbridge.ingest._fhir_source import read_fhir

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1990-04"}
HPO = "http://human-phenotype-ontology.org"


def condition(rid: str, subject: str, system: str, code: str, **more: object) -> dict[str, object]:
    return {
        "resourceType": "Condition",
        "id": rid,
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": subject},
        **more,
    }


def ndjson(path: Path, *resources: object) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in resources))
    return path


def read(path: Path) -> list[RawItem]:
    return [item for item, _ in read_fhir(str(path))]


def test_bulk_export_folder_groups_a_patients_resources_across_files(tmp_path: Path) -> None:
    ndjson(tmp_path / "Patient.ndjson", PATIENT, {**PATIENT, "id": "p2", "gender": "male"})
    ndjson(
        tmp_path / "Condition.ndjson",
        condition("c1", "Patient/p1", "https://omim.org", "154700"),
        condition("c2", "Patient/p2", HPO, "HP:0001250"),
        condition(
            "c3",
            "Patient/p2",
            HPO,
            "HP:0001263",
            verificationStatus={"coding": [{"code": "refuted"}]},
            onsetAge={"value": 3, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
        ),
    )
    found = {item.source.rsplit("#", 1)[1]: item for item in read(tmp_path)}
    assert set(found) == {"Patient/p1", "Patient/p2"}
    one = to_patient_record(json.loads(found["Patient/p1"].raw), dataset_id="d")
    assert [d.term for d in one.diseases] == ["OMIM:154700"]
    assert one.individual.year_of_birth == 1990
    two = to_patient_record(json.loads(found["Patient/p2"].raw), dataset_id="d")
    assert [(f.term, f.excluded, f.onset) for f in two.phenotypic_features] == [
        ("HP:0001250", False, None),
        ("HP:0001263", True, "P3Y"),  # refuted → excluded; onsetAge → ISO 8601
    ]


def test_phenomics_exchange_observation_present_and_absent(tmp_path: Path) -> None:
    def phenotype(rid: str, answer: str) -> dict[str, object]:
        return {
            "resourceType": "Observation",
            "id": rid,
            "meta": {"profile": ["http://hl7.org/fhir/uv/phenomics-exchange/StructureDefinition/phenotype"]},
            "status": "final",
            "code": {"coding": [{"system": HPO, "code": "HP:0001250", "display": "Seizure"}]},
            "subject": {"reference": "Patient/p1"},
            "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": answer}]},
        }

    path = ndjson(tmp_path / "x.ndjson", PATIENT, phenotype("o1", "LA9633-4"), phenotype("o2", "LA9634-2"))
    (item,) = read(path)
    record = to_patient_record(json.loads(item.raw), dataset_id="d")
    assert [(f.term, f.excluded) for f in record.phenotypic_features] == [
        ("HP:0001250", False),
        ("HP:0001250", True),
    ]


def test_nested_bundles_contained_medication_and_unmapped_resources(tmp_path: Path) -> None:
    chebi = "http://purl.obolibrary.org/obo/chebi.owl"
    statement = {
        "resourceType": "MedicationStatement",
        "id": "m1",
        "status": "active",
        "contained": [{"resourceType": "Medication", "id": "med", "code": {"coding": [
            {"system": chebi, "code": "CHEBI:8382", "display": "prednisone"}
        ]}}],
        "medicationReference": {"reference": "#med"},
        "subject": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"},
    }  # fmt: skip
    inner = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111", "resource": PATIENT},
            {"resource": statement},
            {"resource": {"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p1"}}},
        ],
    }
    outer = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": inner}]}
    path = tmp_path / "b.json"
    path.write_bytes(orjson.dumps(outer))
    (item,) = read(path)
    record = to_patient_record(json.loads(item.raw), dataset_id="d")
    assert [a.agent for a in record.medical_actions] == ["CHEBI:8382"]
    assert {n.path: n.level for n in item.notes} == {"Encounter/e1": Level.WARNING}


def test_bad_lines_are_quarantined_as_read_and_good_ones_map(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_bytes(orjson.dumps(PATIENT) + b"\n{not json\n" + b'{"id": "no type"}\n')
    found = read(path)
    bad = [item for item in found if item.notes and item.notes[0].level is Level.ERROR]
    assert [item.source for item in bad] == [f"{path}:2", f"{path}:3"]
    assert bad[0].original == b"{not json\n"
    assert "not JSON" in bad[0].notes[0].reason
    assert "no resourceType" in bad[1].notes[0].reason
    assert len(found) == 3


def test_dangling_medication_reference_is_an_error_for_that_person(tmp_path: Path) -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "m1",
        "status": "active",
        "medicationReference": {"reference": "Medication/gone"},
        "subject": {"reference": "Patient/p1"},
    }
    (item,) = read(ndjson(tmp_path / "x.ndjson", PATIENT, statement))
    errors = [n for n in item.notes if n.level is Level.ERROR]
    assert [n.path for n in errors] == ["MedicationStatement/m1.medicationReference"]
    assert "Medication/gone" in errors[0].reason


def test_unusable_inputs_raise(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        read(tmp_path / "missing.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="holds no"):
        read(tmp_path / "empty")


def test_r4_validation_names_what_is_wrong_when_asked_or_when_quarantined(tmp_path: Path) -> None:
    # fhir.resources checks structure and types, not value sets (gender 'f' would pass).
    broken = {**PATIENT, "deceasedBoolean": "perhaps", "birthDate": "1990-13-45"}
    path = ndjson(tmp_path / "x.ndjson", broken, condition("c1", "Patient/p1", HPO, "HP:0001250"))
    (lenient,) = read(path)
    assert not [n for n in lenient.notes if n.level is Level.ERROR]  # what maps, maps
    (strict,) = [item for item, _ in read_fhir(str(path), validate=True)]
    paths = {n.path for n in strict.notes if n.level is Level.ERROR}
    assert {"Patient/p1.deceasedBoolean", "Patient/p1.birthDate"} <= paths
    assert all("not valid FHIR R4" in n.reason for n in strict.notes)
    # A person quarantined for another reason is validated anyway, to say all that is wrong.
    dangling = condition("c2", "Patient/nobody", HPO, "HP:0001250", clinicalStatus="active")
    (item,) = read(ndjson(tmp_path / "y.ndjson", dangling))
    assert "Condition/c2.clinicalStatus" in {n.path for n in item.notes}


def test_an_unknown_profile_is_noted_and_the_resource_mapped_by_its_codes(tmp_path: Path) -> None:
    profiled = condition("c1", "Patient/p1", "https://omim.org", "154700")
    profiled["meta"] = {"profile": ["http://example.org/fhir/StructureDefinition/my-condition"]}
    (item,) = read(ndjson(tmp_path / "x.ndjson", PATIENT, profiled))
    assert [(n.path, n.level) for n in item.notes] == [("Condition/c1.meta.profile", Level.WARNING)]
    assert json.loads(item.raw)["diseases"][0]["term"]["id"] == "OMIM:154700"


def test_a_patient_twice_in_one_input_is_noted_and_mapped_once(tmp_path: Path) -> None:
    (item,) = read(ndjson(tmp_path / "x.ndjson", PATIENT, dict(PATIENT)))
    assert json.loads(item.raw)["subject"]["sex"] == "FEMALE"
    assert [(n.path, n.level) for n in item.notes] == [("Patient/p1", Level.WARNING)]
    assert item.original is not None and item.original.count(b'"Patient"') == 2


def test_two_different_patients_of_one_id_are_an_error(tmp_path: Path) -> None:
    again = {**PATIENT, "gender": "male"}
    (item,) = read(ndjson(tmp_path / "x.ndjson", PATIENT, again))
    assert (item.notes[0].path, item.notes[0].level) == ("Patient/p1", Level.ERROR)
    assert "x.ndjson:1 and " in item.notes[0].reason and "x.ndjson:2" in item.notes[0].reason
    assert "gender" in item.notes[0].reason
    assert item.original is not None and item.original.count(b'"Patient"') == 2
