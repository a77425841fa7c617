"""Where each gene's variant calls lie, so a gene filter reads the row groups of its locus only.

Variants are stored in position order; a filter on ``v.gene`` alone would read every row group of
a billion-row table. ``gene_loci`` keeps, per gene, assembly and chromosome, the first and last
position of its calls. It only ever widens as calls are written (a span wider than the calls is
still right, just less selective), and a gene with any call lacking a position gets no span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from pmbridge.store._compile import CompiledQuery
from pmbridge.store._engine import Engine

GENE_LOCI_TABLE = (
    "CREATE TABLE IF NOT EXISTS gene_loci (gene VARCHAR NOT NULL, assembly VARCHAR, chromosome VARCHAR, "
    "first BIGINT, last BIGINT, unplaced BOOLEAN NOT NULL)"
)
_LOCI_OF = (
    "SELECT gene, assembly, chromosome, min(position) AS first, max(position) AS last, "
    "bool_or(position IS NULL OR chromosome IS NULL) AS unplaced FROM {source} "
    "WHERE gene IS NOT NULL GROUP BY gene, assembly, chromosome"
)
FILL_GENE_LOCI = f"INSERT INTO gene_loci {_LOCI_OF.format(source='variants')}"
"""Fills an empty ``gene_loci`` from every stored call (the migration that adds the table)."""


@dataclass(frozen=True, slots=True)
class GeneSpan:
    """Every call of ``gene`` lies on one of ``chromosomes`` (and ``assemblies``, when known for all)
    at a position from ``first`` to ``last``."""

    gene: str
    assemblies: tuple[str, ...]
    chromosomes: tuple[str, ...]
    first: int
    last: int

    def predicate(self) -> tuple[str, list[object]]:
        """The bounds as conditions over ``variants v`` that a sorted store can prune row groups by.

        >>> GeneSpan("FBN1", ("GRCh38",), ("15",), 48400000, 48700000).predicate()[0]
        'v.assembly IN (?) AND v.chromosome IN (?) AND v.position BETWEEN ? AND ?'
        """
        sql: list[str] = []
        params: list[object] = []
        for column, values in (("v.assembly", self.assemblies), ("v.chromosome", self.chromosomes)):
            if values:
                sql.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        sql.append("v.position BETWEEN ? AND ?")
        params += [self.first, self.last]
        return " AND ".join(sql), params


def widen_gene_loci(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Widen ``gene_loci`` by the calls in the table or view ``source`` (columns of ``variants``),
    then fold it back to one row per (gene, assembly, chromosome). Call inside the write's transaction."""
    con.execute(f"INSERT INTO gene_loci {_LOCI_OF.format(source=source)}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE folded_loci AS SELECT gene, assembly, chromosome, min(first) AS first, "
        "max(last) AS last, bool_or(unplaced) AS unplaced FROM gene_loci GROUP BY gene, assembly, chromosome"
    )
    con.execute("DELETE FROM gene_loci")
    con.execute("INSERT INTO gene_loci SELECT * FROM folded_loci ORDER BY gene")
    con.execute("DROP TABLE folded_loci")


def read_spans(engine: Engine, genes: Sequence[str]) -> dict[str, GeneSpan | None]:
    """Each of ``genes``' span; None where a span would not bound it (a call without a position, or
    no call at all: the filter then matches nothing, bounds or not)."""
    if not genes:
        return {}
    marks = ", ".join("?" for _ in genes)
    rows = engine.rows(
        CompiledQuery(
            "SELECT gene, assembly, chromosome, first, last, unplaced FROM gene_loci "
            f"WHERE gene IN ({marks})",
            tuple(genes),
        )
    )
    found: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        found.setdefault(str(row[0]), []).append(row)
    return {gene: _span(gene, found.get(gene, [])) for gene in genes}


def _span(gene: str, rows: list[tuple[object, ...]]) -> GeneSpan | None:
    if not rows or any(bool(r[5]) or r[2] is None or r[3] is None for r in rows):
        return None
    assemblies = tuple(sorted({str(r[1]) for r in rows if r[1] is not None}))
    known = all(r[1] is not None for r in rows)
    return GeneSpan(
        gene=gene,
        assemblies=assemblies if known else (),
        chromosomes=tuple(sorted({str(r[2]) for r in rows})),
        first=min(int(str(r[3])) for r in rows),
        last=max(int(str(r[4])) for r in rows),
    )
