"""OMOP tables in a PostgreSQL database (``postgresql://…``), read through psycopg 3 in one read-only
transaction, large results through server-side cursors.

The tables are found on the connection's search path; a CDM in its own schema is reached with the
libpq option ``?options=-csearch_path%3Dcdm``. A server that never answers cannot hold a run: libpq
gets ``connect_timeout``, TCP keepalives and a ``statement_timeout`` unless the URL gives its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

from pmbridge.errors import IngestError
from pmbridge.ingest._omop_cdm import TABLES
from pmbridge.ingest._omop_tables import FETCH_ROWS, Row, select_list
from pmbridge.ingest._redact import redact

__all__ = ["CONNECTION_DEFAULTS", "STATEMENT_TIMEOUT", "PostgresSource", "redact"]

# libpq parameters used unless the URL sets them: a server that takes the TCP connection and never
# answers fails in 15 s; a peer gone mid-read is noticed in about 90 s (30 s idle, 6 probes 10 s apart).
CONNECTION_DEFAULTS: dict[str, str | int] = {
    "connect_timeout": 15,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 6,
}
# Per statement (a sorted table's cursor, each fetch), unless the server or URL already sets one:
# long enough to sort a large table, short enough that a stuck query ends the run.
STATEMENT_TIMEOUT = "1h"


class PostgresSource:
    """The CDM tables visible on a PostgreSQL connection's search path."""

    def __init__(self, location: str) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the dependency is declared
            raise IngestError(
                "reading OMOP from PostgreSQL needs psycopg 3",
                hint="install it: pip install 'psycopg[binary]'",
            ) from None
        self._psycopg = psycopg
        self._where = redact(location)
        self._location = location
        self._cursor_names = itertools.count(1)
        try:
            given = psycopg.conninfo.conninfo_to_dict(location)
            defaults = {k: v for k, v in CONNECTION_DEFAULTS.items() if k not in given}
            conninfo = psycopg.conninfo.make_conninfo(location, **defaults)
            self._con = psycopg.connect(conninfo, autocommit=False)
            self._con.read_only = True
            shown = self._con.execute("SHOW statement_timeout").fetchone()
            if shown is None or str(shown[0]) == "0":
                self._con.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
            rows = self._con.execute(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = ANY(current_schemas(false)) AND lower(table_name) = ANY(%s) "
                "ORDER BY array_position(current_schemas(false), table_schema::name), ordinal_position",
                [list(TABLES)],
            ).fetchall()
        except psycopg.Error as error:
            raise self._failed("connect to", error) from None
        self._columns: dict[str, list[str]] = {}
        self._schema: dict[str, tuple[str, str]] = {}
        for schema, table, column in rows:
            key = str(table).lower()
            if self._schema.setdefault(key, (str(schema), str(table))) == (str(schema), str(table)):
                self._columns.setdefault(key, []).append(str(column).lower())

    @property
    def columns(self) -> Mapping[str, tuple[str, ...]]:
        return {table: tuple(cols) for table, cols in self._columns.items()}

    @property
    def total_bytes(self) -> int:
        return 0

    @property
    def person_key(self) -> str:
        return '"person_id"'

    def integer(self, column: str) -> str:
        return f'"{column}"'  # CDM columns of ids are integers in a database

    def where(self, table: str) -> str:
        schema, name = self._schema.get(table, ("", table))
        return f"{self._where} table {schema + '.' if schema else ''}{name}"

    def table_sql(self, table: str) -> str:
        schema, name = self._schema[table]
        return f'"{schema}"."{name}"'

    def query(self, table: str, sql: str) -> list[Row]:
        try:
            return list(self._con.execute(self._qualified(sql)).fetchall())
        except self._psycopg.Error as error:
            raise self._failed(f"read {self.where(table)} from", error) from None

    def rows_with_ids(self, table: str, columns: Sequence[str], key: str, ids: Sequence[int]) -> list[Row]:
        if not ids:
            return []
        sql = (
            f'SELECT {select_list(self, table, columns)} FROM {self.table_sql(table)} WHERE "{key}" = ANY(%s)'
        )
        try:
            return list(self._con.execute(sql, [list(ids)]).fetchall())
        except self._psycopg.Error as error:
            raise self._failed(f"read {self.where(table)} from", error) from None

    def stream(self, table: str, sql: str) -> Iterator[Row]:
        try:
            with self._con.cursor(name=f"pmbridge_omop_{next(self._cursor_names)}") as cursor:
                cursor.itersize = FETCH_ROWS
                cursor.execute(self._qualified(sql))
                while batch := cursor.fetchmany(FETCH_ROWS):
                    yield from batch
        except self._psycopg.Error as error:
            raise self._failed(f"read {self.where(table)} from", error) from None

    def close(self) -> None:
        try:
            self._con.rollback()  # read only: nothing to keep
        finally:
            self._con.close()

    def _qualified(self, sql: str) -> str:
        """The reader writes bare quoted table names; here they get their schema."""
        for table in self._schema:
            sql = sql.replace(f'FROM "{table}"', f"FROM {self.table_sql(table)}")
        return sql

    def _failed(self, what: str, error: Exception) -> IngestError:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        first = first.replace(self._location, self._where)  # libpq may quote the URL it could not use
        authority = self._location.partition("://")[2].split("/", 1)[0].split("?", 1)[0]
        if authority.count("@") > 1:  # libpq splits at the first '@' and quotes the rest as the host
            first = "the user:password part holds an unencoded '@' (write it as %40)"
        return IngestError(
            f"cannot {what} the OMOP database {self._where}: {first}",
            hint="check the postgresql:// URL, the user's read access and the search_path "
            "(?options=-csearch_path%3Dcdm); nothing was ingested",
        )
