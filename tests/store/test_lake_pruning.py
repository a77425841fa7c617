"""A point query over the lake reads at most 1 % of the variant row groups: the query plan's own
profile (DuckDB's count of row groups scanned) says so, for the very SQL ``NodeStore.counted`` runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pmbridge.model import Dataset, Individual, PatientRecord, Sex
from pmbridge.store import CompiledQuery, EntryQuery, NodeStore, VariantQuery
from pmbridge.store._engine import Dialect
from pmbridge.store._lake_read import LakeViews
from pmbridge.store._lake_write import publish

ROW_GROUP = 2_000
CALLS = 440_000  # 220 row groups of variants
PEOPLE = 100


class ProfiledEngine:
    """DuckDB over the lake that keeps each statement's JSON profile (operators, row groups read)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: Path) -> None:
        self._con = con
        self._out = out
        self.profiles: list[dict[str, Any]] = []

    @property
    def dialect(self) -> Dialect:
        return "duckdb"

    def rows(self, compiled: CompiledQuery) -> list[tuple[Any, ...]]:
        with self._con.cursor() as cursor:
            cursor.execute("PRAGMA enable_profiling = 'json'")
            cursor.execute(f"PRAGMA profiling_output = '{self._out}'")
            rows: list[tuple[Any, ...]] = cursor.execute(compiled.sql, list(compiled.params)).fetchall()
        self.profiles.append(json.loads(self._out.read_text()))
        return rows

    def arrow(self, compiled: CompiledQuery) -> pa.Table:
        raise NotImplementedError

    @contextmanager
    def pinned(self) -> Iterator[ProfiledEngine]:
        yield self  # the test's lake does not move


def parquet_scans(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node] if node.get("name") == "READ_PARQUET" else []
    for child in node.get("children", []):
        found += parquet_scans(child)
    return found


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pruning")
    with NodeStore.open(root / "node.duckdb") as store:
        with store.transaction():
            store.put_datasets([Dataset("ds1", "One")])
            store.write_records(
                [
                    PatientRecord(Individual(id=f"p{i}", sex=Sex.FEMALE), dataset_id="ds1")
                    for i in range(PEOPLE)
                ]
            )
        # Stored in no particular order: the lake's layout, not the file's, must do the pruning.
        store.connection.execute(
            "INSERT INTO variants SELECT i % ? + 1, 'GRCh38', 'chr' || (i % 3 + 1), 1000 + i * 7, 'A', 'G', "
            "NULL, [], 'heterozygous', 'unknown', 'vcf', 'x.vcf' FROM range(?) t(i) ORDER BY hash(i)",
            [PEOPLE, CALLS],
        )
        publish(store, root / "lake", row_group_rows=ROW_GROUP, file_row_groups=16)
    return root / "lake"


def test_a_point_query_reads_at_most_one_percent_of_the_row_groups(lake: Path, tmp_path: Path) -> None:
    views = LakeViews(lake)
    engine = ProfiledEngine(views.connection, tmp_path / "profile.json")
    store = NodeStore(views.connection, path=lake, read_only=True, engine=engine, changed=views.refresh)
    files = views.snapshot.files("variants")
    groups = sum(pq.ParquetFile(f).metadata.num_row_groups for f in files)
    assert groups >= 200
    store.count_entries(
        EntryQuery("g_variants", variant=VariantQuery(chromosomes=("chr1",)))
    )  # names read once
    engine.profiles.clear()
    i = 123_457  # chromosome 'chr2', as the rows were made
    point = VariantQuery(chromosomes=("chr2",), position=1000 + i * 7, reference="A", alternate="G")
    assert store.counted(EntryQuery("g_variants", variant=point)).counts == {"ds1": 1}
    scans = [s for p in engine.profiles for s in parquet_scans(p["operator"][0] if "operator" in p else p)]
    variant_scans = [s for s in scans if s["total_row_groups_to_scan"] >= groups / 2]
    assert variant_scans, scans
    read = sum(int(s["row_groups_scanned"]) for s in variant_scans)
    assert 1 <= read <= 0.01 * groups, (read, groups)
    assert sum(int(s["rows_scanned"]) for s in variant_scans) <= 0.01 * CALLS
