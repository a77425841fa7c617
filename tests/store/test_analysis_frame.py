"""The analysis frame gives each source the value MEANINGS promises, NULL where missing, one row per
matching individual in ``ind`` order; codes and names never become SQL text."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pmbridge.errors import QueryError
from pmbridge.model import (
    Dataset,
    Disease,
    GeneFilter,
    Individual,
    Measurement,
    MedicalAction,
    PatientRecord,
    PhenotypicFeature,
    Sex,
    SexFilter,
    Source,
    Variable,
    Variant,
    VitalStatus,
)
from pmbridge.store import LATEST_VERSION, EntryQuery, NodeStore, analysis_frame_sql

# HP:000000A is the parent of HP:000000B.
CLOSURE = [("HP:000000A", "HP:000000A"), ("HP:000000B", "HP:000000B"), ("HP:000000B", "HP:000000A")]
LDL = "LOINC:2089-1"
DRUG = "CHEBI:9168"
ALL = EntryQuery("individuals")

VARIABLES = [
    Variable("age", Source.AGE),
    Variable("male", Source.MALE),
    Variable("time", Source.TIME),
    Variable("event", Source.EVENT),
    Variable("parent_term", Source.PHENOTYPE, "HP:000000A"),
    Variable("child_term", Source.PHENOTYPE, "HP:000000B"),
    Variable("fbn1", Source.GENE, "FBN1"),
    Variable("marfan", Source.DISEASE, "OMIM:154700"),
    Variable("ldl", Source.MEASUREMENT, LDL),
    Variable("treated", Source.TREATMENT, DRUG),
    Variable("responded", Source.RESPONSE, DRUG),
]

RECORDS = [
    PatientRecord(  # p0: a woman with everything recorded
        individual=Individual(id="p0", sex=Sex.FEMALE, age_years=40.5),
        dataset_id="ds1",
        phenotypic_features=(PhenotypicFeature("HP:000000B"),),
        diseases=(Disease("OMIM:154700"),),
        variants=(Variant(gene_symbol="FBN1"),),
        vital_status=VitalStatus("DECEASED", 400, "OMIM:154700"),
        measurements=(
            Measurement(LDL, 100.0, "UCUM:mg/dL", 1000.0),
            Measurement(LDL, 130.0, "UCUM:mg/dL", 2000.0),  # the latest
            Measurement(LDL, 90.0, "UCUM:mg/dL", None),  # time unknown: earliest
        ),
        medical_actions=(MedicalAction(DRUG, "OMIM:154700", "NCIT:C102560", True),),
    ),
    PatientRecord(  # p1: a man with an excluded term and diagnosis, treated without a known response
        individual=Individual(id="p1", sex=Sex.MALE, age_years=12.0),
        dataset_id="ds1",
        phenotypic_features=(PhenotypicFeature("HP:000000A", excluded=True),),
        diseases=(Disease("OMIM:154700", excluded=True),),
        vital_status=VitalStatus("ALIVE", 3650, None),
        measurements=(Measurement(LDL, None, None, 50.0),),  # an ontology-class value: no number
        medical_actions=(
            MedicalAction(DRUG, None, "NCIT:C17998", None),
            MedicalAction("CHEBI:8382", None, "NCIT:C102561", False),
        ),
    ),
    PatientRecord(  # p2: unknown sex and age, nothing else
        individual=Individual(id="p2", sex=Sex.UNKNOWN_SEX),
        dataset_id="ds2",
        vital_status=VitalStatus("UNKNOWN_STATUS", None, None),
    ),
    PatientRecord(  # p3: a man, parent term observed only, unfavourable then favourable response
        individual=Individual(id="p3", sex=Sex.MALE, age_years=70.0),
        dataset_id="ds2",
        phenotypic_features=(PhenotypicFeature("HP:000000A"),),
        variants=(Variant(gene_symbol="TAT"),),
        measurements=(Measurement(LDL, 80.0, None, 10.0), Measurement(LDL, 70.0, None, 10.0)),
        medical_actions=(
            MedicalAction(DRUG, None, "NCIT:C102561", False),
            MedicalAction(DRUG, None, "NCIT:C102560", True),
        ),
    ),
]

EXPECTED: dict[str, list[float | None]] = {
    "age": [40.5, 12.0, None, 70.0],
    "male": [0.0, 1.0, None, 1.0],
    "time": [400.0, 3650.0, None, None],
    "event": [1.0, 0.0, None, None],
    "parent_term": [1.0, 0.0, 0.0, 1.0],
    "child_term": [1.0, 0.0, 0.0, 0.0],
    "fbn1": [1.0, 0.0, 0.0, 0.0],
    "marfan": [1.0, 0.0, 0.0, 0.0],
    "ldl": [130.0, None, None, 80.0],  # p3: a tie in time goes to the larger value
    "treated": [1.0, 1.0, 0.0, 1.0],
    "responded": [1.0, None, None, 1.0],
}


@pytest.fixture
def store(tmp_path: Path) -> NodeStore:
    s = NodeStore.open(tmp_path / "node.duckdb")
    with s.transaction():
        s.put_datasets([Dataset("ds1", "One"), Dataset("ds2", "Two")])
        s.sync_closure(CLOSURE, release="test")
        s.write_records(RECORDS)
    return s


def test_every_source_gives_the_value_its_meaning_promises(store: NodeStore) -> None:
    frame = store.analysis_frame(ALL, VARIABLES)
    assert frame.schema == pa.schema(
        [("ind", pa.int64()), ("dataset_id", pa.string()), *((v.name, pa.float64()) for v in VARIABLES)]
    )
    assert frame.column("dataset_id").to_pylist() == ["ds1", "ds1", "ds2", "ds2"]
    inds = frame.column("ind").to_pylist()
    assert inds == sorted(inds) and len(set(inds)) == 4
    assert {name: frame.column(name).to_pylist() for name in EXPECTED} == EXPECTED


def test_filters_narrow_the_rows_and_keep_the_order(store: NodeStore) -> None:
    men = store.analysis_frame(EntryQuery("individuals", filters=(SexFilter("MALE"),)), VARIABLES)
    assert men.column("age").to_pylist() == [12.0, 70.0]
    carriers = store.analysis_frame(EntryQuery("individuals", filters=(GeneFilter("TAT"),)), VARIABLES)
    assert carriers.column("ldl").to_pylist() == [80.0]
    second = store.analysis_frame(EntryQuery("individuals", dataset_ids=("ds2",)), VARIABLES[:2])
    assert second.column_names == ["ind", "dataset_id", "age", "male"]
    assert second.column("dataset_id").to_pylist() == ["ds2", "ds2"]
    none = store.analysis_frame(EntryQuery("individuals", filters=(GeneFilter("NONE"),)), VARIABLES)
    assert none.num_rows == 0 and none.schema.names[2:] == [v.name for v in VARIABLES]


def test_no_variables_gives_the_cohort(store: NodeStore) -> None:
    frame = store.analysis_frame(ALL, [])
    assert frame.column_names == ["ind", "dataset_id"] and frame.num_rows == 4


def test_codes_and_names_are_parameters_never_sql(store: NodeStore) -> None:
    hostile = "x'); DROP TABLE individuals; --"
    variables = [Variable(hostile, Source.GENE, hostile), Variable('a"b', Source.MEASUREMENT, hostile)]
    compiled = analysis_frame_sql(ALL, variables)
    assert hostile not in compiled.sql and 'a"b' not in compiled.sql
    frame = store.analysis_frame(ALL, variables)
    assert frame.column(hostile).to_pylist() == [0.0] * 4
    assert frame.column('a"b').to_pylist() == [None] * 4
    assert store.table_counts()["individuals"] == 4


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (EntryQuery("biosamples"), [Variable("age", Source.AGE)]),
        (ALL, [Variable("g", Source.GENE)]),
        (ALL, [Variable("a", Source.AGE), Variable("a", Source.MALE)]),
    ],
)
def test_what_has_no_frame_is_refused_with_a_hint(query: EntryQuery, variables: list[Variable]) -> None:
    with pytest.raises(QueryError) as caught:
        analysis_frame_sql(query, variables)
    assert caught.value.hint


def test_outcome_tables_round_trip_and_replace(store: NodeStore) -> None:
    counts = store.table_counts()
    assert (counts["vital_status"], counts["measurements"], counts["medical_actions"]) == (3, 6, 5)
    with store.transaction():  # a re-ingested person replaces their outcome rows too
        store.write_records([RECORDS[0]])
    assert store.table_counts() == counts


def test_a_store_of_schema_2_gains_the_outcome_tables(tmp_path: Path) -> None:
    path = tmp_path / "node.duckdb"
    with NodeStore.open(path) as s, s.transaction():
        s.sync_closure(CLOSURE, release="test")
        s.write_records([RECORDS[2]])
    with duckdb.connect(str(path)) as con:  # as the second schema left it
        for table in ("vital_status", "measurements", "medical_actions"):
            con.execute(f"DROP TABLE {table}")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with NodeStore.open(path) as s:
        assert s.meta("schema_version") == str(LATEST_VERSION)
        assert s.table_counts()["vital_status"] == 0  # old records simply have no outcomes
        with s.transaction():
            s.write_records(RECORDS[:2])
    with NodeStore.open(path, read_only=True) as s:
        assert s.analysis_frame(ALL, VARIABLES[3:4]).column("event").to_pylist() == [None, 1.0, 0.0]
