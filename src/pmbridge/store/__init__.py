"""A node's DuckDB store: versioned schema, Arrow bulk loads, HPO closure, filter-to-SQL compiler."""

from pmbridge.store._compile import CompiledQuery, count_by_dataset, where_clause
from pmbridge.store._rows import RecordTables, to_tables
from pmbridge.store._schema import LATEST_VERSION, MIGRATIONS, Migration
from pmbridge.store._store import RECORD_TABLES, NodeStore

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "RECORD_TABLES",
    "CompiledQuery",
    "Migration",
    "NodeStore",
    "RecordTables",
    "count_by_dataset",
    "to_tables",
    "where_clause",
]
