"""The HPO ancestor-closure table, so "term X or any descendant" is one join."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa


def rebuild_closure(con: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str, str]], *, release: str) -> int:
    """Replace the closure with ``pairs`` (term, ancestor) and record ``release``; caller commits."""
    if isinstance(pairs, pa.Table):
        table = pairs.select(["term", "ancestor"])
    else:
        terms: list[str] = []
        ancestors: list[str] = []
        for term, ancestor in pairs:
            terms.append(term)
            ancestors.append(ancestor)
        table = pa.table({"term": terms, "ancestor": ancestors})
    con.execute("DELETE FROM hpo_closure")
    con.register("closure_batch", table)
    try:
        con.execute("INSERT INTO hpo_closure SELECT term, ancestor FROM closure_batch")
    finally:
        con.unregister("closure_batch")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('hpo_release', ?)", [release])
    return int(table.num_rows)
