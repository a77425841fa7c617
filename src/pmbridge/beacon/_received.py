"""What an error reply says was asked: the request as far as it could be read, and the entry type
its path names, so that ``meta.receivedRequestSummary`` describes the request actually made."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

from pmbridge.beacon._entry_types import BY_PATH, EntryType
from pmbridge.beacon._request import BeaconRequest, readable_body, readable_query_string
from pmbridge.beacon._response import error_response
from pmbridge.errors import PMBridgeError


def path_entry_type(path: str) -> EntryType | None:
    """The entry type ``/api/{path}[/{id}[/{lookup}]]`` returns; None off the entry endpoints.

    >>> path_entry_type("/api/individuals/p1/g_variants").id, path_entry_type("/api/cohorts").id
    ('genomicVariant', 'cohort')
    >>> path_entry_type("/api/match") is None
    True
    """
    _, api, rest = path.partition("/api/")
    parts = rest.split("/") if api else []
    if not parts or parts[0] not in BY_PATH:
        return None
    lookup = parts[2] if len(parts) >= 3 else None
    return BY_PATH[lookup] if lookup in BY_PATH else BY_PATH[parts[0]]


def received_request(
    method: str, path: str, *, query: Mapping[str, str], body: object
) -> tuple[BeaconRequest, EntryType | None]:
    """The request (GET ``query`` or POST JSON ``body``) as far as it can be read, and its entry type.

    Off the entry endpoints nothing is read as a Beacon request: the defaults, for no entry type.

    >>> asked, entry = received_request("GET", "/api/biosamples", query={"requestedGranularity": "record",
    ...     "skip": "-1"}, body=None)
    >>> entry.id, asked.granularity.value, asked.skip
    ('biosample', 'record', 0)
    """
    entry = path_entry_type(path)
    if entry is None:
        return BeaconRequest(), None
    if method.upper() == "POST":
        return readable_body(body), entry
    return readable_query_string(query), entry


def received_from_wire(
    method: str, path: str, *, query_string: bytes, body: bytes
) -> tuple[BeaconRequest, EntryType | None]:
    """:func:`received_request` from the raw query string and body, as a middleware holds them.

    >>> received_from_wire("POST", "/api/g_variants", query_string=b"",
    ...     body=b'{"query": {"requestedGranularity": "boolean"}}')[0].granularity.value
    'boolean'
    """
    joined: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        joined.setdefault(key, []).append(value)
    try:
        doc: object = json.loads(body) if body.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        doc = None
    return received_request(method, path, query={k: ",".join(v) for k, v in joined.items()}, body=doc)


def wire_error(
    scope: Mapping[str, object] | None, *, beacon_id: str, error: PMBridgeError, body: bytes = b""
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """A Beacon error reply for middleware that answers before any route: the JSON headers and
    body of ``error`` (to be sent with its status), describing the request of the ASGI ``scope``
    (and its ``body``) as far as it can."""
    method = str(scope["method"]) if scope else "GET"
    path = str(scope["path"]) if scope else ""
    query = scope.get("query_string") if scope else b""
    asked, entry = received_from_wire(
        method, path, query_string=query if isinstance(query, bytes) else b"", body=body
    )
    doc = error_response(beacon_id=beacon_id, request=asked, entry=entry, error=error)
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode("ascii"))]
    return headers, raw
