"""The engine that runs the store's compiled SQL: DuckDB in process, or Spark beyond one machine.

Every statement the store builds is DuckDB-dialect SQL with ``?`` placeholders (:class:`CompiledQuery`);
an engine runs it and hands back plain Python rows (tuples; structs as dicts, lists as lists), the
same values whichever engine ran it, so the code that reads the rows is written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Literal, Protocol

import duckdb
import pyarrow as pa

from pmbridge.store._compile import CompiledQuery

Dialect = Literal["duckdb", "spark"]


class Engine(Protocol):
    """Runs compiled store SQL; safe to call from several threads at once."""

    @property
    def dialect(self) -> Dialect: ...

    def rows(self, compiled: CompiledQuery) -> list[tuple[Any, ...]]:
        """Every row of ``compiled``'s result, as DuckDB's ``fetchall`` gives them."""
        ...

    def arrow(self, compiled: CompiledQuery) -> pa.Table:
        """``compiled``'s result as an Arrow table."""
        ...

    def pinned(self) -> AbstractContextManager[Engine]:
        """An engine that reads one snapshot of the data for as long as the context lasts: the
        statements of one read agree even when a writer (or a lake's new snapshot) moves on."""
        ...


class DuckDBEngine:
    """A DuckDB connection (a node's file, or views over a lake); a cursor of its own per call,
    because one DuckDB connection must not run statements from two server threads at once."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    @property
    def dialect(self) -> Dialect:
        return "duckdb"

    def rows(self, compiled: CompiledQuery) -> list[tuple[Any, ...]]:
        with self._con.cursor() as cursor:
            rows: list[tuple[Any, ...]] = cursor.execute(compiled.sql, list(compiled.params)).fetchall()
        return rows

    def arrow(self, compiled: CompiledQuery) -> pa.Table:
        with self._con.cursor() as cursor:
            table: pa.Table = cursor.sql(compiled.sql, params=list(compiled.params)).to_arrow_table()
        return table

    @contextmanager
    def pinned(self) -> Iterator[Engine]:
        """One cursor in one read-only transaction: DuckDB shows it the data (and the lake's views)
        as they were when it began, whatever commits meanwhile."""
        with self._con.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield _CursorEngine(cursor)
            finally:
                cursor.execute("ROLLBACK")  # it only read


class _CursorEngine:
    """The statements of one pinned read, on its own cursor (one thread's)."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    @property
    def dialect(self) -> Dialect:
        return "duckdb"

    def rows(self, compiled: CompiledQuery) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._cursor.execute(compiled.sql, list(compiled.params)).fetchall()
        return rows

    def arrow(self, compiled: CompiledQuery) -> pa.Table:
        table: pa.Table = self._cursor.sql(compiled.sql, params=list(compiled.params)).to_arrow_table()
        return table

    @contextmanager
    def pinned(self) -> Iterator[Engine]:
        yield self
