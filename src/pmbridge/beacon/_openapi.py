"""What node and hub routes tell their OpenAPI documents: path parameters, request bodies the routes
read themselves (validated in code, so documented here as JSON Schema) and error responses.

Every error reply is the Beacon error body (``_handlers.py``), whatever its status, so the document
names one schema for them all; :func:`document_errors` adds the errors any request can meet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from fastapi import APIRouter, FastAPI

from pmbridge.beacon._entry_types import entry_endpoints, entry_operation_id
from pmbridge.beacon._request import MAX_LIMIT, SIMILARITIES
from pmbridge.model import Granularity, Operator

JsonSchema = dict[str, Any]

ERROR_SCHEMA_NAME: Final = "BeaconErrorResponse"
ERROR_SCHEMA: Final[JsonSchema] = {
    "title": ERROR_SCHEMA_NAME,
    "description": "Any error of a node or the hub (beaconErrorResponse): the status is in errorCode.",
    "type": "object",
    "required": ["meta", "error"],
    "properties": {
        "meta": {
            "type": "object",
            "required": ["beaconId", "apiVersion", "returnedSchemas"],
            "properties": {
                "beaconId": {"type": "string"},
                "apiVersion": {"type": "string"},
                "returnedSchemas": {"type": "array"},
                "receivedRequestSummary": {"type": "object"},
            },
        },
        "error": {
            "type": "object",
            "description": "Beacon's BeaconError with PM Bridge's extension (code, hint, rule, reason, "
            "retryAfter); see docs/errors.md",
            "required": ["errorCode", "errorMessage", "code", "hint"],
            "properties": {
                "errorCode": {"type": "integer", "minimum": 400, "maximum": 599},
                "errorMessage": {"type": "string", "description": "What went wrong, in English"},
                "code": {
                    "type": "string",
                    "description": "The stable error code (docs/errors.md): branch on it, not on the message",
                    "examples": ["policy_refused", "passport_rejected", "not_found"],
                },
                "hint": {"type": "string", "description": "What to do next, in English; may be empty"},
                "rule": {
                    "type": "string",
                    "description": "The rule that refused: X1-X6 (policy_refused) or a disclosure rule "
                    "(differencing_guard, budget)",
                },
                "reason": {
                    "type": "string",
                    "description": "Which check failed (passport_rejected, signature_rejected), e.g. expired",
                },
                "retryAfter": {
                    "type": "integer",
                    "description": "Seconds to wait before a retry, as Retry-After says (429, 503)",
                },
            },
        },
    },
}

ERROR_MEANINGS: Final[Mapping[int, str]] = {
    400: "Malformed request: a parameter or body the route cannot read, or JSON nested too deeply",
    401: "Not signed by the hub (at a node), or a passport that is forged, expired or not for us",
    403: "Refused by a cross-border rule or by disclosure control (the message names the rule), or "
    "not a party to this access request",
    404: "No such entry, match, knowledge-base entry or access request",
    409: "A negotiation step not allowed from the access request's current state or by your role",
    413: "Request body too large",
    429: "Too many requests from this caller; retry after the seconds in Retry-After",
    502: "No node gave a usable answer (the message names each node's status); retry later",
    503: "Too busy or not ready yet; retry after the seconds in Retry-After",
}

EVERY_API_REQUEST: Final = (400, 413, 503)
"""What any request under /api can meet: a malformed or over-deep body, a body over the size cap,
back-pressure. Liveness (``/health``, outside /api) reads nothing and answers in its own shape."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=``: each status with its meaning and the Beacon error body.

    >>> error_responses(404)[404]["content"]["application/json"]["schema"]
    {'$ref': '#/components/schemas/BeaconErrorResponse'}
    """
    return {
        status: {
            "description": ERROR_MEANINGS[status],
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}
            },
        }
        for status in statuses
    }


def path_parameters(template: str, **descriptions: str) -> list[JsonSchema]:
    """The path parameters of a route template, for routes that read ``request.path_params``.

    >>> [p["name"] for p in path_parameters("/api/datasets/{id}/filtering_terms")]
    ['id']
    """
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": descriptions.get(name, "An entry id"),
            "schema": {"type": "string", "minLength": 1},
        }
        for name in re.findall(r"{(\w+)}", template)
    ]


def json_request_body(schema: JsonSchema, *, required: bool = False) -> JsonSchema:
    """An ``openapi_extra`` ``requestBody`` for a route that reads its JSON body itself."""
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}}


def operation(template: str, *, body: JsonSchema | None = None, **descriptions: str) -> dict[str, Any]:
    """``openapi_extra`` for a route reading its path parameters and (``body``) JSON body itself."""
    extra: dict[str, Any] = {}
    parameters = path_parameters(template, **descriptions)
    if parameters:
        extra["parameters"] = parameters
    if body is not None:
        extra |= json_request_body(body)
    return extra


_PAGINATION: Final[JsonSchema] = {
    "type": "object",
    "properties": {
        "skip": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 0, "description": f"0: as many as allowed ({MAX_LIMIT})"},
    },
}
_FILTER: Final[JsonSchema] = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "description": "An ontology term (HP:0001250) or a field (sex, age)"},
        "operator": {"type": "string", "enum": [o.value for o in Operator]},
        "value": {"type": "string"},
        "includeDescendantTerms": {"type": "boolean"},
        "similarity": {"type": "string", "enum": list(SIMILARITIES)},
        "scope": {"type": "string"},
    },
}
BEACON_REQUEST_BODY: Final[JsonSchema] = {
    "title": "BeaconRequestBody",
    "description": "A Beacon v2 request body (beaconRequestBody); unknown keys are reported, not refused.",
    "type": "object",
    "properties": {
        "$schema": {"type": "string"},
        "meta": {
            "type": "object",
            "properties": {
                "apiVersion": {"type": "string"},
                "requestedSchemas": {"type": "array", "items": {"type": ["string", "object"]}},
            },
        },
        "query": {
            "type": "object",
            "properties": {
                "filters": {"type": "array", "items": _FILTER},
                "requestParameters": {
                    "type": "object",
                    "description": "Variant parameters (referenceName, start, end, …) and datasets",
                },
                "includeResultsetResponses": {"type": "string", "enum": ["HIT", "MISS", "ALL", "NONE"]},
                "pagination": _PAGINATION,
                "requestedGranularity": {"type": "string", "enum": [g.value for g in Granularity]},
                "testMode": {"type": "boolean"},
            },
        },
    },
}


def aggregates_body_schema(dimensions: Sequence[str]) -> JsonSchema:
    """The body of ``POST /api/aggregates`` (and of its cost): a Beacon query and the breakdowns
    (of ``dimensions``) to count it by."""
    return {
        "title": "AggregatesRequestBody",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "query": BEACON_REQUEST_BODY["properties"]["query"],
            "breakdowns": {"type": "array", "items": {"enum": list(dimensions)}},
        },
    }


FILTERING_TERMS_BODY: Final[JsonSchema] = {
    "title": "FilteringTermsRequestBody",
    "description": "A Beacon request body; only query.pagination is read.",
    "type": "object",
    "properties": {"query": {"type": "object", "properties": {"pagination": _PAGINATION}}},
}


BEACON_QUERY_PARAMETERS: Final[tuple[JsonSchema, ...]] = tuple(
    {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    for name, description, schema in (
        ("filters", "Comma-separated filter ids, e.g. HP:0001250", {"type": "string"}),
        ("requestedGranularity", "How much to return", {"enum": [g.value for g in Granularity]}),
        ("skip", "Entries to skip", {"type": "integer", "minimum": 0}),
        ("limit", f"Page size; 0 is {MAX_LIMIT}", {"type": "integer", "minimum": 0}),
        ("includeResultsetResponses", "Which result sets", {"enum": ["HIT", "MISS", "ALL", "NONE"]}),
        ("datasets", "Comma-separated dataset ids", {"type": "string"}),
    )
)
"""The common Beacon query-string parameters of a GET on an entry endpoint (variant ones are read too)."""


def entry_operation(method: str, template: str) -> dict[str, Any]:
    """``openapi_extra`` of one method of an entry endpoint: its id, and its query or body.

    >>> sorted(entry_operation("POST", "/api/individuals/{entry_id}"))
    ['parameters', 'requestBody']
    """
    extra = operation(
        template,
        body=BEACON_REQUEST_BODY if method == "POST" else None,
        entry_id="The id of an individual, biosample, variant, dataset or cohort",
    )
    if method == "GET":
        extra["parameters"] = [*extra.get("parameters", []), *BEACON_QUERY_PARAMETERS]
    return extra


def terms_operation(method: str, template: str) -> dict[str, Any]:
    """``openapi_extra`` of one method of a filtering-terms endpoint: its dataset or cohort id, and
    its paging (query string or body).

    >>> [p["name"] for p in terms_operation("GET", "/api/datasets/{id}/filtering_terms")["parameters"]]
    ['id', 'skip', 'limit']
    """
    extra = operation(
        template,
        body=FILTERING_TERMS_BODY if method == "POST" else None,
        id="The id of a dataset (a cohort is one dataset)",
    )
    if method == "GET":
        paging = [p for p in BEACON_QUERY_PARAMETERS if p["name"] in ("skip", "limit")]
        extra["parameters"] = [*extra.get("parameters", []), *paging]
    return extra


def document_errors(app: FastAPI) -> None:
    """Complete ``app``'s OpenAPI document once it is built: the Beacon error schema, the errors
    every request under /api can meet, and 400 in place of FastAPI's 422 (this app's handler
    answers a request that fails validation with a Beacon 400)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        doc = build()
        if fresh:
            _complete(doc)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(doc: dict[str, Any]) -> None:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    for path, item in doc.get("paths", {}).items():
        for op in item.values():
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            every = EVERY_API_REQUEST if path == "/api" or path.startswith("/api/") else ()
            for status, response in error_responses(*every).items():
                responses.setdefault(str(status), response)
    if "#/components/schemas/HTTPValidationError" not in json.dumps(doc["paths"]):
        schemas.pop("HTTPValidationError", None)  # described only the 422s taken out above
        schemas.pop("ValidationError", None)


def add_entry_routes(
    router: APIRouter,
    endpoint: Callable[[str, str | None], Callable[..., Any]],
    *,
    responses: Mapping[int | str, dict[str, Any]],
) -> None:
    """Every Beacon entry endpoint on ``router``, GET and POST each as its own documented operation;
    ``endpoint(entry_path, lookup)`` makes the handler (hub and node differ only in that)."""
    for template, entry, lookup in entry_endpoints():
        for method in ("GET", "POST"):  # one route per method, so each has its own operation id
            name = entry_operation_id(method, template)
            router.add_api_route(
                template,
                endpoint(entry.path, lookup),
                methods=[method],
                name=name,
                operation_id=name,
                openapi_extra=entry_operation(method, template),  # read in code, not by FastAPI
                responses=dict(responses),
            )
