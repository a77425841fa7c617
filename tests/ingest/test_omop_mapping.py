"""OMOP CDM 5.4 → Phenopacket: concept bridging, one warning per unmapped concept, and bad input.

The CDM here is written by hand, table by table, so each test says exactly what it feeds in.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from pmbridge.errors import IngestError
from pmbridge.ingest._omop_source import read_omop
from pmbridge.ingest._report import Level
from pmbridge.ingest._sources import RawItem

Rows = Sequence[Mapping[str, object]]

CONCEPT_COLUMNS = ("concept_id", "concept_name", "vocabulary_id", "concept_code")
CONCEPTS: Rows = [
    dict(zip(CONCEPT_COLUMNS, row, strict=True))
    for row in (
        (100, "Seizure (SNOMED)", "SNOMED", "91175000"),
        (200, "Seizure", "HPO", "HP:0001250"),
        (300, "Gaucher disease", "ICD10CM", "E75.22"),
        (400, "Marfan syndrome", "OrphaNet", "558"),
        (500, "Essential hypertension", "SNOMED", "59621000"),
        (600, "Short stature", "HPO", "HP:0004322"),
        (700, "Hemoglobin", "LOINC", "718-7"),
        (710, "gram per deciliter", "UCUM", "g/dL"),
        (800, "sirolimus 1 MG", "RxNorm", "35302"),
        (900, "Tobacco smoking", "SNOMED", "77176002"),
        (4132135, "Absent", "SNOMED", "2667000"),
    )
]
PERSONS: Rows = [
    {"person_id": 1, "gender_concept_id": 8532, "year_of_birth": 2000, "month_of_birth": 3,
     "day_of_birth": 15, "person_source_value": "case-1"},
    {"person_id": 2, "gender_concept_id": 8507, "year_of_birth": 1990, "person_source_value": "case-2"},
]  # fmt: skip


def write_cdm(folder: Path, tables: Mapping[str, Rows], *, gz: Sequence[str] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        columns = list(dict.fromkeys(key for row in rows for key in row))
        path = folder / (f"{table}.csv.gz" if table in gz else f"{table}.csv")
        opener = gzip.open if table in gz else open
        with opener(path, "wt", newline="", encoding="utf-8") as handle:  # type: ignore[operator]
            writer = csv.DictWriter(handle, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def condition(
    row_id: int, person: int, concept: int, value: str = "", day: str = "2020-01-01"
) -> dict[str, object]:
    return {
        "condition_occurrence_id": row_id, "person_id": person, "condition_concept_id": concept,
        "condition_start_date": day, "condition_type_concept_id": 32817, "condition_source_value": value,
    }  # fmt: skip


def read(folder: Path) -> list[RawItem]:
    return [item for item, _ in read_omop(str(folder))]


def doc(item: RawItem) -> dict[str, object]:
    return json.loads(item.raw)  # type: ignore[no-any-return]


@pytest.fixture
def cdm(tmp_path: Path) -> Path:
    return write_cdm(
        tmp_path / "cdm",
        {
            "person": PERSONS,
            "concept": CONCEPTS,
            "concept_relationship": [
                {"concept_id_1": 100, "concept_id_2": 200, "relationship_id": "Maps to"},
            ],
            "condition_occurrence": [
                condition(1, 1, 100),  # SNOMED → HPO through 'Maps to'
                condition(2, 1, 300),  # ICD-10-CM → Mondo through Mondo's exact match
                condition(3, 1, 0, "ORPHA:558"),  # no concept, a CURIE source value
                condition(4, 2, 400),  # OrphaNet concept
                condition(5, 1, 500),  # SNOMED in no xref of hp.obo: unmapped, three rows of two people
                condition(6, 2, 500),
                condition(7, 2, 500),
            ],
            "observation": [
                {"observation_id": 1, "person_id": 1, "observation_concept_id": 600,
                 "observation_date": "2020-01-01", "value_as_concept_id": 4132135,
                 "qualifier_source_value": "P2Y"},
                {"observation_id": 2, "person_id": 2, "observation_concept_id": 900,
                 "observation_date": "2020-01-01"},
            ],
            "measurement": [
                {"measurement_id": 1, "person_id": 1, "measurement_concept_id": 700,
                 "measurement_date": "2010-03-15", "value_as_number": "13.5", "unit_concept_id": 710},
            ],
            "drug_exposure": [
                {"drug_exposure_id": 1, "person_id": 2, "drug_concept_id": 800,
                 "drug_exposure_start_date": "2021-05-01"},
            ],
            "visit_occurrence": [
                {"visit_occurrence_id": 1, "person_id": 1, "visit_start_date": "2020-09-15",
                 "visit_end_date": "2020-09-15"},
            ],
            "observation_period": [
                {"observation_period_id": 1, "person_id": 1, "observation_period_start_date": "2000-03-15",
                 "observation_period_end_date": "2021-09-15"},
            ],
            "death": [{"person_id": 2, "death_date": "2022-05-01", "cause_concept_id": 400}],
        },
    )  # fmt: skip


def test_concepts_are_bridged_to_hpo_mondo_and_orpha(cdm: Path) -> None:
    first, second = read(cdm)
    one, two = doc(first), doc(second)
    assert one["id"] == "case-1"
    assert one["phenotypicFeatures"] == [
        {"type": {"id": "HP:0001250", "label": "Seizure"}},
        {"type": {"id": "HP:0004322", "label": "Short stature"}, "excluded": True,
         "onset": {"age": {"iso8601duration": "P2Y"}}},
    ]  # fmt: skip
    assert one["diseases"] == [
        {"term": {"id": "MONDO:0018150", "label": "Gaucher disease"}},
        {"term": {"id": "ORPHA:558"}},
    ]
    assert two["diseases"] == [{"term": {"id": "ORPHA:558", "label": "Marfan syndrome"}}]


def test_person_dates_become_ages_and_vital_status(cdm: Path) -> None:
    one, two = (doc(item) for item in read(cdm))
    subject = one["subject"]
    assert subject["sex"] == "FEMALE"  # type: ignore[index]
    assert subject["dateOfBirth"] == "2000-03-15T00:00:00Z"  # type: ignore[index]
    # The last visit is the last encounter; the observation period runs a year past it.
    assert subject["timeAtLastEncounter"] == {"age": {"iso8601duration": "P20Y6M"}}  # type: ignore[index]
    assert subject["vitalStatus"] == {"status": "ALIVE", "survivalTimeInDays": 365}  # type: ignore[index]
    assert one["measurements"] == [
        {"assay": {"id": "LOINC:718-7", "label": "Hemoglobin"},
         "value": {"quantity": {"value": 13.5, "unit": {"id": "UCUM:g/dL", "label": "gram per deciliter"}}},
         "timeObserved": {"age": {"iso8601duration": "P10Y"}}},
    ]  # fmt: skip
    # No visit: the last dated record (the drug, 2021-05-01) is the last encounter.
    assert two["subject"]["timeAtLastEncounter"] == {"age": {"iso8601duration": "P31Y4M"}}  # type: ignore[index]
    assert two["subject"]["vitalStatus"] == {  # type: ignore[index]
        "status": "DECEASED",
        "survivalTimeInDays": 365,
        "causeOfDeath": {"id": "ORPHA:558", "label": "Marfan syndrome"},
    }
    assert two["medicalActions"] == [
        {"treatment": {"agent": {"id": "RXNORM:35302", "label": "sirolimus 1 MG"}}}
    ]


def test_each_unmapped_concept_is_one_warning_with_its_count(cdm: Path) -> None:
    items = read(cdm)
    notes = [note for item in items for note in item.notes]
    assert all(note.level is Level.WARNING for note in notes)
    mi = [note for note in notes if "59621000" in note.reason]
    assert len(mi) == 1
    assert "3 rows of 2 persons not loaded" in mi[0].reason
    assert mi[0].path == "condition_occurrence.condition_concept_id"
    assert mi[0].source.endswith("condition_occurrence.csv")
    smoking = [note for note in notes if "77176002" in note.reason]
    assert len(smoking) == 1
    assert "1 row of 1 person not loaded" in smoking[0].reason
    assert smoking in ([n for n in items[1].notes if "77176002" in n.reason],)  # on the person who has it


def test_rows_without_a_person_and_bad_dates_are_errors_of_that_person(tmp_path: Path) -> None:
    folder = write_cdm(
        tmp_path / "cdm",
        {
            "person": PERSONS,
            "condition_occurrence": [
                condition(1, 1, 0, "HP:0001250", day="2020-02-31"),
                condition(2, 9, 0, "HP:0001250"),
            ],
        },
    )
    items = read(folder)
    assert [item.source.removeprefix(f"{folder}/") for item in items] == [
        "person.csv person_id=1 (case-1)",
        "person.csv person_id=2 (case-2)",
        "condition_occurrence.csv person_id=9",
    ]
    bad_date = [n for n in items[0].notes if n.level is Level.ERROR]
    assert [n.path for n in bad_date] == [
        "condition_occurrence[condition_occurrence_id=1].condition_start_date"
    ]
    assert "'2020-02-31' is not a date" in bad_date[0].reason
    assert not items[1].notes
    orphan = items[2]
    assert [n.level for n in orphan.notes] == [Level.ERROR]
    assert "no row in the person table" in orphan.notes[0].reason
    assert orphan.original is not None
    assert json.loads(orphan.original)["condition_occurrence"][0]["condition_source_value"] == "HP:0001250"


def test_gzipped_and_parquet_tables_read_the_same(cdm: Path, tmp_path: Path) -> None:
    import duckdb

    expected = [item.raw for item in read(cdm)]
    other = tmp_path / "other"
    other.mkdir()
    for path in cdm.iterdir():
        table = path.name.removesuffix(".csv")
        if table == "person":
            with gzip.open(other / "person.csv.gz", "wb") as out:
                out.write(path.read_bytes())
        else:
            duckdb.sql(
                f"COPY (SELECT * FROM read_csv('{path}', all_varchar = true)) TO '{other / table}.parquet'"
            )
    assert [item.raw for item in read(other)] == expected


def test_a_folder_without_person_table_is_refused(tmp_path: Path) -> None:
    folder = write_cdm(tmp_path / "cdm", {"condition_occurrence": [condition(1, 1, 0, "HP:0001250")]})
    with pytest.raises(IngestError, match="has no OMOP person table"):
        read(folder)


def test_a_table_without_its_concept_column_is_refused(tmp_path: Path) -> None:
    folder = write_cdm(
        tmp_path / "cdm", {"person": PERSONS, "measurement": [{"measurement_id": 1, "person_id": 1}]}
    )
    with pytest.raises(IngestError, match=r"measurement\.csv lacks column measurement_concept_id"):
        read(folder)


def test_a_truncated_gzip_is_refused_before_any_person(tmp_path: Path) -> None:
    folder = write_cdm(
        tmp_path / "cdm",
        {
            "person": PERSONS,
            "condition_occurrence": [condition(i, 1, 0, "HP:0001250") for i in range(1, 20_000)],
        },
        gz=("condition_occurrence",),
    )
    path = folder / "condition_occurrence.csv.gz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IngestError, match=r"condition_occurrence\.csv\.gz"):
        read(folder)


def test_athena_style_files_read_the_same(cdm: Path, tmp_path: Path) -> None:
    """Upper-case names (PERSON.csv) and Athena's tab-separated vocabulary files (CONCEPT.tsv)."""
    expected = [item.raw for item in read(cdm)]
    other = tmp_path / "athena"
    other.mkdir()
    for path in cdm.iterdir():
        table = path.name.removesuffix(".csv")
        if table in ("concept", "concept_relationship"):
            text = path.read_text(encoding="utf-8")
            rows = list(csv.reader(text.splitlines()))
            lines = ["\t".join(row) for row in rows]
            (other / f"{table.upper()}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            (other / f"{table.upper()}.csv").write_bytes(path.read_bytes())
    assert [item.raw for item in read(other)] == expected


def test_two_files_of_one_table_are_refused(cdm: Path) -> None:
    (cdm / "PERSON.csv.gz").write_bytes(gzip.compress((cdm / "person.csv").read_bytes()))
    with pytest.raises(IngestError, match="holds table person twice"):
        read(cdm)


def test_a_person_twice_and_a_value_that_is_no_number_are_errors(tmp_path: Path) -> None:
    folder = write_cdm(
        tmp_path / "cdm",
        {
            "person": [*PERSONS, PERSONS[1]],
            "measurement": [
                {"measurement_id": 7, "person_id": 1, "measurement_concept_id": 0,
                 "measurement_source_value": "LOINC:718-7", "value_as_number": "high"},
            ],
        },
    )  # fmt: skip
    first, second = read(folder)
    assert [(n.level, n.path) for n in first.notes] == [
        (Level.ERROR, "measurement[measurement_id=7].value_as_number")
    ]
    assert "'high' is not a number" in first.notes[0].reason
    assert [n.level for n in second.notes] == [Level.ERROR]
    assert "person_id 2 is in the person table 2 times" in second.notes[0].reason


def test_an_unknown_unit_is_one_warning_and_the_value_loads(tmp_path: Path) -> None:
    row = {"person_id": 1, "measurement_concept_id": 700, "measurement_date": "2010-03-15",
           "value_as_number": "13.5", "unit_concept_id": 999, "unit_source_value": "g/dL"}  # fmt: skip
    folder = write_cdm(
        tmp_path / "cdm",
        {
            "person": PERSONS,
            "concept": CONCEPTS,
            "measurement": [{"measurement_id": i, **row} for i in (1, 2)],
        },
    )
    first, _ = read(folder)
    assert [n.reason for n in first.notes] == [
        "concept 999 (not in the concept table) has no mapping: 2 rows of 1 person loaded without their "
        "unit_concept_id; give the concept in the concept table"
    ]
    assert [m["value"] for m in doc(first)["measurements"]] == [  # type: ignore[union-attr]
        {"quantity": {"value": 13.5, "unit": {"id": "UCUM:g/dL", "label": "g/dL"}}}
    ] * 2
