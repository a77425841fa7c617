"""Compile an :class:`EntryQuery` to parameterised DuckDB statements: counts per dataset and record pages.

All entry types share one WHERE over ``individuals i`` (filters, datasets, anchors); biosamples
join ``biosamples b`` and variants join ``variants v`` with their own conditions added.
"""

from __future__ import annotations

from pmbridge.store._compile import CompiledQuery, where_clause
from pmbridge.store._genome import assembly_key_sql, chromosome_key_sql
from pmbridge.store._query import EntryQuery
from pmbridge.store._variants import POSITIONED, variant_predicates

_ANY_PHENOTYPE = "i.ind IN (SELECT a.ind FROM phenotype_ancestors a WHERE a.ancestor IN ({marks}))"
_RAW_KEY = "v.assembly, v.chromosome, v.position, v.reference, v.alternate"
_KEY = "assembly, chromosome, position, reference, alternate"
_ORDER = "chromosome, position, reference, alternate, assembly"


def _canonical_key(table: str, alias: str = "") -> str:
    """A variant's canonical key computed from ``table``'s raw columns (spellings merged)."""
    return (
        f"{assembly_key_sql(f'{table}.assembly')} AS {alias}assembly, "
        f"{chromosome_key_sql(f'{table}.chromosome')} AS {alias}chromosome, "
        f"{table}.position AS {alias}position, {table}.reference AS {alias}reference, "
        f"{table}.alternate AS {alias}alternate"
    )


def _same(left: str, right: str, names: str = _KEY) -> str:
    """Join condition on the key columns; an unknown (NULL) assembly equals itself."""
    return " AND ".join(f"{left}{n} IS NOT DISTINCT FROM {right}{n}" for n in names.split(", "))


CASE_LEVEL_LIMIT = 100  # carriers listed per variant record; the record says how many there are


def individuals_where(query: EntryQuery, *, dataset: str | None = None) -> tuple[str, list[object]]:
    """The WHERE over ``individuals i`` shared by every entry type (``dataset`` narrows to one).

    >>> individuals_where(EntryQuery("individuals", dataset_ids=("a",), individual_id="p1"))
    ('i.dataset_id IN (?) AND i.id = ?', ['a', 'p1'])
    """
    where, params = where_clause(query.filters, spans=query.variant.gene_spans)
    predicates = [] if where == "TRUE" else [where]
    for group in query.phenotype_groups:
        predicates.append(_ANY_PHENOTYPE.format(marks=", ".join("?" for _ in group)))
        params.extend(group)
    if query.dataset_ids:
        predicates.append(f"i.dataset_id IN ({', '.join('?' for _ in query.dataset_ids)})")
        params.extend(query.dataset_ids)
    if dataset is not None:
        predicates.append("i.dataset_id = ?")
        params.append(dataset)
    if query.individual_id is not None:
        predicates.append("i.id = ?")
        params.append(query.individual_id)
    if query.biosample_id is not None and query.entry != "biosamples":
        predicates.append("i.ind IN (SELECT b.ind FROM biosamples b WHERE b.id = ?)")
        params.append(query.biosample_id)
    if query.entry != "g_variants" and not query.variant.empty:
        variant_sql, variant_params = variant_predicates(query.variant)
        predicates.append(f"i.ind IN (SELECT v.ind FROM variants v WHERE {' AND '.join(variant_sql)})")
        params.extend(variant_params)
    return " AND ".join(predicates) or "TRUE", params


def _source(query: EntryQuery, *, dataset: str | None = None) -> tuple[str, str, list[object]]:
    """(FROM, WHERE, parameters) of the entry's rows: one per individual, biosample or variant call."""
    where, params = individuals_where(query, dataset=dataset)
    if query.entry == "biosamples":
        if query.biosample_id is not None:
            where += " AND b.id = ?"
            params.append(query.biosample_id)
        return "individuals i JOIN biosamples b ON b.ind = i.ind", where, params
    if query.entry == "g_variants":
        variant_sql, variant_params = variant_predicates(query.variant)
        conditions = " AND ".join([where, POSITIONED, *variant_sql])
        return "individuals i JOIN variants v ON v.ind = i.ind", conditions, params + variant_params
    return "individuals i", where, params


