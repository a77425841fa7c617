"""FHIR Conditions and Observations coded only in SNOMED CT or ICD-10 go through the same code bridge
as OMOP: SNOMED CT → HPO by ``hp.obo``'s cross-references, ICD-10 → Mondo by its exact matches.

The codes are real entries of ../shared/data (HPO 2025-01-16, ``mappings/mondo``);
``test_the_chosen_codes_are_what_the_reference_data_says`` fails first if a new release changes them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from pmbridge.ingest import Level, RawItem
from pmbridge.ingest._code_bridge import CodeBridge, MondoXrefs, SnomedHpo, load_bridge
from pmbridge.ingest._fhir_source import read_fhir
from pmbridge.ingest._omop_source import read_omop
from pmbridge.ingest._validator import parse_phenopacket

SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SEIZURE = "91175000"  # → HP:0001250 Seizure only
DEVELOPMENTAL_DELAY = "224958001"  # → HP:0001263 Global developmental delay only
AMBIGUOUS = "62250003"  # → HP:0001166 Arachnodactyly and HP:0001519 Disproportionate tall stature
ESSENTIAL_HYPERTENSION = "59621000"  # in no xref of hp.obo
EPILEPSY = "G40"  # WHO ICD-10 → MONDO:0005027 epilepsy
GAUCHER = "E75.22"  # ICD-10-CM → MONDO:0018150 Gaucher disease
IPS_CONDITIONS = {
    "c64139e7-f02d-409c-bf34-75e8bf23bc80": ("SNOMEDCT:198436008", "ICD10:N95.1"),  # menopausal flushing
    "c4597aa2-688a-401b-a658-70acc6de28c6": ("SNOMEDCT:254837009",),  # breast cancer (+ ICD-O-3)
}


def test_the_chosen_codes_are_what_the_reference_data_says() -> None:
    bridge = load_bridge()
    assert bridge.snomed.terms(f"SNOMEDCT:{SEIZURE}") == (("HP:0001250", "Seizure"),)
    assert bridge.snomed.terms(f"SNOMEDCT:{AMBIGUOUS}") == (
        ("HP:0001166", "Arachnodactyly"),
        ("HP:0001519", "Disproportionate tall stature"),
    )
    assert bridge.snomed.terms(f"SNOMEDCT:{ESSENTIAL_HYPERTENSION}") == ()
    assert bridge.mondo.get(f"ICD10:{EPILEPSY}") == ("MONDO:0005027", "epilepsy")
    assert bridge.mondo.get(f"ICD10CM:{GAUCHER}") == ("MONDO:0018150", "Gaucher disease")
    for codes in IPS_CONDITIONS.values():
        for code in codes:
            found = bridge.phenotype(code) or bridge.disease(code)
            assert found is not None and found.term is None and not found.ambiguous, found


def items(path: Path) -> list[RawItem]:
    return [item for item, _ in read_fhir(str(path))]


def mapped(item: RawItem) -> dict[str, Any]:
    doc, problems = parse_phenopacket(item.raw)
    assert doc is not None and not problems, problems  # valid for the official parser
    return dict(json.loads(item.raw))


def warnings(item: RawItem) -> dict[str, str]:
    return {note.path: note.reason for note in item.notes if note.level is Level.WARNING}


def test_no_condition_of_the_ips_example_bridges_and_each_says_why(shared_data: Path) -> None:
    """The IPS Bundle's two problems are coded in SNOMED CT (and ICD-10 N95.1, ICD-O-3): hp.obo
    cross-references neither SNOMED CT code and Mondo has no exact match for N95.1, so both stay
    warnings, which now name each code and why it did not bridge."""
    (item,) = items(shared_data / "examples" / "fhir" / "ips" / "Bundle-IPS-examples-Bundle-01.json")
    doc = mapped(item)
    assert "diseases" not in doc and "phenotypicFeatures" not in doc
    warned = warnings(item)
    for resource_id, codes in IPS_CONDITIONS.items():
        reason = warned[f"Condition/{resource_id}"]
        assert "has no HPO, Mondo, OMIM or Orphanet coding" in reason
        for code in codes:
            assert code in reason
    flushing = warned["Condition/c64139e7-f02d-409c-bf34-75e8bf23bc80"]
    assert "ICD10:N95.1 has no exact match in Mondo's ICD-10 mappings" in flushing
    assert "SNOMEDCT:198436008 is a cross-reference of no HPO term in HPO 2025-01-16" in flushing


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def condition(rid: str, *codings: dict[str, str], refuted: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": list(codings)},
    }
    if refuted:
        out["verificationStatus"] = {"coding": [{"code": "refuted"}]}
    return out


def observation(rid: str, code: dict[str, str], value: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [code]},
        **value,
    }


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    resources = [
        {"resourceType": "Patient", "id": "p1", "gender": "female"},
        condition("icd", coding(ICD10, EPILEPSY, "Epilepsy")),
        condition("icdcm", coding(ICD10CM, GAUCHER)),
        condition("refuted", coding(SNOMED, SEIZURE, "Seizure"), refuted=True),
        # ICD-10 → Mondo wins over SNOMED CT → HPO, as a disease coding wins over an HPO one.
        condition("both", coding(SNOMED, DEVELOPMENTAL_DELAY), coding(ICD10, EPILEPSY)),
        # A direct HPO coding comes before the bridge.
        condition(
            "direct", coding(SNOMED, SEIZURE), coding("http://purl.obolibrary.org/obo/hp.owl", "HP:0001263")
        ),
        condition("ambiguous", coding(SNOMED, AMBIGUOUS, "Arachnodactyly")),
        condition("unknown", coding(SNOMED, ESSENTIAL_HYPERTENSION, "Essential hypertension")),
        observation(
            "absent",
            coding(SNOMED, DEVELOPMENTAL_DELAY),
            {"valueCodeableConcept": {"coding": [coding(SNOMED, "2667000")]}},
        ),
        # A LOINC test with a SNOMED CT result stays a measurement; so does any quantity.
        observation(
            "lab",
            coding("http://loinc.org", "882-1"),
            {"valueCodeableConcept": {"coding": [coding(SNOMED, SEIZURE)]}},
        ),
        observation("quantity", coding(SNOMED, SEIZURE), {"valueQuantity": {"value": 3, "unit": "count"}}),
        observation("ambiguous-obs", coding(SNOMED, AMBIGUOUS), {}),
    ]
    path = tmp_path_factory.mktemp("fhir") / "bridge.json"
    entries = [{"resource": r} for r in resources]
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    return path


def test_snomed_and_icd10_codings_bridge_to_hpo_and_mondo(bundle: Path) -> None:
    (item,) = items(bundle)
    doc = mapped(item)
    assert doc["diseases"] == [
        {"term": {"id": "MONDO:0005027", "label": "epilepsy"}},
        {"term": {"id": "MONDO:0018150", "label": "Gaucher disease"}},
        {"term": {"id": "MONDO:0005027", "label": "epilepsy"}},
    ]
    assert doc["phenotypicFeatures"] == [
        {"type": {"id": "HP:0001250", "label": "Seizure"}, "excluded": True},
        {"type": {"id": "HP:0001263"}},
        {"type": {"id": "HP:0001263", "label": "Global developmental delay"}, "excluded": True},
    ]
    assays = [(m["assay"]["id"], next(iter(m["value"]))) for m in doc["measurements"]]
    assert assays == [("LOINC:882-1", "ontologyClass"), (f"SNOMEDCT:{SEIZURE}", "quantity")]


def test_ambiguous_and_unknown_codes_stay_warnings_that_say_why(bundle: Path) -> None:
    (item,) = items(bundle)
    warned = warnings(item)
    assert set(warned) == {"Condition/ambiguous", "Condition/unknown", "Observation/ambiguous-obs"}
    assert warned["Condition/ambiguous"] == (
        f"code {SNOMED}|{AMBIGUOUS} 'Arachnodactyly' has no HPO, Mondo, OMIM or Orphanet coding, and none "
        f"of its codes bridges to one Mondo or HPO term (SNOMEDCT:{AMBIGUOUS} is a cross-reference of 2 HPO "
        "terms in HPO 2025-01-16: HP:0001166 'Arachnodactyly' and HP:0001519 'Disproportionate tall "
        "stature' (ambiguous)); not loaded"
    )
    assert (
        f"(SNOMEDCT:{ESSENTIAL_HYPERTENSION} is a cross-reference of no HPO term in HPO 2025-01-16); "
        "not loaded" in warned["Condition/unknown"]
    )
    assert f"SNOMEDCT:{AMBIGUOUS} has no quantity or coded value" in warned["Observation/ambiguous-obs"]
    assert "(ambiguous)" in warned["Observation/ambiguous-obs"]


def test_fhir_and_omop_bridge_the_same_codes_alike(bundle: Path, tmp_path: Path) -> None:
    """One bridge: the same SNOMED CT and ICD-10 codes give the same terms read as FHIR and as OMOP."""
    codes = [
        ("SNOMED", SEIZURE), ("SNOMED", DEVELOPMENTAL_DELAY), ("ICD10", EPILEPSY), ("ICD10CM", GAUCHER),
        ("SNOMED", AMBIGUOUS), ("SNOMED", ESSENTIAL_HYPERTENSION),
    ]  # fmt: skip
    tables: dict[str, list[dict[str, object]]] = {
        "person": [{"person_id": 1, "gender_concept_id": 8532, "year_of_birth": 1990}],
        "concept": [
            {"concept_id": 10 + i, "concept_name": code, "vocabulary_id": vocabulary, "concept_code": code}
            for i, (vocabulary, code) in enumerate(codes)
        ],
        "condition_occurrence": [
            {
                "condition_occurrence_id": i,
                "person_id": 1,
                "condition_concept_id": 10 + i,
                "condition_start_date": "2020-01-01",
            }
            for i in range(len(codes))
        ],
    }
    folder = tmp_path / "cdm"
    folder.mkdir()
    for table, rows in tables.items():
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    ((omop_item, _),) = list(read_omop(str(folder)))
    omop = json.loads(omop_item.raw)
    bundle_path = tmp_path / "same.json"
    systems = {"SNOMED": SNOMED, "ICD10": ICD10, "ICD10CM": ICD10CM}
    resources: list[dict[str, Any]] = [{"resourceType": "Patient", "id": "p1"}]
    resources += [condition(f"c{i}", coding(systems[v], code)) for i, (v, code) in enumerate(codes)]
    bundle_path.write_text(
        json.dumps({"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]})
    )
    (fhir_item,) = items(bundle_path)
    fhir = mapped(fhir_item)

    def ids(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
        return (
            sorted(f["type"]["id"] for f in doc.get("phenotypicFeatures", [])),
            sorted(d["term"]["id"] for d in doc.get("diseases", [])),
        )

    assert ids(fhir) == ids(omop) == (["HP:0001250", "HP:0001263"], ["MONDO:0005027", "MONDO:0018150"])


def test_without_reference_data_nothing_bridges_and_the_reason_says_so() -> None:
    bridge = CodeBridge(MondoXrefs.load(None), SnomedHpo(None))
    snomed, icd = bridge.phenotype(f"SNOMEDCT:{SEIZURE}"), bridge.disease(f"ICD10:{EPILEPSY}")
    assert snomed is not None and snomed.term is None
    assert snomed.reason == f"SNOMEDCT:{SEIZURE} is not bridged: no hpo/hp.obo in the reference data"
    assert icd is not None and icd.term is None and "no mappings/mondo" in icd.reason
    assert bridge.phenotype("LOINC:718-7") is None and bridge.disease(f"SNOMEDCT:{SEIZURE}") is None


def test_an_icd10_code_with_two_exact_matches_is_ambiguous(tmp_path: Path) -> None:
    header = "subject_id\tsubject_label\tpredicate_id\tobject_id\n"
    rows = "MONDO:1\tone\tskos:exactMatch\tICD10WHO:X1\nMONDO:2\ttwo\tskos:exactMatch\tICD10WHO:X1\n"
    (tmp_path / "mondo_exactmatch_icd10who.sssom.tsv").write_text("# comment\n" + header + rows)
    found = CodeBridge(MondoXrefs.load(tmp_path), SnomedHpo(None)).disease("ICD10:X1")
    assert found is not None and found.term is None and found.ambiguous
    assert found.reason == "ICD10:X1 is an exact match of 2 Mondo diseases: MONDO:1 'one' and MONDO:2 'two'"
