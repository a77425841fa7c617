"""Who is behind a count: the individuals matching a query, per dataset and per breakdown cell.

Disclosure control needs them (the differencing guard compares cohorts, the export counters
count people) and the aggregates API counts them per sex, age band and phenotype category. The
ids are the store's internal ``ind`` numbers; they never leave the node. Every statement is
parameterised; only closed vocabularies (column expressions chosen here) are interpolated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Final

import pyarrow as pa

from pmbridge.model import Dimension
from pmbridge.store._compile import CompiledQuery
from pmbridge.store._engine import Engine
from pmbridge.store._entries import _RAW_KEY, _canonical_key, _rows_of, _source, individuals_where
from pmbridge.store._query import EntryQuery, VariantQuery

SEX_CELLS: Final = {"FEMALE": "female", "MALE": "male", "OTHER_SEX": "other", "UNKNOWN_SEX": "unknown"}
"""Phenopacket sex values and the aggregates API's cell names."""

AGE_BANDS: Final = (*(f"{low}-{low + 9}" for low in range(0, 80, 10)), "80+", "unknown")
"""Ten-year bands by age at last encounter; ``unknown`` when the age is not recorded."""

_AGE_BAND_SQL = (
    "CASE WHEN i.age_years IS NULL THEN 'unknown' WHEN i.age_years >= 80 THEN '80+' "
    "ELSE CAST(CAST(floor(i.age_years / 10) * 10 AS INTEGER) AS VARCHAR) || '-' || "
    "CAST(CAST(floor(i.age_years / 10) * 10 + 9 AS INTEGER) AS VARCHAR) END"
)

Members = dict[str, frozenset[int]]


