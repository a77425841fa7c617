"""Parse Beacon v2 request bodies (POST) and query strings (GET) into a typed request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmbridge.beacon._variants import (
    PARAMETERS,
    VariantParams,
    bounded,
    parse_variant_params,
    parse_variant_query_string,
    unknown_parameters,
)
from pmbridge.errors import QueryError
from pmbridge.model import Granularity

API_VERSION = "v2.0.1"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
SIMILARITIES = ("exact", "high", "medium", "low")


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
    variant: VariantParams = field(default_factory=VariantParams)
    ignored_parameters: tuple[str, ...] = ()  # sent but not used: reported back, never dropped silently
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)

    def request_parameters(self) -> dict[str, object]:
        """``requestParameters`` as the response summary echoes them (each value an object)."""
        out: dict[str, object] = {}
        if not self.variant.empty:
            out["g_variant"] = self.variant.as_json()
        if self.dataset_ids:
            out["datasets"] = {"datasetIds": list(self.dataset_ids)}
        return out


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
        limit=_limit(pagination.get("limit", DEFAULT_LIMIT), "$.query.pagination.limit"),
        dataset_ids=_dataset_ids(params.get("datasets", params.get("datasetIds", query.get("datasets")))),
        requested_schemas=_schemas(schemas),
        include_resultset_responses=_include(query.get("includeResultsetResponses", "HIT")),
        variant=parse_variant_params(params, where="$.query.requestParameters"),
        ignored_parameters=tuple(f"requestParameters.{k}" for k in unknown_parameters(params)),
        raw=doc,
    )


GET_PARAMETERS = (
    "filters",
    "requestedGranularity",
    "skip",
    "limit",
    "datasets",
    "datasetIds",
    "includeResultsetResponses",
    "requestedSchema",
    "testMode",
)


def parse_query_string(params: Mapping[str, str]) -> BeaconRequest:
    """GET parameters (``filters=HP:1,HP:2&requestedGranularity=count&skip=0&limit=10``).

    Repeated keys arrive joined with commas; variant parameters follow the spec's GET names.

    >>> parse_query_string({"referenceName": "15", "start": "100,110", "end": "200,210"}).variant.kind
    'bracket'
    """
    filters = tuple(
        RawFilter(id=part.strip()) for part in params.get("filters", "").split(",") if part.strip()
    )
    datasets = params.get("datasets", params.get("datasetIds", ""))
    variant = parse_variant_query_string(params)
    known = {*GET_PARAMETERS, *PARAMETERS, "geneid", "allele"}
    return BeaconRequest(
        filters=filters,
        granularity=_granularity(params.get("requestedGranularity", "count")),
        skip=_int(params.get("skip", "0"), "skip", minimum=0),
        limit=_limit(params.get("limit", str(DEFAULT_LIMIT)), "limit"),
        dataset_ids=tuple(d.strip() for d in datasets.split(",") if d.strip()),
        requested_schemas=_schemas([params["requestedSchema"]] if "requestedSchema" in params else []),
        include_resultset_responses=_include(params.get("includeResultsetResponses", "HIT")),
        variant=variant,
        ignored_parameters=tuple(sorted(k for k in params if k not in known)),
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
    if similarity is not None and similarity not in SIMILARITIES:
        raise QueryError(
            f"{where}.similarity {similarity!r} is not one of exact, high, medium, low",
            hint='use "exact" (the default), "high", "medium" or "low"',
        )
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


def _int(value: object, where: str, *, minimum: int) -> int:
    try:
        number = int(str(value)) if not isinstance(value, bool) and len(str(value)) <= 40 else None
    except ValueError:
        number = None
    return bounded(number, value, where, minimum=minimum)


def _limit(value: object, where: str) -> int:
    """The page size: Beacon's 0 means "as many as the beacon allows", which is :data:`MAX_LIMIT`."""
    number = _int(value, where, minimum=0)
    return MAX_LIMIT if number == 0 else min(number, MAX_LIMIT)


def _schemas(value: object) -> tuple[str, ...]:
    """Requested schema ids, given as strings or as ``{"entityType": …, "schema": …}`` objects."""
    if not isinstance(value, list):
        return ()
    found = [item.get("schema") if isinstance(item, Mapping) else item for item in value]
    return tuple(str(s) for s in found if isinstance(s, str) and s)


def _dataset_ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):  # {"datasetIds": [...]}, as the spec's request example has it
        return _dataset_ids(value.get("datasetIds"))
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise QueryError(
        'datasets must be a dataset id, a list of dataset ids or {"datasetIds": [...]}',
        hint='e.g. "requestParameters": {"datasets": {"datasetIds": ["ds1"]}}',
    )


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
    parameters = request.request_parameters()
    if parameters:  # the schema's shape: every value an object ({"g_variant": …, "datasets": …})
        query["requestParameters"] = parameters
    meta: dict[str, object] = {"apiVersion": API_VERSION}
    if request.requested_schemas:
        meta["requestedSchemas"] = [{"schema": s} for s in request.requested_schemas]
    return {"meta": meta, "query": query}
