"""The published IPS, Genomics Reporting and R4 core examples (../shared/data/examples/fhir) go in:
what maps is in the phenopacket, everything else is a note naming its resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pmbridge.ingest import Level, RawItem, to_patient_record
from pmbridge.ingest._fhir_source import read_fhir
from pmbridge.ingest._validator import parse_phenopacket
from pmbridge.model import Interpretation, Sex, Zygosity


@pytest.fixture(scope="module")
def fhir(shared_data: Path) -> Path:
    return shared_data / "examples" / "fhir"


def items(path: Path) -> list[RawItem]:
    return [item for item, _ in read_fhir(str(path))]


def only(path: Path) -> tuple[dict[str, Any], RawItem]:
    (item,) = items(path)
    doc, problems = parse_phenopacket(item.raw)
    assert doc is not None and not problems, problems  # valid for the official parser
    return json.loads(item.raw), item


def reasons(item: RawItem, level: Level = Level.WARNING) -> dict[str, str]:
    return {note.path: note.reason for note in item.notes if note.level is level}


def test_every_example_file_is_read_and_every_item_is_a_valid_phenopacket(fhir: Path) -> None:
    files = sorted(fhir.rglob("*.json"))
    assert len(files) == 15
    for file in files:
        for item in items(file):
            doc, problems = parse_phenopacket(item.raw)
            assert doc is not None and not problems, (file, problems)


def test_ips_document_bundle(fhir: Path) -> None:
    doc, item = only(fhir / "ips" / "Bundle-IPS-examples-Bundle-01.json")
    record = to_patient_record(doc, dataset_id="d")
    assert record.individual.id == "2b90dd2b-2dab-4c75-9bb9-a355e07401e8"
    assert (record.individual.sex, record.individual.year_of_birth) == (Sex.FEMALE, 1972)
    assert record.individual.country == "NL"
    assert record.individual.age_years == 45.583  # birth to the latest clinical date (P45Y7M)
    hba1c = next(m for m in record.measurements if m.assay == "LOINC:17856-6")
    assert (hba1c.value, hba1c.unit) == (7.5, "UCUM:%")
    blood_group = next(m for m in record.measurements if m.assay == "LOINC:882-1")
    assert blood_group.value is None  # a coded result: kept as the measurement's ontology class
    agents = {a.agent for a in record.medical_actions}
    assert agents == {"ATC:L02BG03", "ATC:G02CX04"}  # via medicationReference → Medication
    warned = reasons(item)
    # SNOMED CT / ICD-10 problems have no HPO, Mondo, OMIM or Orphanet coding: named, not dropped.
    assert (
        "has no HPO, Mondo, OMIM or Orphanet coding"
        in warned["Condition/c64139e7-f02d-409c-bf34-75e8bf23bc80"]
    )
    assert "AllergyIntolerance/72884cad-ebe6-4f43-a51a-2f978275f132" in warned
    assert "Composition/30551ce1-5a28-4356-b684-1e639094ad4d" in warned
    assert not reasons(item, Level.ERROR)


def test_ips_minimal_bundle(fhir: Path) -> None:
    doc, item = only(fhir / "ips" / "Bundle-bundle-minimal.json")
    record = to_patient_record(doc, dataset_id="d")
    assert [a.agent for a in record.medical_actions] == ["ATC:L02BG03"]
    assert not reasons(item, Level.ERROR)


def test_genomics_reporting_variant_with_coordinates_gene_zygosity_and_class(fhir: Path) -> None:
    doc, item = only(fhir / "genomics-reporting" / "Bundle-bundle-cgexample.json")
    record = to_patient_record(doc, dataset_id="d")
    acad9 = next(v for v in record.variants if v.gene_symbol == "ACAD9")
    # Coordinates come from the g.HGVS on the GRCh37 chromosome 3 accession NC_000003.11; the
    # component start (31731) is on NG_017064.1, a gene sequence, and is not taken as genomic.
    assert (acad9.assembly, acad9.chromosome, acad9.position) == ("GRCh37", "chr3", 128625063)
    assert (acad9.reference, acad9.alternate) == ("C", "T")
    assert acad9.zygosity is Zygosity.HETEROZYGOUS
    assert acad9.interpretation is Interpretation.PATHOGENIC  # from the diagnostic implication
    assert "NM_014049.4:c.1249C>T" in acad9.hgvs
    report = next(i for i in doc["interpretations"] if i["id"] == "report")
    assert report["diagnosis"]["disease"]["id"] == "MONDO:0012624"  # the implication's condition
    assert [b.id for b in record.biosamples] == ["ExampleSpecimen"]
    warned = reasons(item)
    assert "Genomics Reporting genotype" in warned["Observation/genotype"]
    assert "Genomics Reporting therapeutic-implication" in warned["Observation/metab"]
    assert "no HGVS, genomic coordinates or gene" in warned["Observation/complex-variant"]
    assert "ServiceRequest/ExampleServiceRequest" in warned


def test_genomics_reporting_transaction_bundle_with_urn_uuid_references(fhir: Path) -> None:
    doc, _ = only(fhir / "genomics-reporting" / "Bundle-bundle-compound-heterozygote.json")
    record = to_patient_record(doc, dataset_id="d")
    assert record.individual.id == "patient"
    assert {v.hgvs for v in record.variants} == {("NM_022787.3:c.769G>A",), ("NM_022787.3:c.53A>G",)}
    assert {v.zygosity for v in record.variants} == {Zygosity.HETEROZYGOUS}


def test_genomics_reporting_oncology_bundle(fhir: Path) -> None:
    doc, item = only(fhir / "genomics-reporting" / "Bundle-bundle-oncologyexamples-r4.json")
    record = to_patient_record(doc, dataset_id="d")
    jak2 = [v for v in record.variants if v.position == 5073770]
    assert jak2 and jak2[0].chromosome == "chr9" and jak2[0].assembly == "GRCh38"
    assert any(m.assay == "LOINC:94076-7" for m in record.measurements)  # tumour mutation burden
    assert not reasons(item, Level.ERROR)


@pytest.mark.parametrize(
    "name",
    [
        "ips/Specimen-specimen-example-1.json",
        "genomics-reporting/Specimen-genomicSpecimen.json",
        "r4-core/Condition-example.json",
    ],
)
def test_a_resource_whose_patient_is_not_in_the_input_is_an_error(fhir: Path, name: str) -> None:
    (item,) = items(fhir / name)
    errors = reasons(item, Level.ERROR)
    assert any("which is not in the input" in reason for reason in errors.values())
    assert item.original is not None and b'"resourceType"' in item.original  # quarantine keeps FHIR


def test_a_folder_groups_loose_resources_across_files(fhir: Path) -> None:
    everyone = {item.source.split("#")[1]: item for item in items(fhir / "r4-core")}
    example = everyone["Patient/example"]  # Patient, Condition, Observations and Specimen files
    assert not reasons(example, Level.ERROR)
    record = to_patient_record(json.loads(example.raw), dataset_id="d")
    assert [b.id for b in record.biosamples] == ["101"]
    assert any(m.assay == "LOINC:29463-7" and m.value == 185 for m in record.measurements)
    assert "MolecularSequence/example" in reasons(example)
    assert len(everyone) == 6  # + the five Patients of the transaction Bundle (DELETE/GET skipped)


def test_a_resource_about_nobody_is_reported(fhir: Path) -> None:
    (item,) = items(fhir / "genomics-reporting" / "DocumentReference-genomicVCFfile-simple.json")
    assert "names no patient" in reasons(item)["DocumentReference/genomicVCFfile-simple"]
    assert reasons(item, Level.ERROR)  # nobody to load: quarantined, not silently dropped
