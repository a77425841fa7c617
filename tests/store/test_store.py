"""The node store: migrations, upserts, atomic transactions, and filter counts equal to a reference."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.errors import SchemaTooNew, StoreError
from pmbridge.model import (
    AgeFilter,
    Dataset,
    Disease,
    DiseaseFilter,
    Filter,
    GeneFilter,
    Individual,
    IndividualQuery,
    Operator,
    PatientRecord,
    PhenotypeFilter,
    PhenotypicFeature,
    Sex,
    SexFilter,
    Variant,
)
from pmbridge.store import LATEST_VERSION, NodeStore

# A tiny ontology: A is the root; B and C are children of A; D is a child of B.
PARENTS = {
    "HP:000000A": (),
    "HP:000000B": ("HP:000000A",),
    "HP:000000C": ("HP:000000A",),
    "HP:000000D": ("HP:000000B",),
}


def ancestors(term: str) -> set[str]:
    found = {term}
    for parent in PARENTS[term]:
        found |= ancestors(parent)
    return found


CLOSURE = [(t, a) for t in PARENTS for a in ancestors(t)]
TERMS = sorted(PARENTS)
GENES = ["FBN1", "SCN1A", "COL3A1"]
DISEASES = ["OMIM:154700", "OMIM:607208"]


def record(
    i: int, *, dataset: str = "ds1", sex: Sex = Sex.FEMALE, terms: tuple[str, ...] = ()
) -> PatientRecord:
    return PatientRecord(
        individual=Individual(id=f"p{i}", sex=sex, age_years=float(i)),
        dataset_id=dataset,
        phenotypic_features=tuple(PhenotypicFeature(t) for t in terms),
    )


@pytest.fixture
def store(tmp_path: Path) -> NodeStore:
    s = NodeStore.open(tmp_path / "node.duckdb")
    with s.transaction():
        s.put_datasets([Dataset("ds1", "One"), Dataset("ds2", "Two")])
        s.sync_closure(CLOSURE, release="test")
    return s


def test_a_new_file_is_migrated_to_the_latest_schema(tmp_path: Path) -> None:
    with NodeStore.open(tmp_path / "n.duckdb") as s:
        assert s.meta("schema_version") == str(LATEST_VERSION)
    with NodeStore.open(tmp_path / "n.duckdb", read_only=True) as s:
        assert s.table_counts()["individuals"] == 0


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.duckdb"
    NodeStore.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(SchemaTooNew, match="upgrade PM Bridge"):
        NodeStore.open(path)


def test_a_missing_store_is_a_clear_error_when_read_only(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no node store"):
        NodeStore.open(tmp_path / "absent.duckdb", read_only=True)


def test_ingesting_an_individual_again_replaces_it(store: NodeStore) -> None:
    with store.transaction():
        assert store.write_records([record(1, terms=("HP:000000B",)), record(2)]) == 0
    with store.transaction():
        assert store.write_records([record(1, sex=Sex.MALE, terms=("HP:000000C",))]) == 1
    assert store.table_counts()["individuals"] == 2
    assert store.table_counts()["phenotypes"] == 1
    assert store.count_individuals(IndividualQuery((SexFilter("MALE"),))) == {"ds1": 1}


def test_the_same_id_in_two_datasets_is_two_individuals(store: NodeStore) -> None:
    with store.transaction():
        store.write_records([record(1, dataset="ds1"), record(1, dataset="ds2")])
    assert store.count_individuals(IndividualQuery()) == {"ds1": 1, "ds2": 1}


def test_an_exception_inside_a_transaction_leaves_the_store_unchanged(store: NodeStore) -> None:
    with store.transaction():
        store.write_records([record(1)])
    before = store.table_counts()

    def interrupted_run() -> None:
        with store.transaction():
            store.write_records([record(i) for i in range(2, 50)])
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_run()
    assert store.table_counts() == before


def test_the_closure_is_rebuilt_only_when_the_release_changes(store: NodeStore) -> None:
    with store.transaction():
        assert store.sync_closure(CLOSURE, release="test") is False
        assert store.sync_closure(CLOSURE[:2], release="newer") is True
    assert store.hpo_release == "newer"


# -- property: the compiled SQL counts exactly what a plain Python evaluation counts ----------

people = st.lists(
    st.tuples(
        st.sampled_from(list(Sex)),
        st.one_of(st.none(), st.integers(0, 90)),
        st.lists(st.tuples(st.sampled_from(TERMS), st.booleans()), max_size=3),
        st.lists(st.sampled_from(GENES), max_size=2),
        st.lists(st.sampled_from(DISEASES), max_size=1),
        st.sampled_from(["ds1", "ds2"]),
    ),
    max_size=25,
)
filters = st.lists(
    st.one_of(
        st.builds(PhenotypeFilter, st.sampled_from(TERMS), include_descendants=st.booleans()),
        st.builds(GeneFilter, st.sampled_from(GENES)),
        st.builds(DiseaseFilter, st.sampled_from(DISEASES)),
        st.builds(SexFilter, st.sampled_from([s.value for s in Sex]), negate=st.booleans()),
        st.builds(AgeFilter, st.sampled_from(list(Operator)), st.integers(0, 90).map(float)),
    ),
    max_size=3,
)


def matches(person: tuple, f: Filter) -> bool:  # type: ignore[type-arg]
    sex, age, features, genes, diseases, _ = person
    observed = [t for t, excluded in features if not excluded]
    match f:
        case PhenotypeFilter(term=term, include_descendants=True):
            return any(term in ancestors(t) for t in observed)
        case PhenotypeFilter(term=term):
            return term in observed
        case GeneFilter(symbol=symbol):
            return symbol in genes
        case DiseaseFilter(term=term):
            return term in diseases
        case SexFilter(sex=value, negate=negate):
            return (sex.value != value) if negate else (sex.value == value)
        case AgeFilter(operator=op, years=years):
            if age is None:
                return False
            return {
                "=": age == years,
                "<": age < years,
                ">": age > years,
                "<=": age <= years,
                ">=": age >= years,
                "!": age != years,
            }[op.value]
    raise AssertionError(f)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=people, query_filters=filters)
def test_counts_equal_a_reference_evaluation(
    tmp_path_factory: pytest.TempPathFactory, population: list, query_filters: list
) -> None:  # type: ignore[type-arg]
    path = tmp_path_factory.mktemp("prop") / "n.duckdb"
    with NodeStore.open(path) as s:
        with s.transaction():
            s.sync_closure(CLOSURE, release="test")
            s.write_records(
                [
                    PatientRecord(
                        individual=Individual(
                            id=f"p{i}", sex=sex, age_years=None if age is None else float(age)
                        ),
                        dataset_id=ds,
                        phenotypic_features=tuple(PhenotypicFeature(t, excluded=x) for t, x in feats),
                        variants=tuple(Variant(gene_symbol=g) for g in genes),
                        diseases=tuple(Disease(d) for d in dis),
                    )
                    for i, (sex, age, feats, genes, dis, ds) in enumerate(population)
                ]
            )
        got = s.count_individuals(IndividualQuery(tuple(query_filters)))
    expected: dict[str, int] = {}
    for person in population:
        if all(matches(person, f) for f in query_filters):
            expected[person[5]] = expected.get(person[5], 0) + 1
    assert got == expected


def test_metadata_reads_are_safe_from_many_threads(store: NodeStore) -> None:
    """A node answers requests concurrently over one connection: /api/info reads meta and datasets."""
    from concurrent.futures import ThreadPoolExecutor

    expected = (store.hpo_release, store.datasets())
    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(lambda _: (store.hpo_release, store.datasets()), range(400)))
    assert all(s == expected for s in seen)