def age_band(years: float | None) -> str:
    """The band of an age, as the store's SQL computes it.

    >>> age_band(None), age_band(0), age_band(9.99), age_band(10), age_band(79.5), age_band(80)
    ('unknown', '0-9', '0-9', '10-19', '70-79', '80+')
    """
    if years is None:
        return "unknown"
    if years >= 80:
        return "80+"
    low = int(years // 10) * 10
    return f"{low}-{low + 9}"


def members_sql(query: EntryQuery) -> CompiledQuery:
    """The individuals behind ``query``'s entries (people, the carriers of variants, the donors of
    biosamples), per dataset."""
    rows, params = _rows_of(query)
    sql = f"SELECT i.dataset_id, list(DISTINCT i.ind) FROM {rows} GROUP BY i.dataset_id"
    return CompiledQuery(sql, tuple(params))


def counted_members_sql(query: EntryQuery) -> CompiledQuery:
    """Entries matching ``query`` and the individuals behind them, per dataset, in one scan.

    A person is one row of ``individuals``, so their ids need no DISTINCT there; a biosample's
    donor may give several. Variants are counted as :func:`~pmbridge.store.count_entries` counts
    them (distinct variants, spellings merged) from the same matching calls that give the carriers.
    """
    rows, params = _rows_of(query)
    if query.entry == "g_variants":
        raw = "assembly, chromosome, position, reference, alternate"
        sql = (
            f"WITH calls AS (SELECT i.dataset_id, i.ind, {_RAW_KEY} FROM {rows}), "
            "variants_found AS (SELECT dataset_id, count(*) AS n FROM "
            f"(SELECT DISTINCT dataset_id, {_canonical_key('v')} FROM "
            f"(SELECT DISTINCT dataset_id, {raw} FROM calls) v) GROUP BY dataset_id), "
            "carriers AS (SELECT dataset_id, list(DISTINCT ind) AS ids FROM calls GROUP BY dataset_id) "
            "SELECT f.dataset_id, f.n, c.ids FROM variants_found f "
            "JOIN carriers c ON c.dataset_id = f.dataset_id"
        )
        return CompiledQuery(sql, tuple(params))
    ids = "list(i.ind)" if query.entry != "biosamples" else "list(DISTINCT i.ind)"
    sql = f"SELECT i.dataset_id, count(*), {ids} FROM {rows} GROUP BY i.dataset_id"
    return CompiledQuery(sql, tuple(params))


def people_sql(query: EntryQuery) -> CompiledQuery:
    """Like :func:`members_sql`, but the individuals' own ids (for the export counters, which
    must recognise a person across re-ingests, when the internal ids change)."""
    rows, params = _rows_of(query)
    sql = f"SELECT i.dataset_id, list(DISTINCT i.id) FROM {rows} GROUP BY i.dataset_id"
    return CompiledQuery(sql, tuple(params))


def members_by_sql(
    query: EntryQuery, dimension: Dimension, *, categories: Sequence[str] = ()
) -> CompiledQuery:
    """The individuals matching ``query`` per dataset and cell of ``dimension``.

    Phenotype categories overlap: a person is in every category one of their observed
    (not excluded) phenotypes falls under.
    """
    where, params = individuals_where(replace(query, entry="individuals"))
    if dimension == "sex":
        sql = (
            "SELECT i.dataset_id, i.sex, list(DISTINCT i.ind) FROM individuals i "
            f"WHERE {where} GROUP BY i.dataset_id, i.sex"
        )
    elif dimension == "ageBand":
        sql = (
            f"SELECT i.dataset_id, {_AGE_BAND_SQL}, list(DISTINCT i.ind) FROM individuals i "
            f"WHERE {where} GROUP BY 1, 2"
        )
    else:
        if not categories:
            return CompiledQuery("SELECT NULL, NULL, NULL WHERE FALSE", ())
        marks = ", ".join("?" for _ in categories)
        sql = (
            "SELECT i.dataset_id, a.ancestor, list(DISTINCT i.ind) FROM individuals i "
            f"JOIN phenotype_ancestors a ON a.ind = i.ind AND a.ancestor IN ({marks}) "
            f"WHERE {where} GROUP BY i.dataset_id, a.ancestor"
        )
        params = [*categories, *params]
    return CompiledQuery(sql, tuple(params))


SAME_CALL = "v.ind, regexp_replace(v.chromosome, '^chr', ''), v.position, v.reference, v.alternate"


def allele_sql(query: EntryQuery) -> tuple[CompiledQuery, CompiledQuery]:
    """For a variant query: (zygosity counts of the matching calls, genotyped people) per dataset.

    The people counted for the allele number are those matching the query's other conditions who
    have at least one positioned variant call, as the store records no per-locus coverage.
    """
    calls = replace(query, entry="g_variants")
    source, where, params = _source(calls)
    # A person's call counts once, however many sources recorded it (a clinical record and a VCF,
    # or two spellings of the chromosome): the allele count is of people's alleles, not of rows.
    zygosities = CompiledQuery(
        f"SELECT i.dataset_id, v.zygosity, count(DISTINCT ({SAME_CALL})) FROM {source} WHERE {where} "
        "GROUP BY i.dataset_id, v.zygosity",
        tuple(params),
    )
    people = replace(query, entry="individuals", variant=VariantQuery())
    people_where, people_params = individuals_where(people)
    genotyped = CompiledQuery(
        "SELECT i.dataset_id, count(*) FROM individuals i "
        f"WHERE {people_where} AND i.ind IN (SELECT v.ind FROM variants v WHERE v.position IS NOT NULL) "
        "GROUP BY i.dataset_id",
        tuple(people_params),
    )
    return zygosities, genotyped


def read_members(engine: Engine, compiled: CompiledQuery) -> Members:
    table = engine.arrow(compiled)
    return dict(zip(_datasets(table), _id_sets(table.column(1)), strict=True))


def read_counted_members(engine: Engine, compiled: CompiledQuery) -> tuple[dict[str, int], Members]:
    table = engine.arrow(compiled)
    datasets = _datasets(table)
    counts = dict(zip(datasets, (int(n) for n in table.column(1).to_pylist()), strict=True))
    return counts, dict(zip(datasets, _id_sets(table.column(2)), strict=True))


def _datasets(table: pa.Table) -> list[str]:
    return [str(ds) for ds in table.column(0).to_pylist()]


def _id_sets(lists: pa.ChunkedArray) -> list[frozenset[int]]:
    """Each row's list of ids as a set, read through NumPy: a 1 Mb window of a biobank holds a
    quarter of a million carriers, and building Python ints row by row costs more than the scan."""
    found: list[frozenset[int]] = []
    for chunk in lists.chunks:
        for k in range(len(chunk)):
            ids = chunk[k].values
            found.append(
                frozenset() if ids is None else frozenset(ids.to_numpy(zero_copy_only=False).tolist())
            )
    return found


def read_people(engine: Engine, compiled: CompiledQuery) -> dict[str, frozenset[str]]:
    rows = engine.rows(compiled)
    return {str(ds): frozenset(f"{ds}/{i}" for i in ids) for ds, ids in rows}


def read_members_by(engine: Engine, compiled: CompiledQuery) -> Mapping[str, Members]:
    rows = engine.rows(compiled)
    found: dict[str, Members] = {}
    for dataset, cell, ids in rows:
        found.setdefault(str(dataset), {})[str(cell)] = frozenset(int(i) for i in ids)
    return found
