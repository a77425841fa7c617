"""MIABIS Core 3.0 reading: a valid file, every kind of problem reported at once, the value sets."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest import Biobank, Collection, Disease, Network, read_miabis
from pmbridge.ingest._miabis_terms import ENTITIES

CONTACT = {"First name": "Ada", "Last name": "Rossi", "Email": "biobank@example.org", "Country": "IT"}
VALID: dict[str, list[dict[str, object]]] = {
    "biobanks": [
        {
            "ID": "bbmri-eric:ID:IT_ROME",
            "Name": "Rome Rare Disease Biobank",
            "Juristic Person": "Università di Roma",
            "Country": "IT",
            "Contact Information": CONTACT,
            "Quality Management standard": ["ISO 20387"],
            "Networks": ["bbmri-eric:networkID:RD"],
        }
    ],
    "collections": [
        {
            "ID": "bbmri-eric:ID:IT_ROME:collection:RD",
            "Name": "Paediatric epilepsy",
            "Biobank": "bbmri-eric:ID:IT_ROME",
            "Contact Information": CONTACT,
            "Description": "DNA and serum of children with epilepsy.",
            "Sex": ["Female", "Male"],
            "Dataset type": ["Clinical dataset", "Genomic dataset"],
            "Sample type": ["DNA", "Serum"],
            "Storage temperature": ["-60 °C to -85 °C", "Liquid nitrogen vapor-phase"],
            "Age Low": 0,
            "Age Low Unit": "Years",
            "Age High": 17,
            "Age High Unit": "Years",
            "Disease": [
                {"Disease Ontology Version": "ICD-10", "Disease Ontology Code": "G40"},
                {"Disease Free Text": "Dravet syndrome"},
            ],
            "Collection design": ["Disease-specific cohort", "Rare disease collection"],
            "Use & Access conditions": ["Genetic data use", "Collaboration"],
        }
    ],
    "networks": [
        {
            "ID": "bbmri-eric:networkID:RD",
            "Name": "Rare disease biobanks",
            "Juristic person": "BBMRI-ERIC",
            "Country": ["IT", "AT"],
            "Contact Information": CONTACT,
            "Network status": "Active",
        }
    ],
}


def write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "miabis.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_valid_file_reads_into_the_three_entities(tmp_path: Path) -> None:
    doc = read_miabis(write(tmp_path, VALID))
    assert doc.biobanks == (
        Biobank(
            id="bbmri-eric:ID:IT_ROME",
            name="Rome Rare Disease Biobank",
            juristic_person="Università di Roma",
            country="IT",
            contact=CONTACT,
            quality_management_standards=("ISO 20387",),
            networks=("bbmri-eric:networkID:RD",),
        ),
    )
    collection = doc.collection("bbmri-eric:ID:IT_ROME:collection:RD")
    assert isinstance(collection, Collection)
    assert collection.sample_types == ("DNA", "Serum")
    assert (collection.age_low, collection.age_high, collection.age_high_unit) == (0, 17, "Years")
    assert collection.diseases == (
        Disease(ontology_version="ICD-10", code="G40"),
        Disease(free_text="Dravet syndrome"),
    )
    assert doc.networks[0] == Network(
        id="bbmri-eric:networkID:RD",
        name="Rare disease biobanks",
        juristic_person="BBMRI-ERIC",
        countries=("IT", "AT"),
        contact=CONTACT,
        status="Active",
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    doc = copy.deepcopy(VALID)
    collection = doc["collections"][0]
    del collection["Sex"]  # missing mandatory
    collection["Sample typ"] = ["DNA"]  # unknown attribute
    collection["Storage temperature"] = ["-80 °C"]  # not in the value set
    collection["Age Low"] = 18  # above Age High in the same unit
    collection["Biobank"] = "bbmri-eric:ID:IT_MILAN"  # dangling reference
    doc["networks"][0]["Country"] = ["Italy"]
    path = write(tmp_path, doc)
    with pytest.raises(IngestError) as caught:
        read_miabis(path)
    where = "collections[0] (collection 'bbmri-eric:ID:IT_ROME:collection:RD')"
    assert caught.value.message == (
        f"{path}: 6 MIABIS Core 3.0 problem(s):\n"
        f"  {where}: 'Sex': mandatory attribute missing\n"
        f"  {where}: 'Storage temperature': '-80 °C' is not in the MIABIS value set; allowed: "
        + ", ".join(sorted(ENTITIES["collections"].many_of["Storage temperature"]))
        + "\n"
        f"  {where}: 'Sample typ': unknown attribute; did you mean 'Sample type'?\n"
        f"  {where}: 'Age Low': 18 is above 'Age High' 17; swap them\n"
        "  networks[0] (network 'bbmri-eric:networkID:RD'): 'Country': 'Italy' is not an "
        "ISO 3166-1 alpha-2 code\n"
        f"  {where}: 'Biobank': no biobank has id 'bbmri-eric:ID:IT_MILAN'; add it to the file's "
        "biobanks or fix the id"
    )
    assert "docs/configuration.md#miabis-core-30" in caught.value.hint


@pytest.mark.parametrize(
    ("attribute", "value", "problem"),
    [
        ("Sample type", ["Bloood"], "'Bloood' is not in the MIABIS value set; did you mean 'Blood'?"),
        ("Age High Unit", "Decades", "'Decades' is not in the MIABIS value set; allowed: "),
        ("Total number of subjects", -3, "-3 is not a whole number of 0 or more"),
        ("Sex", [1], "[1] must be text or a list of text"),
        (
            "Disease",
            [{"Disease Ontology": "ICD"}],
            "{'Disease Ontology': 'ICD'} needs a 'Disease Ontology Code' or a 'Disease Free Text'",
        ),
        ("Contact Information", {"Mail": "x"}, "unknown field 'Mail'"),
    ],
)
def test_bad_values_name_the_attribute(tmp_path: Path, attribute: str, value: object, problem: str) -> None:
    doc = copy.deepcopy(VALID)
    doc["collections"][0][attribute] = value
    with pytest.raises(IngestError) as caught:
        read_miabis(write(tmp_path, doc))
    assert f"{attribute!r}: {problem}" in caught.value.message


def test_an_age_needs_its_unit(tmp_path: Path) -> None:
    doc = copy.deepcopy(VALID)
    del doc["collections"][0]["Age Low Unit"]
    with pytest.raises(IngestError, match="'Age Low Unit': needed with 'Age Low'"):
        read_miabis(write(tmp_path, doc))


def test_duplicate_ids_and_unknown_arrays_are_refused(tmp_path: Path) -> None:
    doc: dict[str, object] = copy.deepcopy(VALID)
    doc["biobanks"] = [*VALID["biobanks"], VALID["biobanks"][0]]
    doc["studies"] = []
    with pytest.raises(IngestError) as caught:
        read_miabis(write(tmp_path, doc))
    assert "top level: 'studies': unknown attribute" in caught.value.message
    assert "biobanks[1] (biobank 'bbmri-eric:ID:IT_ROME'): 'ID': duplicate id" in caught.value.message


def test_the_seven_mandatory_collection_attributes_of_core_3() -> None:
    # Cardinality 1 or 1..n in Core/V3/Data-describing-Collection.md, plus our link to the biobank.
    assert ENTITIES["collections"].mandatory == {
        "ID",
        "Name",
        "Contact Information",
        "Description",
        "Sex",
        "Dataset type",
        "Sample type",
        "Biobank",
    }


def test_value_sets_are_the_standards() -> None:
    collection = ENTITIES["collections"]
    assert len(collection.many_of["Sample type"]) == 23
    assert "Tissue (FFPE)" in collection.many_of["Sample type"]
    assert collection.many_of["Storage temperature"] >= {"RT", "<-135 °C", "Liquid nitrogen liquid-phase"}
    assert collection.one_of["Age Low Unit"] == {"Years", "Months", "Weeks", "Days", "Gestational weeks"}
    assert len(collection.many_of["Dataset type"]) == 14


def test_a_folder_of_csv_sheets_reads_like_json(tmp_path: Path) -> None:
    (tmp_path / "biobanks.csv").write_text(
        "ID,Name,Juristic Person,Country,Contact Information.Email\n"
        "bb1,Rome biobank,Università di Roma,IT,bb@example.org\n",
        encoding="utf-8",
    )
    (tmp_path / "collections.csv").write_text(
        "ID,Name,Biobank,Contact Information.Email,Description,Sex,Dataset type,Sample type,Disease\n"
        "c1,Epilepsy,bb1,bb@example.org,Children,Female|Male,Clinical dataset,DNA|Serum,ICD-10:G40\n"
        "c2,Other,bb9,bb@example.org,Adults,Male,Clinical dataset,Bloood,\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError) as caught:
        read_miabis(tmp_path)
    assert caught.value.message.splitlines()[1:] == [
        "  collections.csv row 3 (collection 'c2'): 'Sample type': 'Bloood' is not in the MIABIS "
        "value set; did you mean 'Blood'?",
        "  collections.csv row 3 (collection 'c2'): 'Biobank': no biobank has id 'bb9'; add it to the "
        "file's biobanks or fix the id",
    ]
    (tmp_path / "collections.csv").write_text(
        "ID,Name,Biobank,Contact Information.Email,Description,Sex,Dataset type,Sample type,Disease\n"
        "c1,Epilepsy,bb1,bb@example.org,Children,Female|Male,Clinical dataset,DNA|Serum,ICD-10:G40\n",
        encoding="utf-8",
    )
    collection = read_miabis(tmp_path).collections[0]
    assert collection.sample_types == ("DNA", "Serum")
    assert collection.diseases == (Disease(ontology_version="ICD-10", code="G40"),)
