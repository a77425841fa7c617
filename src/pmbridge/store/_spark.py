"""The store's queries on Apache Spark: the same compiled SQL, transpiled, over the lake's Parquet files.

PySpark is an optional extra (``pmbridge[spark]``), imported only when a Spark engine is built, so
a node that never uses Spark installs and imports nothing of it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from pmbridge.errors import StoreError
from pmbridge.store._compile import CompiledQuery
from pmbridge.store._engine import Dialect, Engine

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_INSTALL = "pip install 'pmbridge[spark]' (PySpark and SQLGlot), and Java 17 for local mode"


@dataclass(frozen=True, slots=True)
class SparkSettings:
    """Where Spark runs: ``local[N]`` in this process's JVM, a cluster master URL (``spark://…``,
    ``yarn``, ``k8s://…``), or a Spark Connect server (``sc://host:15002``)."""

    master: str = "local[2]"
    shuffle_partitions: int = 4  # the store's results are small: many partitions only cost tasks
    app_name: str = "pmbridge-node"
    conf: Mapping[str, str] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        """True for local mode: Spark runs in a JVM this process starts, on loopback only."""
        return self.master.startswith("local")

    @property
    def connect(self) -> bool:
        """True for a Spark Connect URL, which gets a thin client and no local JVM."""
        return self.master.startswith("sc://")


SAFE_SQL = {
    # Spark rewrites ${env:X}, ${spark.*} and ${sparkconf:*} in SQL text before parsing, inside
    # string literals too: a Beacon filter value "${env:X}" would read the node's environment, and
    # one holding a quote would become SQL. The store's values are literals and must stay literals.
    "spark.sql.variable.substitute": "false",
    # SQLGlot escapes quotes and backslashes in literals as Spark reads them by default.
    "spark.sql.parser.escapedStringLiterals": "false",
    "spark.sql.session.timeZone": "UTC",
}
"""Settings every session the store's SQL runs on must have; set last, so nothing overrides them."""


def require_spark() -> None:
    """Raise a :class:`StoreError` saying how to install the extra when PySpark or SQLGlot is missing."""
    for module in ("pyspark", "sqlglot"):
        if importlib.util.find_spec(module) is None:
            raise StoreError(f"the Spark engine needs {module}, which is not installed", hint=_INSTALL)


def spark_session(settings: SparkSettings) -> SparkSession:
    """A session for ``settings``: local mode kept on loopback, quiet and small; or a cluster's."""
    require_spark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(settings.app_name)
    builder = builder.remote(settings.master) if settings.connect else builder.master(settings.master)
    conf = {
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
    }
    if settings.local:  # in this process: no UI, no port beyond loopback, no INFO chatter
        conf |= {
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.host": "127.0.0.1",
            "spark.log.level": "ERROR",
        }
    for key, value in (conf | dict(settings.conf) | SAFE_SQL).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


class SparkEngine:
    """Runs compiled store SQL on a Spark session, over one temp view per table.

    The views are the session's: give each engine its own session (``spark.newSession()`` shares
    the cluster and its cache) when two engines read different files.
    """

    def __init__(
        self,
        session: SparkSession,
        tables: Mapping[str, Sequence[str]],
        *,
        schemas: Mapping[str, pa.Schema] | None = None,
    ) -> None:
        require_spark()
        from pmbridge.store._spark_sql import to_spark

        for key, value in SAFE_SQL.items():  # a new or Connect session may start without them
            session.conf.set(key, value)
        self._session = session
        self._to_spark = to_spark
        for name, files in tables.items():
            if files:
                frame = session.read.parquet(*files)
            elif schemas is not None and name in schemas:
                frame = session.createDataFrame(schemas[name].empty_table())
            else:
                raise StoreError(
                    f"table {name!r} has no Parquet files and no schema to stand for it",
                    hint="publish the store's tables again, or pass the table's Arrow schema",
                )
            frame.createOrReplaceTempView(name)

    @property
    def dialect(self) -> Dialect:
        return "spark"

    @contextmanager
    def pinned(self) -> Iterator[Engine]:
        """Itself: its views never change (a lake's new snapshot gets a new engine)."""
        yield self

    def sql(self, compiled: CompiledQuery) -> str:
        """The Spark SQL text this engine runs for ``compiled``."""
        return self._to_spark(compiled)

    def rows(self, compiled: CompiledQuery) -> list[tuple[Any, ...]]:
        return [
            tuple(plain(value) for value in row) for row in self._session.sql(self.sql(compiled)).collect()
        ]

    def arrow(self, compiled: CompiledQuery) -> pa.Table:
        table: pa.Table = self._session.sql(self.sql(compiled)).toArrow()
        return table


def plain(value: object) -> object:
    """A Spark value as DuckDB's ``fetchall`` gives it: a struct (a ``Row``, a tuple with field
    names) as a dict, recursively; lists stay lists.

    >>> plain([1, None, [2.5, "a"]])
    [1, None, [2.5, 'a']]
    """
    if isinstance(value, tuple) and hasattr(value, "asDict"):
        return {key: plain(item) for key, item in value.asDict(recursive=False).items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):  # a MAP; the store has none, but a map is a dict in both
        return {key: plain(item) for key, item in value.items()}
    return value
