"""Compile an :class:`IndividualQuery` to one parameterised DuckDB statement (never string-built values)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmbridge.model import (
    AgeFilter,
    DiseaseFilter,
    Filter,
    GeneFilter,
    IndividualQuery,
    PhenotypeFilter,
    SexFilter,
)

if TYPE_CHECKING:  # the span module builds on this one's CompiledQuery
    from pmbridge.store._gene_loci import GeneSpan

_HAS_TERM_OR_DESCENDANT = "i.ind IN (SELECT a.ind FROM phenotype_ancestors a WHERE a.ancestor = ?)"
_HAS_TERM = "i.ind IN (SELECT p.ind FROM phenotypes p WHERE p.term = ? AND NOT p.excluded)"
_HAS_DISEASE = "i.ind IN (SELECT d.ind FROM diseases d WHERE d.term = ? AND NOT d.excluded)"
_HAS_GENE = "i.ind IN (SELECT v.ind FROM variants v WHERE v.gene = ?)"


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """SQL text with ``?`` placeholders and its parameters, in order."""

    sql: str
    params: tuple[object, ...]


def where_clause(filters: tuple[Filter, ...], *, spans: Sequence[GeneSpan] = ()) -> tuple[str, list[object]]:
    """AND of one predicate per filter over ``individuals i``; a gene filter whose span is in
    ``spans`` reads only the variant rows of that span.

    >>> where_clause((SexFilter("FEMALE"),))
    ('i.sex = ?', ['FEMALE'])
    >>> where_clause(())
    ('TRUE', [])
    """
    predicates: list[str] = []
    params: list[object] = []
    for item in filters:
        span = (
            next((s for s in spans if s.gene == item.symbol), None) if isinstance(item, GeneFilter) else None
        )
        if span is not None:
            bounds, bound_params = span.predicate()
            predicates.append(_HAS_GENE.replace("v.gene = ?", f"v.gene = ? AND {bounds}"))
            params += [span.gene, *bound_params]
            continue
        sql, value = _predicate(item)
        predicates.append(sql)
        params.append(value)
    return (" AND ".join(predicates) or "TRUE"), params


def _predicate(item: Filter) -> tuple[str, object]:
    match item:
        case PhenotypeFilter(term=term, include_descendants=True):
            return _HAS_TERM_OR_DESCENDANT, term
        case PhenotypeFilter(term=term):
            return _HAS_TERM, term
        case DiseaseFilter(term=term):
            return _HAS_DISEASE, term
        case GeneFilter(symbol=symbol):
            return _HAS_GENE, symbol
        case SexFilter(sex=sex, negate=negate):
            return ("i.sex <> ?" if negate else "i.sex = ?"), sex
        case AgeFilter(operator=op, years=years):
            # Operator values are a closed enum, so interpolating the operator is safe.
            sql_op = "<>" if op.value == "!" else op.value
            return f"i.age_years {sql_op} ?", years
    raise AssertionError(f"unhandled filter {item!r}")  # pragma: no cover - exhaustive match


def count_by_dataset(query: IndividualQuery, *, spans: Sequence[GeneSpan] = ()) -> CompiledQuery:
    """Individuals matching ``query``, counted per dataset.

    >>> q = count_by_dataset(IndividualQuery((GeneFilter("FBN1"),), dataset_ids=("ds1",)))
    >>> q.params
    ('FBN1', 'ds1')
    """
    where, params = where_clause(query.filters, spans=spans)
    if query.dataset_ids:
        marks = ", ".join("?" for _ in query.dataset_ids)
        where = f"{where} AND i.dataset_id IN ({marks})"
        params.extend(query.dataset_ids)
    sql = (
        "SELECT i.dataset_id, count(*) FROM individuals i "
        f"WHERE {where} GROUP BY i.dataset_id ORDER BY i.dataset_id"
    )
    return CompiledQuery(sql, tuple(params))
