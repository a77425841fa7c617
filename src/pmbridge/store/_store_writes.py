"""The write path of a node's store: a batch of records in, stored people replaced, calls kept.

Plain DuckDB on the caller's connection, inside the caller's transaction; :class:`NodeStore` wraps it.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from pmbridge.store._closure import PHENOTYPE_ANCESTORS
from pmbridge.store._gene_loci import widen_gene_loci
from pmbridge.store._rows import VCF_ORIGIN, RecordTables

RECORD_TABLES = (
    "individuals",
    "phenotypes",
    "diseases",
    "variants",
    "biosamples",
    "vital_status",
    "measurements",
    "medical_actions",
)
MOVED_CALLS = (
    "CREATE OR REPLACE TEMP TABLE moved_calls AS SELECT i.ind AS old_ind, max(n.ind) AS new_ind "
    "FROM individuals i JOIN incoming_individuals n ON i.dataset_id = n.dataset_id AND i.id = n.id "
    "WHERE n.ind IN (SELECT ind FROM keep) GROUP BY i.ind"
)
"""Each replaced person's stored ind and the batch-local ind of the record that replaces them."""


def insert_batch(con: duckdb.DuckDBPyConnection, batch: RecordTables) -> tuple[int, int]:
    """Insert a batch whose ``ind`` column numbers its individuals locally (any distinct ints).

    Within the batch the last record of an individual wins; a stored individual with the same
    (dataset, id) is replaced. Returns (stored individuals replaced, phenotype-ancestor rows
    appended out of order).
    """
    names = [f"incoming_{name}" for name in batch.tables]
    for name, table in zip(names, batch.tables.values(), strict=True):
        con.register(name, table)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE keep AS SELECT max(ind) AS ind "
            "FROM incoming_individuals GROUP BY dataset_id, id"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stale AS SELECT i.ind FROM individuals i "
            "JOIN (SELECT DISTINCT dataset_id, id FROM incoming_individuals) k "
            "ON i.dataset_id = k.dataset_id AND i.id = k.id"
        )
        replaced = _scalar(con, "SELECT count(*) FROM stale")
        if replaced:
            # A VCF's calls outlive the clinical record: they follow the person to the new ind.
            con.execute(MOVED_CALLS)
            for table in (*RECORD_TABLES, "phenotype_ancestors"):
                keep_vcf = f" AND origin <> '{VCF_ORIGIN}'" if table == "variants" else ""
                con.execute(f"DELETE FROM {table} WHERE ind IN (SELECT ind FROM stale){keep_vcf}")
        base = _scalar(con, "SELECT coalesce(max(ind), 0) + 1 FROM individuals")
        offset = base - _scalar(con, "SELECT coalesce(min(ind), 0) FROM incoming_individuals")
        for table, name in zip(batch.tables, names, strict=True):
            con.execute(
                f"INSERT INTO {table} SELECT * REPLACE (ind + ? AS ind) FROM {name} "
                "WHERE ind IN (SELECT ind FROM keep)",
                [offset],
            )
        if replaced:
            # One statement: old and new inds may overlap, and each row moves once.
            con.execute(
                f"UPDATE variants SET ind = m.new_ind + ? FROM moved_calls m "
                f"WHERE variants.ind = m.old_ind AND variants.origin = '{VCF_ORIGIN}'",
                [offset],
            )
        if "variants" in batch.tables:
            widen_gene_loci(con, "incoming_variants")
        # New people get new ids, all from ``base`` on (offset keeps them above every stored one).
        appended = _scalar(con, PHENOTYPE_ANCESTORS.format(where=" AND p.ind >= ?"), [base])
    finally:
        for name in names:
            con.unregister(name)
    return replaced, appended


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    rows = con.execute(sql, list(params)).fetchall()
    return int(rows[0][0]) if rows else 0
