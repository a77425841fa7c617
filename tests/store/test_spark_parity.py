"""Parity: every statement of the compiler battery, and every public read of the store, gives the same
rows on DuckDB (its own file, and views over Parquet) and on Spark (local mode) over the same files.

One Spark session serves the module. Skipped without Java or PySpark, except under CI (``CI=true``),
where that is a failure: ``.ci/run`` installs both. Values are compared exactly, types included: no
statement sums floats, so no tolerance is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.errors import StoreError
from pmbridge.store import SCHEMAS, CompiledQuery, NodeStore
from pmbridge.store._engine import DuckDBEngine, Engine
from tests.spark import require_spark
from tests.store import battery

require_spark("the Spark parity tests", module_level=True)

from pmbridge.store._spark import SparkEngine, SparkSettings, spark_session  # noqa: E402

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class Remembered:
    """An engine that runs each distinct statement once: the battery and the public reads ask many
    of the same, and a Spark statement costs a job."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._rows: dict[CompiledQuery, list[tuple[Any, ...]]] = {}
        self.dialect = engine.dialect

    def rows(self, compiled: CompiledQuery) -> list[tuple[Any, ...]]:
        if compiled not in self._rows:
            self._rows[compiled] = self._engine.rows(compiled)
        return self._rows[compiled]

    def arrow(self, compiled: CompiledQuery) -> pa.Table:
        return self._engine.arrow(compiled)

    @contextmanager
    def pinned(self) -> Iterator[Remembered]:
        yield self  # the parity stores never move


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    # Tiny tables: one shuffle partition, and no whole-stage code generation (compiling each
    # query's Java costs more than running it at this size).
    conf = {"spark.sql.codegen.wholeStage": "false"}
    session = spark_session(SparkSettings(shuffle_partitions=1, app_name="pmbridge-parity", conf=conf))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, ...]]]:
    """The battery's store file and each of its tables exported to a Parquet file."""
    root = tmp_path_factory.mktemp("parity")
    path = battery.build_store(root / "battery.duckdb")
    found: dict[str, tuple[str, ...]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            target = root / f"{table}.parquet"
            con.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
            found[table] = (str(target),)
    return path, found


@pytest.fixture(scope="module")
def stores(
    spark: SparkSession, files: tuple[Path, dict[str, tuple[str, ...]]]
) -> Iterator[dict[str, NodeStore]]:
    """The same data read three ways: DuckDB's file, DuckDB over the Parquet files, Spark over them."""
    path, tables = files
    views = duckdb.connect()
    for table, parquet in tables.items():
        views.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({list(parquet)!r})")
    engines: dict[str, Engine] = {
        "duckdb-parquet": DuckDBEngine(views),
        "spark": Remembered(SparkEngine(spark, tables)),
    }
    found = {"duckdb-file": NodeStore.open(path, read_only=True)}
    found |= {
        name: NodeStore(None, path=path, read_only=True, engine=engine) for name, engine in engines.items()
    }
    yield found
    for store in found.values():
        store.close()
    views.close()


def normalised(rows: list[tuple[Any, ...]], *, ordered: bool) -> list[tuple[Any, ...]]:
    """Rows with each value tagged by its type; sorted (and their lists sorted) unless ``ordered``."""

    def tagged(value: Any) -> Any:
        if isinstance(value, list):
            items = [tagged(item) for item in value]
            return ("list", items if ordered else sorted(items, key=repr))
        if isinstance(value, dict):
            return ("struct", [(key, tagged(item)) for key, item in value.items()])
        return (type(value).__name__, value)

    found = [tuple(tagged(value) for value in row) for row in rows]
    return found if ordered else sorted(found, key=repr)


@pytest.mark.parametrize("case", battery.cases(), ids=lambda case: case.name)
def test_every_battery_case_is_the_same_on_every_engine(
    stores: dict[str, NodeStore], case: battery.Case
) -> None:
    reference = stores["duckdb-file"]
    for compiled in case.statements:
        expected = normalised(reference.engine.rows(compiled), ordered=case.ordered)
        for name, store in stores.items():
            assert normalised(store.engine.rows(compiled), ordered=case.ordered) == expected, (name, compiled)
    answer = case.ask(reference)
    for name, store in stores.items():
        assert case.ask(store) == answer, name


def test_the_stores_own_reads_are_the_same_on_every_engine(stores: dict[str, NodeStore]) -> None:
    reference = stores["duckdb-file"]
    for name, store in stores.items():
        assert store.datasets() == reference.datasets(), name
        assert store.dataset_contents() == reference.dataset_contents(), name
        assert store.table_counts() == reference.table_counts(), name
        assert store.hpo_release == reference.hpo_release == "battery", name


def test_a_spark_row_is_what_duckdb_fetches(stores: dict[str, NodeStore]) -> None:
    compiled = CompiledQuery(
        "SELECT ? AS n, ? AS x, ? AS d, ? AS b, NULL AS z, [?, ?] AS l, "
        "{'k': ?, 'inner': {'m': [1, 2]}} AS s, ?::BIGINT AS big",
        (7, 0.5, date(2024, 2, 29), True, "a", "b", "v", 2**40),
    )
    expected = [
        (7, 0.5, date(2024, 2, 29), True, None, ["a", "b"], {"k": "v", "inner": {"m": [1, 2]}}, 2**40)
    ]
    for name, store in stores.items():
        assert normalised(store.engine.rows(compiled), ordered=True) == normalised(expected, ordered=True), (
            name
        )


NASTY = ["", "'", "''", "\\", "\\'", "?", "--", "/*", "*/", "\n", "\t", "é", "中文", "𝄞", "$1", "%_", "a\\%b"]
NASTY += ["${env:PATH}", "${spark.app.name}", "${sparkconf:spark.app.name}", "${hivevar:x}", "${x}"]
"""Spark's variable substitution would rewrite these inside literals; the engine turns it off."""


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(), min_size=1, max_size=24))
def test_any_string_arrives_as_itself_and_matches_itself(
    stores: dict[str, NodeStore], values: list[str]
) -> None:
    values = [*NASTY, *values]
    marks = ", ".join(f"? AS c{k}" for k in range(len(values)))
    selected = CompiledQuery(f"SELECT {marks}", tuple(values))
    # Each string matches itself followed by `%`: a backslash is no escape on either engine.
    plain = [v.replace("%", "").replace("_", "") for v in values]
    like = CompiledQuery(", ".join("? LIKE ?" for _ in plain).join(("SELECT ", "")), tuple(
        item for v in plain for item in (v, v + "%")
    ))  # fmt: skip
    for name in ("duckdb-file", "spark"):
        engine = stores[name].engine
        assert engine.rows(selected) == [tuple(values)], name
        assert engine.rows(like) == [tuple(True for _ in plain)], name


def test_a_session_that_substitutes_variables_is_made_safe(spark: SparkSession) -> None:
    session = spark.newSession()
    session.conf.set("spark.sql.variable.substitute", "true")
    engine = SparkEngine(session, {})
    found = engine.rows(CompiledQuery("SELECT ? AS v", ("${spark.sql.session.timeZone}",)))
    assert found == [("${spark.sql.session.timeZone}",)]


def test_a_table_without_files_stands_empty_only_with_its_schema(spark: SparkSession) -> None:
    session = spark.newSession()  # views of its own: the parity engine's stay as they are
    engine = SparkEngine(session, {"variants": ()}, schemas={"variants": SCHEMAS["variants"]})
    assert engine.rows(CompiledQuery("SELECT count(*), max(position) FROM variants", ())) == [(0, None)]
    with pytest.raises(StoreError, match="no Parquet files") as caught:
        SparkEngine(session, {"biosamples": ()})
    assert "Arrow schema" in caught.value.hint
