"""A lake's snapshot is the only thing readers trust: a crash before it is replaced leaves them on
the old one, appends show whole or not at all, and a broken or foreign lake is refused with a fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, TableFeatures

from pmbridge.errors import SchemaTooNew, StoreError
from pmbridge.model import Dataset, GeneFilter, Individual, PatientRecord, PhenotypicFeature, Sex, Variant
from pmbridge.store import SCHEMAS, EntryQuery, NodeStore, VariantQuery
from pmbridge.store import _lake_read as lake_read
from pmbridge.store import _lake_write as lake_write
from pmbridge.store._lake import SNAPSHOT, read_snapshot, writer_lock
from pmbridge.store._lake_read import open_lake
from pmbridge.store._lake_write import append, publish, vacuum

CLOSURE = [("HP:000000A", "HP:000000A"), ("HP:000000B", "HP:000000B"), ("HP:000000B", "HP:000000A")]
EVERYONE = EntryQuery("individuals")
FBN1 = EntryQuery("individuals", filters=(GeneFilter("FBN1"),))


def person(i: int) -> PatientRecord:
    return PatientRecord(
        individual=Individual(id=f"p{i}", sex=Sex.FEMALE, age_years=float(i)),
        dataset_id="ds1",
        phenotypic_features=(PhenotypicFeature("HP:000000B"),),
        variants=(
            Variant(
                gene_symbol="FBN1", chromosome="chr15", position=48_000_000 + i, reference="G", alternate="A"
            ),
        ),
    )


@pytest.fixture
def store(tmp_path: Path) -> NodeStore:
    s = NodeStore.open(tmp_path / "node.duckdb")
    with s.transaction():
        s.put_datasets([Dataset("ds1", "One")])
        s.sync_closure(CLOSURE, release="test")
        s.write_records([person(i) for i in range(5)])
    return s


def calls(inds: list[int], *, first: int, gene: str = "FBN1") -> pa.Table:
    """VCF-like variant rows for existing people, at positions from ``first`` on."""
    n = len(inds)
    return pa.table(
        {
            "ind": inds,
            "assembly": [None] * n,
            "chromosome": ["chr15"] * n,
            "position": list(range(first, first + n)),
            "reference": ["C"] * n,
            "alternate": ["T"] * n,
            "gene": [gene] * n,
            "hgvs": [[] for _ in range(n)],
            "zygosity": ["heterozygous"] * n,
            "interpretation": ["pathogenic"] * n,
            "origin": ["vcf"] * n,
            "source": ["batch.vcf"] * n,
        },
        schema=SCHEMAS["variants"],
    )


def test_a_reader_moves_to_a_new_snapshot_and_its_version_moves_on(store: NodeStore, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = publish(store, lake)
    reader = open_lake(lake)
    assert reader.count_entries(EVERYONE) == {"ds1": 5}
    before = reader.version
    with store.transaction():
        store.write_records([person(i) for i in range(5, 8)])
    second = publish(store, lake)
    assert second.version == first.version + 1
    assert reader.count_entries(EVERYONE) == {"ds1": 8}
    assert reader.version != before
    assert (
        read_snapshot(lake).tables["individuals"].delta_version
        == first.tables["individuals"].delta_version + 1
    )


def test_a_crash_between_the_delta_commits_and_the_snapshot_leaves_readers_on_the_old_one(
    store: NodeStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    reader = open_lake(lake)
    assert reader.count_entries(EVERYONE) == {"ds1": 5}
    with store.transaction():
        store.write_records([person(i) for i in range(5, 9)])

    def crash(_: object) -> None:
        raise KeyboardInterrupt  # the process dies after every table's Delta commit

    with monkeypatch.context() as patched:
        patched.setattr(lake_write, "write_snapshot", crash)
        with pytest.raises(KeyboardInterrupt):
            publish(store, lake)
        with pytest.raises(KeyboardInterrupt):
            append(lake, {"variants": calls([1, 2], first=1_000)})
    assert read_snapshot(lake).version == 1
    assert reader.count_entries(EVERYONE) == {"ds1": 5}
    assert open_lake(lake).count_entries(EVERYONE) == {"ds1": 5}
    # The next append builds on the snapshot, not on the half-written Delta versions.
    append(lake, {"variants": calls([1], first=2_000)})
    assert reader.table_counts()["variants"] == 5 + 1
    assert reader.count_entries(EVERYONE) == {"ds1": 5}
    vacuum(lake, keep_hours=0)  # the crashed writes' files go; the snapshot's stay
    assert open_lake(lake).table_counts()["variants"] == 6


def test_an_append_shows_whole_and_widens_the_gene_spans(store: NodeStore, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    reader = open_lake(lake)
    assert reader.count_entries(FBN1) == {"ds1": 5}
    far = EntryQuery("g_variants", variant=VariantQuery(chromosomes=("chr15",), position=90_000_000))
    assert reader.count_entries(far) == {}
    snapshot = append(lake, {"variants": calls([1, 2, 3], first=90_000_000)})
    assert snapshot.rows("variants") == 8
    assert reader.count_entries(far) == {"ds1": 1}
    gene_far = EntryQuery("g_variants", variant=VariantQuery(gene="FBN1", position=90_000_002))
    assert reader.count_entries(gene_far) == {"ds1": 1}  # the span of FBN1 now reaches the new calls
    assert reader.count_entries(EntryQuery("g_variants", variant=VariantQuery(gene="FBN1"))) == {"ds1": 8}


def test_rows_that_do_not_fit_a_table_are_refused(store: NodeStore, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    with pytest.raises(StoreError, match="missing \\['source'\\], unknown \\['extra'\\]") as refused:
        append(
            lake,
            {"variants": calls([1], first=1).drop_columns(["source"]).append_column("extra", pa.array([1]))},
        )
    assert refused.value.hint
    with pytest.raises(StoreError, match="no table 'nonsense'"):
        append(lake, {"nonsense": pa.table({"a": [1]})})
    assert read_snapshot(lake).version == 1


def test_vacuum_keeps_what_the_snapshot_lists_and_drops_what_it_replaced(
    store: NodeStore, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    first = publish(store, lake)
    old = set(first.files("individuals"))
    publish(store, lake)
    assert vacuum(lake, keep_hours=1) == []  # a reader of the first snapshot may still be reading
    assert all(Path(f).exists() for f in old)
    removed = vacuum(lake, keep_hours=0)
    assert removed and not any(Path(f).exists() for f in old)
    assert open_lake(lake).count_entries(EVERYONE) == {"ds1": 5}
    with pytest.raises(StoreError, match="negative"):
        vacuum(lake, keep_hours=-1)


def test_vacuum_removes_what_a_killed_run_left_in_staging(store: NodeStore, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    left = lake / "_staging" / "run-1"
    left.mkdir(parents=True)
    (left / "0.quarantine.jsonl").write_text("{}\n")
    assert vacuum(lake, keep_hours=1) == []  # a run may still be going
    assert str(left) in vacuum(lake, keep_hours=0)
    assert not left.exists()


def test_no_lake_a_broken_snapshot_and_a_missing_file_are_each_named(
    store: NodeStore, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    with pytest.raises(StoreError, match="no lake at") as missing:
        open_lake(lake)
    assert "pmbridge store publish" in (missing.value.hint or "")
    snapshot = publish(store, lake)
    doc = json.loads((lake / SNAPSHOT).read_text())
    (lake / SNAPSHOT).write_text(json.dumps({**doc, "format": 99}))
    with pytest.raises(SchemaTooNew, match="format 99"):
        open_lake(lake)
    with pytest.raises(SchemaTooNew):
        publish(store, lake)  # a newer PM Bridge's lake is not overwritten either
    for broken in ("{not json", json.dumps({"format": 1, "version": 1}), json.dumps([1])):
        (lake / SNAPSHOT).write_text(broken)
        with pytest.raises(StoreError, match="not a lake snapshot"):
            read_snapshot(lake)
    (lake / SNAPSHOT).write_text(json.dumps(doc))
    Path(snapshot.files("variants")[0]).unlink()
    with pytest.raises(StoreError, match="missing file") as gone:
        open_lake(lake)
    assert "publish the store again" in (gone.value.hint or "")
    publish(store, lake)  # the fix the hint gives
    assert open_lake(lake).count_entries(EVERYONE) == {"ds1": 5}


def test_a_second_writer_is_refused_while_the_first_holds_the_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    busy = "another publish, append or vacuum"
    with writer_lock(lake), pytest.raises(StoreError, match=busy) as refused, writer_lock(lake, wait=0.1):
        pass
    assert "retry" in (refused.value.hint or "")
    with writer_lock(lake, wait=0.1):  # free again once the first writer is done
        pass


def test_rows_deleted_by_deletion_vectors_are_refused_until_a_publish(
    store: NodeStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    # Another Delta writer (e.g. Spark's DELETE) may mark rows deleted without rewriting files;
    # readers of plain file lists would bring them back. delta-rs rewrites files instead, so the
    # vector is simulated.
    DeltaTable(str(lake / "variants")).alter.add_feature(
        TableFeatures.DeletionVectors, allow_protocol_versions_increase=True
    )
    append(lake, {"variants": calls([1], first=5)})  # the feature alone deletes nothing
    vector = pa.table({"filepath": ["x.parquet"], "selection_vector": [[True, False]]})
    with monkeypatch.context() as patched:
        patched.setattr(DeltaTable, "deletion_vectors", lambda _: vector.to_reader())
        with pytest.raises(StoreError, match="deletion vectors") as refused:
            append(lake, {"variants": calls([1], first=6)})
        assert "publish the store again" in (refused.value.hint or "")
        assert read_snapshot(lake).version == 2
        publish(store, lake, discard_appends=True)  # the fix the hint gives: every file and vector replaced
    assert open_lake(lake).table_counts()["variants"] == 5


def test_a_publish_refuses_to_drop_rows_appended_to_the_lake(store: NodeStore, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    append(lake, {"variants": calls([1, 2, 3], first=90_000_000)})
    assert read_snapshot(lake).appends == 1
    with pytest.raises(StoreError, match="1 append") as refused:
        publish(store, lake)
    assert "--discard-appends" in (refused.value.hint or "")
    assert read_snapshot(lake).rows("variants") == 8  # nothing was dropped
    snapshot = publish(store, lake, discard_appends=True)  # on purpose
    assert (snapshot.rows("variants"), snapshot.appends) == (5, 0)


def test_a_wiped_and_republished_lake_is_followed(store: NodeStore, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    reader = open_lake(lake)
    assert reader.count_entries(EVERYONE) == {"ds1": 5}
    with store.transaction():
        store.write_records([person(i) for i in range(5, 9)])
    shutil.rmtree(lake)
    assert publish(store, lake).version == 1  # numbered from 1 again
    assert reader.count_entries(EVERYONE) == {"ds1": 9}


def test_an_unreadable_new_snapshot_leaves_the_reader_on_its_last_good_one(
    store: NodeStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lake = tmp_path / "lake"
    publish(store, lake)
    reader = open_lake(lake)
    assert reader.count_entries(EVERYONE) == {"ds1": 5}
    with store.transaction():
        store.write_records([person(i) for i in range(5, 9)])
    publish(store, lake)
    torn = Path(read_snapshot(lake).files("individuals")[0])
    whole = torn.read_bytes()
    torn.write_bytes(whole[: len(whole) // 2])  # a torn copy, a full disk
    for _ in range(3):  # answers from the last good snapshot, no error
        assert reader.count_entries(EVERYONE) == {"ds1": 5}
    torn.write_bytes(whole)  # repaired: followed at the next try
    monkeypatch.setattr(lake_read, "RETRY_SECONDS", 0.0)
    assert reader.count_entries(EVERYONE) == {"ds1": 9}


def test_one_read_sees_one_snapshot_though_another_thread_moves_the_views(
    store: NodeStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Allele counts are two statements; a swap between them (another server thread's read noticing
    a new snapshot) must not give calls of one snapshot and people of another."""
    from pmbridge.store import _engine

    lake = tmp_path / "lake"
    publish(store, lake)
    reader = open_lake(lake)
    fbn1 = EntryQuery("g_variants", variant=VariantQuery(gene="FBN1"))
    before = reader.allele_counts(fbn1)
    with store.transaction():
        store.write_records([person(i) for i in range(5, 9)])
    rows = _engine._CursorEngine.rows
    moved: list[bool] = []

    def and_move(self: object, compiled: object) -> object:
        found = rows(self, compiled)  # type: ignore[arg-type]
        if "zygosity" in compiled.sql and not moved:  # type: ignore[attr-defined]
            publish(store, lake)
            import threading

            other = threading.Thread(target=reader.datasets)  # another thread's read swaps the views
            other.start()
            other.join()
            moved.append(True)
        return found

    monkeypatch.setattr(_engine._CursorEngine, "rows", and_move)
    straddling = reader.allele_counts(fbn1)
    monkeypatch.undo()
    assert moved and straddling == before  # calls and people both of the snapshot the read began on
    after = reader.allele_counts(fbn1)
    assert sum(after["ds1"][0].values()) == after["ds1"][1] == 9
