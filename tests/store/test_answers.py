"""A store reads one question once per version: the single scan agrees with the two statements it
replaces, and no remembered answer outlives a write (ingest more, same question, new answer). The
phenotype-ancestor table behind phenotype filters follows every write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.model import (
    Biosample,
    Dataset,
    Individual,
    PatientRecord,
    PhenotypeFilter,
    PhenotypicFeature,
    Sex,
    SexFilter,
    Variant,
)
from pmbridge.store import LATEST_VERSION, Counted, EntryQuery, NodeStore, VariantQuery, count_entries
from pmbridge.store._answers import AnswerCache
from pmbridge.store._cohorts import members_sql, read_members

CLOSURE = [("HP:000000A", "HP:000000A"), ("HP:000000B", "HP:000000B"), ("HP:000000B", "HP:000000A")]
WOMEN = EntryQuery("individuals", filters=(SexFilter("FEMALE"),))


def person(i: int, *, dataset: str = "ds1", sex: Sex = Sex.FEMALE, term: str = "HP:000000B") -> PatientRecord:
    return PatientRecord(
        individual=Individual(id=f"p{i}", sex=sex, age_years=float(i)),
        dataset_id=dataset,
        phenotypic_features=(PhenotypicFeature(term),),
        variants=(
            Variant(
                gene_symbol="FBN1",
                chromosome="chr15",
                position=48_000_000 + i % 3,
                reference="G",
                alternate="A",
            ),
        ),
        biosamples=(Biosample(id=f"s{i}a"), Biosample(id=f"s{i}b")),
    )


@pytest.fixture
def store(tmp_path: Path) -> NodeStore:
    s = NodeStore.open(tmp_path / "node.duckdb")
    with s.transaction():
        s.put_datasets([Dataset("ds1", "One"), Dataset("ds2", "Two")])
        s.sync_closure(CLOSURE, release="test")
        s.write_records([person(i) for i in range(6)])
    return s


def test_the_same_question_is_read_once_while_the_version_stands(store: NodeStore) -> None:
    first = store.counted(WOMEN, members=True)
    assert store.counted(WOMEN, members=True) is first
    assert store.counted(replace(WOMEN, skip=20, limit=5), members=True) is first  # paging: same count
    assert store.counted(WOMEN) is first  # the members' answer also holds the count
    assert first.counts == {"ds1": 6} and first.members is not None and len(first.members["ds1"]) == 6


def test_ingesting_more_gives_the_same_question_a_new_answer(store: NodeStore) -> None:
    before_version = store.version
    assert store.count_entries(WOMEN) == {"ds1": 6}
    assert len(store.members(WOMEN)["ds1"]) == 6
    with store.transaction():
        store.write_records([person(i) for i in range(6, 10)])
    assert store.version != before_version
    assert store.count_entries(WOMEN) == {"ds1": 10}
    assert len(store.members(WOMEN)["ds1"]) == 10


def test_an_answer_read_inside_a_transaction_is_not_served_after_its_commit(store: NodeStore) -> None:
    with store.transaction():
        store.write_records([person(i) for i in range(6, 8)])
        store.counted(WOMEN)  # read through a cursor: the uncommitted rows are not seen
    assert store.count_entries(WOMEN) == {"ds1": 8}


def test_a_rolled_back_ingest_leaves_no_answer_behind(store: NodeStore) -> None:
    def interrupted_run() -> None:
        with store.transaction():
            store.write_records([person(i) for i in range(6, 8)])
            store.counted(WOMEN)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_run()
    assert store.count_entries(WOMEN) == {"ds1": 6}


def test_every_ingest_moves_the_stored_version_on(tmp_path: Path) -> None:
    path = tmp_path / "node.duckdb"
    seen = []
    for batch in (range(0, 3), range(3, 5), range(0, 2)):  # the last one only replaces people
        with NodeStore.open(path) as s, s.transaction():
            s.put_datasets([Dataset("ds1", "One")])
            s.write_records([person(i) for i in batch])
        with NodeStore.open(path, read_only=True) as s:
            seen.append(s.version)
    assert len(set(seen)) == 3 and seen == sorted(seen)


def test_the_cache_keeps_within_its_member_budget() -> None:
    cache = AnswerCache(max_entries=10, max_weight=5)
    cache.put("big", Counted.of({"a": 6}, {"a": frozenset(range(6))}))  # heavier than the whole cache
    assert cache.get("big") is None
    cache.put("q1", Counted.of({"a": 3}, {"a": frozenset(range(3))}))
    cache.put("q2", Counted.of({"a": 2}, {"a": frozenset(range(2))}))
    cache.put("q3", Counted.of({"a": 1}, {"a": frozenset(range(1))}))
    assert cache.get("q1") is None and cache.get("q2") is not None and cache.get("q3") is not None


# -- oracle: the one-scan answer equals the two statements it replaces ------------------------

queries = st.builds(
    EntryQuery,
    entry=st.sampled_from(["individuals", "biosamples", "g_variants", "datasets", "cohorts"]),
    filters=st.lists(
        st.one_of(
            st.builds(PhenotypeFilter, st.sampled_from(["HP:000000A", "HP:000000B"])),
            st.builds(SexFilter, st.sampled_from(["FEMALE", "MALE"]), negate=st.booleans()),
        ),
        max_size=2,
    ).map(tuple),
    variant=st.sampled_from([VariantQuery(), VariantQuery(position=48_000_001), VariantQuery(gene="FBN1")]),
    dataset_ids=st.sampled_from([(), ("ds1",), ("ds2",)]),
)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> NodeStore:
    s = NodeStore.open(tmp_path_factory.mktemp("mixed") / "node.duckdb")
    with s.transaction():
        s.put_datasets([Dataset("ds1", "One"), Dataset("ds2", "Two")])
        s.sync_closure(CLOSURE, release="test")
        s.write_records(
            [
                person(
                    i,
                    dataset=f"ds{1 + i % 2}",
                    sex=Sex.MALE if i % 3 else Sex.FEMALE,
                    term=f"HP:000000{'AB'[i % 2]}",
                )
                for i in range(12)
            ]
        )
    return s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_one_scan_counts_and_members_equal_the_separate_statements(
    mixed: NodeStore, query: EntryQuery
) -> None:
    counts = {str(ds): int(n) for ds, n in mixed.engine.rows(count_entries(query))}
    members = read_members(mixed.engine, members_sql(query))
    got = mixed.counted(query, members=True)
    assert dict(got.counts) == counts
    assert got.members is not None and dict(got.members) == members
    assert mixed.count_entries(query) == counts


# -- phenotype_ancestors: derived from phenotypes and the closure, kept right by every write -----

SEIZURE_LIKE = EntryQuery("individuals", filters=(PhenotypeFilter("HP:000000A"),))


def test_a_phenotype_filter_follows_replacements_and_a_new_closure(store: NodeStore) -> None:
    assert store.count_entries(SEIZURE_LIKE) == {"ds1": 6}  # B is under A
    with store.transaction():
        store.write_records([person(0, term="HP:000000C")])  # C is not in the closure yet
    assert store.count_entries(SEIZURE_LIKE) == {"ds1": 5}
    with store.transaction():
        store.sync_closure(
            [*CLOSURE, ("HP:000000C", "HP:000000C"), ("HP:000000C", "HP:000000A")], release="v2"
        )
    assert store.count_entries(SEIZURE_LIKE) == {"ds1": 6}
    assert store.count_entries(EntryQuery("individuals", phenotype_groups=(("HP:000000C",),))) == {"ds1": 1}


def test_records_written_before_the_closure_are_found_once_it_is_there(tmp_path: Path) -> None:
    with NodeStore.open(tmp_path / "node.duckdb") as s:
        with s.transaction():
            s.write_records([person(i) for i in range(3)])
        assert s.count_entries(SEIZURE_LIKE) == {}
        with s.transaction():
            s.sync_closure(CLOSURE, release="test")
        assert s.count_entries(SEIZURE_LIKE) == {"ds1": 3}


def test_a_store_of_schema_1_gets_its_phenotype_ancestors_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "node.duckdb"
    with NodeStore.open(path) as s, s.transaction():
        s.sync_closure(CLOSURE, release="test")
        s.write_records([person(i) for i in range(4)])
    with duckdb.connect(str(path)) as con:  # as the first schema left it
        con.execute("DROP TABLE phenotype_ancestors")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with NodeStore.open(path) as s:
        assert s.meta("schema_version") == str(LATEST_VERSION)
    with NodeStore.open(path, read_only=True) as s:
        assert s.count_entries(SEIZURE_LIKE) == {"ds1": 4}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_phenotype_categories_equal_the_closure_join(mixed: NodeStore, query: EntryQuery) -> None:
    categories = ["HP:000000A", "HP:000000B"]
    people = replace(query, entry="individuals")
    expected: dict[str, dict[str, frozenset[int]]] = {}
    with mixed.connection.cursor() as cursor:
        for ds, cell, ids in cursor.execute(
            "SELECT i.dataset_id, c.ancestor, list(DISTINCT i.ind) FROM individuals i "
            "JOIN phenotypes p ON p.ind = i.ind AND NOT p.excluded "
            "JOIN hpo_closure c ON c.term = p.term AND c.ancestor IN (?, ?) GROUP BY ALL",
            categories,
        ).fetchall():
            expected.setdefault(ds, {})[cell] = frozenset(ids)
    wanted = mixed.members(people)
    got = mixed.members_by(people, "phenotypeCategory", categories=categories)
    assert {ds: {cell: ids for cell, ids in cells.items()} for ds, cells in got.items()} == {
        ds: {
            cell: ids & wanted.get(ds, frozenset())
            for cell, ids in cells.items()
            if ids & wanted.get(ds, frozenset())
        }
        for ds, cells in expected.items()
        if any(ids & wanted.get(ds, frozenset()) for ids in cells.values())
    }


def test_a_large_ingest_leaves_phenotype_ancestors_in_ancestor_order(tmp_path: Path) -> None:
    """Each batch appends its own sorted run; the commit puts the whole table in one order, so a
    lookup of one ancestor reads one stretch of it."""
    with NodeStore.open(tmp_path / "node.duckdb") as s:
        with s.transaction():
            s.sync_closure(CLOSURE, release="test")
            s.write_records([person(i, term="HP:000000B") for i in range(3)])
            s.write_records([person(i, term="HP:000000A") for i in range(3, 6)])
        rows = s.connection.execute("SELECT ancestor, ind FROM phenotype_ancestors ORDER BY rowid").fetchall()
    assert rows == sorted(rows) and len(rows) == 9
