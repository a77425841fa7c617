"""Compile a :class:`VariantQuery` to predicates over ``variants v``: parameterised, never string-built."""

from __future__ import annotations

from pmbridge.store._query import VariantQuery

# The variant's extent on the reference: its first and last reference base, 1-based inclusive.
LAST_BASE = "(v.position + length(v.reference) - 1)"
_TYPES = {
    "SNP": "length(v.reference) = 1 AND length(v.alternate) = 1",
    "SNV": "length(v.reference) = 1 AND length(v.alternate) = 1",
    "MNP": "length(v.reference) = length(v.alternate) AND length(v.reference) > 1",
    "MNV": "length(v.reference) = length(v.alternate) AND length(v.reference) > 1",
    "DEL": "length(v.alternate) < length(v.reference)",
    "INS": "length(v.alternate) > length(v.reference)",
    "INDEL": "length(v.alternate) <> length(v.reference)",
}
SEQUENCE_TYPES = tuple(_TYPES)
POSITIONED = (
    "v.position IS NOT NULL AND v.chromosome IS NOT NULL AND v.reference IS NOT NULL "
    "AND v.alternate IS NOT NULL"
)


def variant_predicates(query: VariantQuery) -> tuple[list[str], list[object]]:
    """One predicate per constraining field of ``query``, with their parameters in order.

    >>> variant_predicates(VariantQuery(chromosomes=("15", "chr15"), position=48600217, alternate="A"))
    (['v.chromosome IN (?, ?)', 'v.position = ?', 'v.alternate = ?'], ['15', 'chr15', 48600217, 'A'])
    >>> variant_predicates(VariantQuery(overlap=(101, 200)))[0]
    ['v.position <= ?', '(v.position + length(v.reference) - 1) >= ?']
    """
    sql: list[str] = []
    params: list[object] = []
    for column, values in (("v.assembly", query.assemblies), ("v.chromosome", query.chromosomes)):
        if values:
            sql.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if query.position is not None:
        sql.append("v.position = ?")
        params.append(query.position)
    reach = query.longest_reference
    if query.overlap is not None:
        first, last = query.overlap
        if reach is None:
            sql.append("v.position <= ?")
            params.append(last)
        else:  # a plain range on the position lets DuckDB skip row groups
            sql.append("v.position BETWEEN ? AND ?")
            params += [first - reach + 1, last]
        sql.append(f"{LAST_BASE} >= ?")
        params.append(first)
    if query.starts is not None:
        sql.append("v.position BETWEEN ? AND ?")
        params.extend(query.starts)
    if query.ends is not None:
        if reach is not None:
            sql.append("v.position BETWEEN ? AND ?")
            params += [query.ends[0] - reach + 1, query.ends[1]]
        sql.append(f"{LAST_BASE} BETWEEN ? AND ?")
        params.extend(query.ends)
    for column, pattern in (("v.reference", query.reference), ("v.alternate", query.alternate)):
        if pattern is not None:
            sql.append(f"{column} LIKE ?" if "_" in pattern else f"{column} = ?")
            params.append(pattern)
    if query.variant_type is not None:
        # Only sequence variants are stored; a structural type (DUP, CNV, BND…) matches none.
        sql.append(_TYPES.get(query.variant_type.upper(), "FALSE"))
    if query.gene is not None:
        sql.append("v.gene = ?")
        params.append(query.gene)
        _bound_gene(query, query.gene, sql, params)
    if query.hgvs is not None:
        sql.append("list_contains(v.hgvs, ?)")
        params.append(query.hgvs)
    if query.protein_change is not None:
        # Any stored protein HGVS (``NP_…:p.Val600Glu`` or ``:p.(Val600Glu)``) names this change.
        joined = "('|' || array_to_string(v.hgvs, '|') || '|')"
        sql.append(f"({joined} LIKE ? OR {joined} LIKE ?)")
        params += [f"%:p.{query.protein_change}|%", f"%:p.({query.protein_change})|%"]
    length = "greatest(length(v.reference), length(v.alternate))"
    for bound, value in ((">=", query.min_length), ("<=", query.max_length)):
        if value is not None:
            sql.append(f"{length} {bound} ?")
            params.append(value)
    return sql, params


def _bound_gene(query: VariantQuery, gene: str, sql: list[str], params: list[object]) -> None:
    """Add the store's span of ``gene`` (when known), so a sorted store reads its locus only."""
    span = query.span_of(gene)
    if span is not None:
        bounds, bound_params = span.predicate()
        sql.append(bounds)
        params.extend(bound_params)
