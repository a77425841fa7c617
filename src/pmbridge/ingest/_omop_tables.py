"""Where OMOP tables are read from: a folder of CSV / CSV.gz / Parquet files (through DuckDB), or a
PostgreSQL database (``_omop_postgres``); both answer the same few queries.

Every value comes back as the backend gives it (text for CSV, typed for Parquet and PostgreSQL);
``_omop_values`` reads them all the same way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import duckdb

from pmbridge.errors import IngestError
from pmbridge.ingest._omop_cdm import TABLES

Row = tuple[object, ...]
FETCH_ROWS = 10_000  # rows per fetch from a streaming query: memory stays flat in table size
SORT_MEMORY = "256MB"  # DuckDB sorts tables by person_id within this, spilling the rest to disk
_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet")


class TableSource(Protocol):
    """The queries the OMOP reader asks of a backend."""

    @property
    def columns(self) -> Mapping[str, tuple[str, ...]]:
        """Every CDM table present (lower-case name) with its columns (lower case)."""
        ...

    @property
    def total_bytes(self) -> int:
        """Input bytes, for progress (0 when unknown)."""
        ...

    @property
    def person_key(self) -> str:
        """SQL for a row's person_id as an integer (NULL when it is not one), to group and sort by."""
        ...

    def integer(self, column: str) -> str:
        """SQL for ``column`` as an integer (NULL when it is not one)."""
        ...

    def where(self, table: str) -> str:
        """The table as the user knows it (a file path, or ``schema.table``)."""
        ...

    def query(self, table: str, sql: str) -> list[Row]:
        """A small result (aggregates, lookups); ``table`` names what an error is about."""
        ...

    def rows_with_ids(self, table: str, columns: Sequence[str], key: str, ids: Sequence[int]) -> list[Row]:
        """``columns`` of the rows whose integer ``key`` is in ``ids``."""
        ...

    def stream(self, table: str, sql: str) -> Iterator[Row]:
        """A large result, fetched in batches."""
        ...

    def close(self) -> None: ...


def select_list(source: TableSource, table: str, wanted: Sequence[str]) -> str:
    """``wanted`` columns of ``table`` in order, NULL for those the table lacks."""
    present = set(source.columns[table])
    return ", ".join(_quote(c) if c in present else f"NULL AS {_quote(c)}" if c else "NULL" for c in wanted)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class FolderSource:
    """CDM tables as files named after the table (any case): ``person.csv``, ``PERSON.csv.gz``,
    ``measurement.parquet``…; CSV is read as text with its delimiter detected (Athena's are tabs)."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise IngestError(
                f"OMOP folder {folder} does not exist",
                hint="give a folder of CDM 5.4 tables (person.csv, condition_occurrence.csv, …)",
            )
        self._folder = folder
        self._files = _table_files(folder)
        self._spill = tempfile.TemporaryDirectory(prefix="pmbridge-omop-")
        self._con = duckdb.connect(
            config={
                "memory_limit": SORT_MEMORY,
                "temp_directory": self._spill.name,
            }
        )
        self._columns: dict[str, tuple[str, ...]] = {}
        self._sorted = 0
        for table, path in self._files.items():
            reader = (
                f"read_parquet({_literal(path)})"
                if path.name.lower().endswith(".parquet")
                else f"read_csv({_literal(path)}, header = true, all_varchar = true)"
            )
            try:
                self._con.execute(f"CREATE VIEW {_quote(table)} AS SELECT * FROM {reader}")
                described = self._con.execute(f"DESCRIBE {_quote(table)}").fetchall()
            except duckdb.Error as error:
                raise _unreadable(path, error) from None
            self._columns[table] = tuple(str(row[0]).lower() for row in described)

    @property
    def columns(self) -> Mapping[str, tuple[str, ...]]:
        return self._columns

    @property
    def total_bytes(self) -> int:
        return sum(path.stat().st_size for path in self._files.values())

    @property
    def person_key(self) -> str:
        return self.integer("person_id")

    def integer(self, column: str) -> str:
        # Through VARCHAR and trim: DuckDB 2.0 pushes a bare TRY_CAST of a CSV column into the CSV
        # reader as a strict cast, which fails the whole file on one 'abc' instead of giving NULL.
        return f"TRY_CAST(trim(CAST({_quote(column)} AS VARCHAR)) AS BIGINT)"

    def where(self, table: str) -> str:
        path = self._files.get(table)
        return str(path) if path is not None else str(self._folder / f"{table}.csv")

    def query(self, table: str, sql: str) -> list[Row]:
        try:
            return self._con.execute(sql).fetchall()
        except duckdb.Error as error:
            raise _unreadable(self._files.get(table, self._folder), error) from None

    def rows_with_ids(self, table: str, columns: Sequence[str], key: str, ids: Sequence[int]) -> list[Row]:
        if not ids:
            return []
        sql = (
            f"SELECT {select_list(self, table, columns)} FROM {_quote(table)} "
            f"WHERE {self.integer(key)} IN (SELECT UNNEST(?::BIGINT[]))"
        )
        try:
            return self._con.execute(sql, [list(ids)]).fetchall()
        except duckdb.Error as error:
            raise _unreadable(self._files[table], error) from None

    def stream(self, table: str, sql: str) -> Iterator[Row]:
        """Sorted once into a Parquet file (one query at a time, spilling to disk as it needs), then
        scanned: ten tables open side by side hold a few row groups each, whatever their size."""
        self._sorted += 1
        path = Path(self._spill.name) / f"{table}-{self._sorted}.parquet"
        cursor = self._con.cursor()  # its own connection: several tables stream side by side
        try:
            self._con.execute(f"COPY ({sql}) TO {_literal(path)} (FORMAT parquet)")
            cursor.execute(f"SELECT * FROM read_parquet({_literal(path)})")
            while batch := cursor.fetchmany(FETCH_ROWS):
                yield from batch
        except duckdb.Error as error:
            raise _unreadable(self._files[table], error) from None
        finally:
            cursor.close()
            path.unlink(missing_ok=True)

    def close(self) -> None:
        self._con.close()
        self._spill.cleanup()


def _table_files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        for suffix in _SUFFIXES:
            table = name.removesuffix(suffix)
            if name.endswith(suffix) and table in TABLES and path.is_file():
                if table in found:
                    raise IngestError(
                        f"OMOP folder {folder} holds table {table} twice: "
                        f"{found[table].name} and {path.name}",
                        hint="keep one file per table",
                    )
                found[table] = path
    return found


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _unreadable(path: Path, error: duckdb.Error) -> IngestError:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return IngestError(
        f"cannot read OMOP table {path}: {first}",
        hint="check that the file is a complete CSV (with a header row), CSV.gz or Parquet file; "
        "nothing was ingested",
    )
