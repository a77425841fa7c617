"""The bodies the client sends, built from keyword options: a Beacon query for the entry
endpoints, an aggregates question, a patient for matching and ranking. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

__all__ = ["Granularity", "aggregates_body", "beacon_body", "criteria_filters", "patient_body"]

Granularity = Literal["boolean", "count", "record"]


def criteria_filters(
    terms: Sequence[str] = (),
    *,
    gene: str | None = None,
    sex: str | None = None,
    min_age: float | None = None,
    max_age: float | None = None,
    filters: Sequence[Mapping[str, str]] = (),
) -> list[dict[str, str]]:
    """Beacon filters, all combined with AND: each term id (HPO, OMIM, ORPHA, MONDO), the gene,
    sex (``female``, ``male``, ``other``, ``unknown``), an age range in years, then ``filters`` as
    given (docs/cli.md lists every filter the network understands).

    >>> [f["id"] for f in criteria_filters(["HP:0001250"], gene="SCN1A", max_age=18)]
    ['HP:0001250', 'geneId', 'age']
    """
    found: list[dict[str, str]] = [{"id": t} for t in terms]
    if gene:
        found.append({"id": "geneId", "operator": "=", "value": gene})
    if sex:
        found.append({"id": "sex", "operator": "=", "value": sex})
    if min_age is not None:
        found.append({"id": "age", "operator": ">=", "value": f"{min_age:g}"})
    if max_age is not None:
        found.append({"id": "age", "operator": "<=", "value": f"{max_age:g}"})
    return found + [dict(f) for f in filters]


def beacon_body(
    filters: Sequence[Mapping[str, str]],
    *,
    granularity: Granularity = "count",
    variant: Mapping[str, object] | None = None,
    skip: int = 0,
    limit: int | None = None,
) -> dict[str, object]:
    """A Beacon v2 request body asking every dataset's result set, misses included, so a "no" and
    a held-back count come back rather than being left out. ``variant`` is Beacon's
    ``requestParameters`` (``referenceName``, ``start``, ``referenceBases``, ``alternateBases``,
    ``geneId``, …; docs/beacon.md).

    >>> body = beacon_body([{"id": "HP:0001250"}], granularity="boolean")
    >>> body["query"]["requestedGranularity"], body["query"]["includeResultsetResponses"]
    ('boolean', 'ALL')
    """
    query: dict[str, object] = {
        "filters": [dict(f) for f in filters],
        "requestedGranularity": granularity,
        "includeResultsetResponses": "ALL",
    }
    if variant:
        query["requestParameters"] = dict(variant)
    if skip or limit is not None:
        query["pagination"] = {"skip": skip, **({"limit": limit} if limit is not None else {})}
    return {"meta": {"apiVersion": "v2.0.1"}, "query": query}


def aggregates_body(
    filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str] = ()
) -> dict[str, object]:
    """The body of ``POST /api/aggregates`` (and of its cost estimate): without breakdowns, none
    is asked for, so none is counted or charged.

    >>> aggregates_body([{"id": "HP:0001250"}])
    {'query': {'filters': [{'id': 'HP:0001250'}]}}
    """
    body: dict[str, object] = {"query": {"filters": [dict(f) for f in filters]}}
    if breakdowns:
        body["breakdowns"] = list(breakdowns)
    return body


def patient_body(
    phenotypes: Sequence[str],
    *,
    excluded: Sequence[str] = (),
    gene: str | None = None,
    limit: int | None = None,
) -> dict[str, object]:
    """The patient of ``POST /api/match`` and ``POST /api/rank``: observed and excluded HPO ids or
    labels, a gene symbol, how many answers.

    >>> patient_body(["HP:0001250"], limit=5)
    {'phenotypes': ['HP:0001250'], 'limit': 5}
    """
    body: dict[str, object] = {"phenotypes": list(phenotypes)}
    if excluded:
        body["excluded"] = list(excluded)
    if gene:
        body["gene"] = gene
    if limit is not None:
        body["limit"] = limit
    return body
