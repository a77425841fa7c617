"""Parse Beacon v2 request bodies (POST) and query strings (GET) into a typed request."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from pmbridge.beacon._unknown_keys import UnknownKey, unknown_keys
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

BODY_KEYS = ("$schema", "meta", "query")
META_KEYS = ("$schema", "apiVersion", "requestedSchemas")
QUERY_KEYS = (
    "filters",
    "includeResultsetResponses",
    "pagination",
    "requestParameters",
    "requestedGranularity",
    "testMode",
    "datasets",  # not the schema's, but read (as requestParameters.datasets)
)
PAGINATION_KEYS = ("skip", "limit", "currentPage", "nextPage", "previousPage")
FILTER_KEYS = ("id", "operator", "value", "includeDescendantTerms", "similarity", "scope")
"""The keys of a Beacon v2 request body (beaconRequestBody.json) at each level; any other is reported."""

T = TypeVar("T")


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
    unknown: tuple[UnknownKey, ...] = ()  # sent but not used: reported back, never dropped silently
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)

    @property
    def ignored_parameters(self) -> tuple[str, ...]:
        """Request parameters (GET query string, ``requestParameters``) that nothing uses."""
        return tuple(k.name for k in self.unknown if k.parameter)

    @property
    def unknown_keys(self) -> tuple[str, ...]:
        """Body keys that Beacon does not define, e.g. ``query.requestedGranularty``."""
        return tuple(k.name for k in self.unknown if not k.parameter)

    def ignored_info(self) -> dict[str, object]:
        """``info.ignoredParameters`` and ``info.unknownKeys`` of a reply, each only when not empty."""
        info: dict[str, object] = {}
        if self.ignored_parameters:
            info["ignoredParameters"] = list(self.ignored_parameters)
        if self.unknown_keys:
            info["unknownKeys"] = list(self.unknown_keys)
        return info

    def ignored_warnings(self, *, by: str) -> list[str]:
        """One ``info.warnings`` line per ignored key, with the key it most resembles."""
        return [k.warning(by=by) for k in self.unknown]

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
    >>> parse_body({"query": {"requestedGranularty": "record"}}).unknown[0].suggestion
    'requestedGranularity'
    """
    return _from_body(body, _Reader(strict=True))


def readable_body(body: object) -> BeaconRequest:
    """As much of ``body`` as can be read, each unreadable part left at its default: what an error
    reply says was asked, when the request itself may be what failed.

    >>> asked = readable_body({"query": {"requestedGranularity": "record", "pagination": {"skip": -1}}})
    >>> asked.granularity.value, asked.skip
    ('record', 0)
    """
    return _from_body(body, _Reader(strict=False))


@dataclass(frozen=True, slots=True)
class _Reader:
    """Reads one part of a request: strictly (a bad part is the caller's 400) or leniently (its default)."""

    strict: bool

    def __call__(self, read: Callable[[], T], default: T) -> T:
        if self.strict:
            return read()
        try:
            return read()
        except QueryError:
            return default


def _from_body(body: object, read: _Reader) -> BeaconRequest:
    if body is None:
        return BeaconRequest()
    doc: Mapping[str, object] = read(partial(_object, body, "$"), {})
    query: Mapping[str, object] = read(lambda: _object(doc.get("query", {}), "$.query"), {})
    meta: Mapping[str, object] = read(lambda: _object(doc.get("meta", {}), "$.meta"), {})
    pagination: Mapping[str, object] = read(
        lambda: _object(query.get("pagination", {}), "$.query.pagination"), {}
    )
    params: Mapping[str, object] = read(
        lambda: _object(query.get("requestParameters", {}), "$.query.requestParameters"), {}
    )
    items: list[object] = read(partial(_list, query, "filters"), [])
    filters = (read(partial(_filter, f, f"$.query.filters[{i}]"), None) for i, f in enumerate(items))
    datasets = params.get("datasets", params.get("datasetIds", query.get("datasets")))
    return BeaconRequest(
        filters=tuple(f for f in filters if f is not None),
        granularity=read(
            partial(_granularity, query.get("requestedGranularity", "count")), Granularity.COUNT
        ),
        skip=read(partial(_int, pagination.get("skip", 0), "$.query.pagination.skip", minimum=0), 0),
        limit=read(
            partial(_limit, pagination.get("limit", DEFAULT_LIMIT), "$.query.pagination.limit"), DEFAULT_LIMIT
        ),
        dataset_ids=read(partial(_dataset_ids, datasets), ()),
        requested_schemas=_schemas(meta.get("requestedSchemas", [])),
        include_resultset_responses=read(
            partial(_include, query.get("includeResultsetResponses", "HIT")), "HIT"
        ),
        variant=read(
            partial(parse_variant_params, params, where="$.query.requestParameters"), VariantParams()
        ),
        unknown=_unknown_in_body(doc, meta=meta, query=query, pagination=pagination, filters=items)
        + unknown_parameters(params),
        raw=doc,
    )