def _rows_of(query: EntryQuery, *, dataset: str | None = None) -> tuple[str, list[object]]:
    source, where, params = _source(query, dataset=dataset)
    return f"{source} WHERE {where}", params


def count_entries(query: EntryQuery) -> CompiledQuery:
    """Matching entries per dataset; datasets and cohorts count their matching individuals.

    Variants are counted once per dataset however many individuals carry them; spellings of one
    variant are merged after the raw DISTINCT, so the canonical names run on few rows. The rows
    counted are distinct (dataset, variant) pairs already, so ``count(*)`` counts variants (and
    reads the same on every engine, where a tuple in ``count(DISTINCT …)`` would not).
    """
    rows, params = _rows_of(query)
    if query.entry == "g_variants":
        sql = (
            "SELECT dataset_id, count(*) "
            f"FROM (SELECT DISTINCT dataset_id, {_canonical_key('v')} FROM "
            f"(SELECT DISTINCT i.dataset_id, {_RAW_KEY} FROM {rows}) v) "
            "GROUP BY dataset_id ORDER BY dataset_id"
        )
    else:
        sql = f"SELECT i.dataset_id, count(*) FROM {rows} GROUP BY i.dataset_id ORDER BY i.dataset_id"
    return CompiledQuery(sql, tuple(params))


def _prefixed(prefix: str, names: str = _KEY) -> str:
    return ", ".join(prefix + name for name in names.split(", "))


def page_of(query: EntryQuery, *, dataset: str) -> CompiledQuery:
    """One page (``skip``, ``limit``) of ``dataset``'s matching records, in a stable order."""
    rows, params = _rows_of(query, dataset=dataset)
    page = [query.limit, query.skip]
    if query.entry == "biosamples":
        sql = (
            "SELECT b.id, i.id, b.material_type, b.tissue, b.collection_date "
            f"FROM {rows} ORDER BY b.id, i.id LIMIT ? OFFSET ?"
        )
    elif query.entry == "g_variants":
        # Page over the distinct raw spellings first (few rows), then read carriers for that page only.
        # The carriers are sorted as a list and sliced from 1, not ordered inside the aggregate:
        # Spark drops an ORDER BY there; slice(…, 1, n) reads alike on both engines (docs/scale.md).
        source, where, _ = _source(query, dataset=dataset)
        raw_key = "raw.assembly, raw.chromosome, raw.position, raw.reference, raw.alternate"
        sql = (
            f"WITH raw AS (SELECT DISTINCT {_RAW_KEY} FROM {rows}), "
            f"keyed AS (SELECT {raw_key}, {_canonical_key('raw', 'key_')} FROM raw), "
            f"page AS (SELECT DISTINCT {_prefixed('key_')} FROM keyed "
            f"ORDER BY {_prefixed('key_', _ORDER)} LIMIT ? OFFSET ?), "
            f"chosen AS (SELECT keyed.* FROM keyed SEMI JOIN page p ON {_same('keyed.key_', 'p.key_')}) "
            f"SELECT {_prefixed('c.key_')}, list_sort(list_distinct(list(v.gene))), "
            "list_sort(list_distinct(flatten(list(v.hgvs)))), count(*), "
            "array_slice(list_sort(list({'individual': i.id, 'zygosity': v.zygosity, "
            "'interpretation': v.interpretation})), 1, ?) "
            f"FROM {source} JOIN chosen c ON {_same('c.', 'v.')} WHERE {where} "
            f"GROUP BY {_prefixed('c.key_')} ORDER BY {_prefixed('c.key_', _ORDER)}"
        )
        params = [*params, *page, CASE_LEVEL_LIMIT, *params]  # in the order the marks appear
        page = []
    else:
        sql = (
            "SELECT i.ind, i.id, i.sex, i.age_years, i.country "
            f"FROM {rows} ORDER BY i.id, i.ind LIMIT ? OFFSET ?"
        )
    return CompiledQuery(sql, tuple(params + page))
