"""Parse Beacon v2 request bodies (POST) and query strings (GET) into a typed request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmbridge.errors import QueryError
from pmbridge.model import Granularity

API_VERSION = "v2.0.1"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class RawFilter:
    """A filter exactly as the caller sent it; :mod:`._filters` gives it meaning."""

    id: str
    operator: str | None = None
    value: str | None = None
    include_descendant_terms: bool = True
    similarity: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class BeaconRequest:
    """The parts of a Beacon request the node acts on."""

    filters: tuple[RawFilter, ...] = ()
    granularity: Granularity = Granularity.COUNT
    skip: int = 0
    limit: int = DEFAULT_LIMIT
    dataset_ids: tuple[str, ...] = ()
    requested_schemas: tuple[str, ...] = ()
    include_resultset_responses: str = "HIT"
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)


def parse_body(body: object) -> BeaconRequest:
    """A Beacon request body (``{"meta": …, "query": {…}}``) as a :class:`BeaconRequest`.

    >>> request = parse_body({"query": {"filters": [{"id": "HP:0001250"}], "requestedGranularity": "count"}})
    >>> [f.id for f in request.filters], request.granularity.value
    (['HP:0001250'], 'count')
    """
    if body is None:
        return BeaconRequest()
    doc = _object(body, "$")
    query = _object(doc.get("query", {}), "$.query")
    meta = _object(doc.get("meta", {}), "$.meta")
    pagination = _object(query.get("pagination", {}), "$.query.pagination")
    params = _object(query.get("requestParameters", {}), "$.query.requestParameters")
    schemas = meta.get("requestedSchemas", [])
    return BeaconRequest(
        filters=tuple(_filter(f, f"$.query.filters[{i}]") for i, f in enumerate(_list(query, "filters"))),
        granularity=_granularity(query.get("requestedGranularity", "count")),
        skip=_int(pagination.get("skip", 0), "$.query.pagination.skip", minimum=0),
        limit=_int(
            pagination.get("limit", DEFAULT_LIMIT), "$.query.pagination.limit", minimum=0, maximum=MAX_LIMIT
        ),
        dataset_ids=_dataset_ids(params.get("datasets", query.get("datasets"))),
        requested_schemas=tuple(str(s) for s in schemas) if isinstance(schemas, list) else (),
        include_resultset_responses=_include(query.get("includeResultsetResponses", "HIT")),
        raw=doc,
    )


def parse_query_string(params: Mapping[str, str]) -> BeaconRequest:
    """GET parameters (``filters=HP:1,HP:2&requestedGranularity=count&skip=0&limit=10``)."""
    filters = tuple(
        RawFilter(id=part.strip()) for part in params.get("filters", "").split(",") if part.strip()
    )
    datasets = params.get("datasets", "")
    return BeaconRequest(
        filters=filters,
        granularity=_granularity(params.get("requestedGranularity", "count")),
        skip=_int(params.get("skip", "0"), "skip", minimum=0),
        limit=_int(params.get("limit", str(DEFAULT_LIMIT)), "limit", minimum=0, maximum=MAX_LIMIT),
        dataset_ids=tuple(d.strip() for d in datasets.split(",") if d.strip()),
        include_resultset_responses=_include(params.get("includeResultsetResponses", "HIT")),
        raw=dict(params),
    )


def _filter(item: object, where: str) -> RawFilter:
    doc = _object(item, where)
    term = doc.get("id")
    if not isinstance(term, str) or not term.strip():
        raise QueryError(
            f"{where}.id must be a non-empty string",
            hint='give each filter an id, e.g. {"id": "HP:0001250"}',
        )
    operator, value = doc.get("operator"), doc.get("value")
    if (operator is None) != (value is None):
        raise QueryError(
            f"{where} has {'an operator' if operator is not None else 'a value'} but not both",
            hint='alphanumeric filters need both, e.g. {"id": "age", "operator": ">=", "value": "18"}',
        )
    include = doc.get("includeDescendantTerms", True)
    if not isinstance(include, bool):
        raise QueryError(f"{where}.includeDescendantTerms must be true or false")
    similarity, scope = doc.get("similarity"), doc.get("scope")
    return RawFilter(
        id=term.strip(),
        operator=None if operator is None else str(operator),
        value=None if value is None else str(value),
        include_descendant_terms=include,
        similarity=None if similarity is None else str(similarity),
        scope=None if scope is None else str(scope),
    )


def _object(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise QueryError(f"{where} must be a JSON object", hint="see the Beacon v2 request body schema")
    return value


def _list(doc: Mapping[str, object], key: str) -> list[object]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise QueryError(f"$.query.{key} must be a list", hint='e.g. "filters": [{"id": "HP:0001250"}]')
    return value


def _granularity(value: object) -> Granularity:
    try:
        return Granularity(str(value))
    except ValueError:
        raise QueryError(
            f"requestedGranularity {value!r} is not one of boolean, count, record",
            hint='use "boolean", "count" or "record"',
        ) from None


def _include(value: object) -> str:
    text = str(value).upper()
    if text not in ("HIT", "MISS", "ALL", "NONE"):
        raise QueryError(
            f"includeResultsetResponses {value!r} is not one of HIT, MISS, ALL, NONE",
            hint='use "HIT" (the default), "MISS", "ALL" or "NONE"',
        )
    return text


def _int(value: object, where: str, *, minimum: int, maximum: int | None = None) -> int:
    try:
        number = int(str(value)) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise QueryError(f"{where} must be an integer >= {minimum}, got {value!r}")
    return number if maximum is None else min(number, maximum)


def _dataset_ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise QueryError("datasets must be a dataset id or a list of dataset ids")


def request_body(request: BeaconRequest) -> dict[str, object]:
    """The request as a Beacon v2 POST body, e.g. for the hub to forward to nodes.

    >>> request_body(parse_query_string({"filters": "HP:0001250"}))["query"]["filters"]
    [{'id': 'HP:0001250', 'includeDescendantTerms': True}]
    """
    filters: list[dict[str, object]] = []
    for f in request.filters:
        item: dict[str, object] = {"id": f.id, "includeDescendantTerms": f.include_descendant_terms}
        if f.operator is not None:
            item |= {"operator": f.operator, "value": f.value}
        if f.similarity is not None:
            item["similarity"] = f.similarity
        if f.scope is not None:
            item["scope"] = f.scope
        filters.append(item)
    query: dict[str, object] = {
        "filters": filters,
        "requestedGranularity": request.granularity.value,
        "pagination": {"skip": request.skip, "limit": request.limit},
        "includeResultsetResponses": request.include_resultset_responses,
    }
    if request.dataset_ids:
        query["requestParameters"] = {"datasets": list(request.dataset_ids)}
    return {"meta": {"apiVersion": API_VERSION}, "query": query}