def _unknown_in_body(
    doc: Mapping[str, object],
    *,
    meta: Mapping[str, object],
    query: Mapping[str, object],
    pagination: Mapping[str, object],
    filters: Sequence[object],
) -> tuple[UnknownKey, ...]:
    """Every body key Beacon does not define, at each level, with the key (or, for a right key in
    the wrong place, the place) it most resembles."""
    in_query = {k: f"query.{k}" for k in QUERY_KEYS}
    in_meta = {k: f"meta.{k}" for k in META_KEYS if k != "$schema"}
    beside_query = {
        **in_meta,
        **{k: f"query.pagination.{k}" for k in ("skip", "limit")},
        **{k: f"query.requestParameters.{k}" for k in PARAMETERS},
    }
    found = (
        unknown_keys(doc, known=BODY_KEYS, elsewhere={**in_query, **in_meta})
        + unknown_keys(meta, known=META_KEYS, prefix="meta.", elsewhere=in_query)
        + unknown_keys(query, known=QUERY_KEYS, prefix="query.", elsewhere=beside_query)
        + unknown_keys(pagination, known=PAGINATION_KEYS, prefix="query.pagination.")
    )
    for i, item in enumerate(filters):
        if isinstance(item, Mapping):
            found += unknown_keys(item, known=FILTER_KEYS, prefix=f"query.filters[{i}].")
    return found


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
    >>> parse_query_string({"limt": "5"}).ignored_warnings(by="this node")
    ['parameter limt is not used by this node and was ignored; did you mean limit?']
    """
    return _from_query_string(params, _Reader(strict=True))


def readable_query_string(params: Mapping[str, str]) -> BeaconRequest:
    """As much of a GET query string as can be read (see :func:`readable_body`).

    >>> readable_query_string({"requestedGranularity": "record", "limit": "many"}).granularity.value
    'record'
    """
    return _from_query_string(params, _Reader(strict=False))


def _from_query_string(params: Mapping[str, str], read: _Reader) -> BeaconRequest:
    filters = tuple(
        RawFilter(id=part.strip()) for part in params.get("filters", "").split(",") if part.strip()
    )
    datasets = params.get("datasets", params.get("datasetIds", ""))
    known = {*GET_PARAMETERS, *PARAMETERS, "geneid", "allele"}
    return BeaconRequest(
        filters=filters,
        granularity=read(
            partial(_granularity, params.get("requestedGranularity", "count")), Granularity.COUNT
        ),
        skip=read(partial(_int, params.get("skip", "0"), "skip", minimum=0), 0),
        limit=read(partial(_limit, params.get("limit", str(DEFAULT_LIMIT)), "limit"), DEFAULT_LIMIT),
        dataset_ids=tuple(d.strip() for d in datasets.split(",") if d.strip()),
        requested_schemas=_schemas([params["requestedSchema"]] if "requestedSchema" in params else []),
        include_resultset_responses=read(
            partial(_include, params.get("includeResultsetResponses", "HIT")), "HIT"
        ),
        variant=read(partial(parse_variant_query_string, params), VariantParams()),
        unknown=unknown_keys(params, known=known, parameter=True),
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
