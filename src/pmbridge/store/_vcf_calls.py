"""Writes of a VCF's calls: its people's variant rows (origin ``vcf``) and its allele counts.

A VCF is known by its file name within a dataset; ingesting it again replaces what it wrote before.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from pmbridge.store._rows import ALLELE_COUNTS, SCHEMAS, VCF_ORIGIN


def individual_inds(con: duckdb.DuckDBPyConnection, dataset_id: str, ids: Sequence[str]) -> dict[str, int]:
    """The store's ``ind`` of each of ``ids`` held in ``dataset_id`` (ids not held are absent)."""
    wanted = pa.table({"id": pa.array(list(ids), pa.string())})
    con.register("wanted_ids", wanted)
    try:
        rows = con.execute(
            "SELECT i.id, i.ind FROM individuals i SEMI JOIN wanted_ids w ON w.id = i.id "
            "WHERE i.dataset_id = ?",
            [dataset_id],
        ).fetchall()
    finally:
        con.unregister("wanted_ids")
    return {str(id_): int(ind) for id_, ind in rows}


def clear_source(con: duckdb.DuckDBPyConnection, dataset_id: str, source: str) -> int:
    """Delete the variant rows and allele counts an earlier ingest of ``source`` wrote into
    ``dataset_id``; returns how many variant rows went."""
    deleted = con.execute(
        "DELETE FROM variants WHERE origin = ? AND source = ? "
        "AND ind IN (SELECT ind FROM individuals WHERE dataset_id = ?)",
        [VCF_ORIGIN, source, dataset_id],
    ).fetchall()
    con.execute("DELETE FROM allele_counts WHERE dataset_id = ? AND source = ?", [dataset_id, source])
    return int(deleted[0][0]) if deleted else 0


def source_summary(con: duckdb.DuckDBPyConnection, dataset_id: str, source: str) -> tuple[int, int, int]:
    """(alleles, calls, carriers) that the VCF named ``source`` holds in ``dataset_id``."""
    (alleles,) = con.execute(
        "SELECT count(*) FROM allele_counts WHERE dataset_id = ? AND source = ?", [dataset_id, source]
    ).fetchone() or (0,)
    calls, carriers = con.execute(
        "SELECT count(*), count(DISTINCT v.ind) FROM variants v JOIN individuals i USING (ind) "
        "WHERE v.origin = ? AND v.source = ? AND i.dataset_id = ?",
        [VCF_ORIGIN, source, dataset_id],
    ).fetchone() or (0, 0)
    return int(alleles), int(calls), int(carriers)


def insert_calls(con: duckdb.DuckDBPyConnection, calls: pa.Table, counts: pa.Table) -> None:
    """Append variant rows (the ``variants`` schema, ``ind`` already the store's) and their allele
    counts (:data:`ALLELE_COUNTS`). A column may come dictionary-encoded (its values of the schema's
    type): DuckDB reads the dictionary as it is, where decoding it first would copy every string."""
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    # One thread: a parallel insert of more than a row group (122,880 rows) leaves a part-filled
    # row group behind per batch, which the checkpoint then rewrites; one thread appends in order
    # and spends less CPU (docs/ingest.md#vcf, Speed).
    con.execute("SET threads = 1")
    try:
        _insert(con, "variants", _conformed(calls, SCHEMAS["variants"]))
        _insert(con, "allele_counts", _conformed(counts, ALLELE_COUNTS))
    finally:
        con.execute(f"SET threads = {int(threads)}")


def _conformed(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """``rows`` in ``schema``'s column order and types, dictionary-encoded columns left encoded."""
    columns = []
    for column_type in schema:
        column = rows[column_type.name]
        if not (pa.types.is_dictionary(column.type) and column.type.value_type == column_type.type):
            column = column.cast(column_type.type)
        columns.append(column)
    return pa.table(columns, names=schema.names)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    con.register("incoming_vcf_rows", rows)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM incoming_vcf_rows")
    finally:
        con.unregister("incoming_vcf_rows")
