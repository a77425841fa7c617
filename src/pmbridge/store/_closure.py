"""The HPO ancestor-closure table, so "term X or any descendant" is one join, and the table it
derives: every (ancestor, person) of the observed phenotypes, so the same question is one lookup."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

PHENOTYPE_ANCESTORS = (
    "INSERT INTO phenotype_ancestors SELECT DISTINCT c.ancestor, p.ind FROM phenotypes p "
    "JOIN hpo_closure c ON c.term = p.term WHERE NOT p.excluded{where} ORDER BY c.ancestor, p.ind"
)
"""Fills ``phenotype_ancestors`` (``{where}``: ``""`` or an ``AND`` on ``p``). Sorted by ancestor so
each row group's min/max lets the lookup of one ancestor skip the rest of the table."""

RESORT_SHARE = 0.1
"""Rows appended since the table was last in order, as a share of it, that make a commit re-sort it."""


def sort_phenotype_ancestors(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite ``phenotype_ancestors`` in ancestor order.

    Each ingest batch appends its own sorted run, and every run spans all ancestors, so after a few
    batches a lookup reads a row group of each; in one order it reads one or two.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sorted_ancestors AS "
        "SELECT * FROM phenotype_ancestors ORDER BY ancestor, ind"
    )
    con.execute("DELETE FROM phenotype_ancestors")
    con.execute("INSERT INTO phenotype_ancestors SELECT * FROM sorted_ancestors")
    con.execute("DROP TABLE sorted_ancestors")


def rebuild_closure(con: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str, str]], *, release: str) -> int:
    """Replace the closure with ``pairs`` (term, ancestor), rebuild ``phenotype_ancestors`` from it and
    record ``release``; caller commits."""
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
        # Stored by ancestor: each row group's min/max then skips nearly all of the table for the
        # "descendants of X" lookup that every phenotype filter makes.
        con.execute(
            "INSERT INTO hpo_closure SELECT term, ancestor FROM closure_batch ORDER BY ancestor, term"
        )
    finally:
        con.unregister("closure_batch")
    con.execute("DELETE FROM phenotype_ancestors")
    con.execute(PHENOTYPE_ANCESTORS.format(where=""))
    con.execute("INSERT OR REPLACE INTO meta VALUES ('hpo_release', ?)", [release])
    return int(table.num_rows)
