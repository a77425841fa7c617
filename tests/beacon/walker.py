"""Walk a Beacon the way a verifier does, and report every reply that breaks the official schemas.

Framework endpoints first; then every endpoint its ``/api/map`` lists (root, single entry, lookups,
filtering terms), for every granularity, GET and POST, with real ids found through the API itself.
Each reply is validated offline (tests/beacon_schemas.py) against its response schema and each
record against its entry type's defaultSchema, named by ``/api/configuration``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from tests.beacon_schemas import SPEC, errors

R = "framework/json/responses/"
INFO = R + "beaconInfoResponse.json"
SERVICE_INFO = R + "ga4gh-service-info-1-0-0-schema.json"
MAP = R + "beaconMapResponse.json"
CONFIGURATION = R + "beaconConfigurationResponse.json"
ENTRY_TYPES_RESPONSE = R + "beaconEntryTypesResponse.json"
FILTERING_TERMS = R + "beaconFilteringTermsResponse.json"
BOOLEAN = R + "beaconBooleanResponse.json"
COUNT = R + "beaconCountResponse.json"
RESULTSETS = R + "beaconResultsetsResponse.json"
COLLECTIONS = R + "beaconCollectionsResponse.json"
ERROR = R + "beaconErrorResponse.json"
REQUEST = "framework/json/requests/beaconRequestBody.json"
UPSTREAM = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"

FRAMEWORK = (
    ("/api", INFO),
    ("/api/info", INFO),
    ("/api/service-info", SERVICE_INFO),
    ("/api/map", MAP),
    ("/api/configuration", CONFIGURATION),
    ("/api/entry_types", ENTRY_TYPES_RESPONSE),
    ("/api/filtering_terms", FILTERING_TERMS),
)
GRANULARITIES = ("boolean", "count", "record")
BY_GRANULARITY = {"boolean": BOOLEAN, "count": COUNT, "record": RESULTSETS}
RANK = {g: i for i, g in enumerate(GRANULARITIES)}
PAGE = 3  # records per page: enough to validate several, small enough to stay fast


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a reply broke the spec."""

    method: str
    url: str
    what: str

    def __str__(self) -> str:
        return f"{self.method} {self.url}: {self.what}"


@dataclass(slots=True)
class Walk:
    """What a walk saw: every request made, every problem, and how many records it validated."""

    problems: list[Problem] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    records: Counter[str] = field(default_factory=Counter)

    def report(self) -> str:
        return f"{len(self.problems)} problem(s) in {len(self.requests)} requests:\n" + "\n".join(
            str(p) for p in self.problems
        )


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One URL template of the map and what it returns."""

    url: str  # may hold {id}
    owner: str  # the entry type whose endpoint set lists it ({id} is one of these)
    returns: str  # the entry type of the records it returns
    collection_root: bool = False  # /datasets and /cohorts answer with collections, not result sets


async def walk(
    client: httpx.AsyncClient,
    base: str,
    *,
    granularities: Sequence[str] = GRANULARITIES,
    entry_types: Collection[str] | None = None,
) -> Walk:
    """Walk the Beacon at ``base`` (e.g. ``http://127.0.0.1:8000``) with ``client``.

    ``granularities`` and ``entry_types`` (whose endpoint sets to walk) narrow a walk for tests of
    the walker itself; a conformance walk leaves them at every granularity and entry type.
    """
    seen = Walk()
    docs = {path: await _get_valid(client, seen, base + path, schema) for path, schema in FRAMEWORK}
    await _post_valid(client, seen, base + "/api/filtering_terms", FILTERING_TERMS, request_for("count"))
    beacon_map, configuration = docs["/api/map"], docs["/api/configuration"]
    if beacon_map is None or configuration is None:
        return seen
    schemas = _record_schemas(configuration, seen, base)
    endpoints, terms_urls = _endpoints(beacon_map, set(schemas), seen, base)
    if entry_types is not None:
        endpoints = [e for e in endpoints if e.owner in entry_types]
        terms_urls = [(url, owner) for url, owner in terms_urls if owner in entry_types]
    ids = {owner: await _an_id(client, seen, url, owner) for url, owner in _roots(endpoints)}
    for endpoint in endpoints:
        entry_id = ids.get(endpoint.owner)
        if "{id}" in endpoint.url and entry_id is None:
            seen.problems.append(Problem("GET", endpoint.url, f"no {endpoint.owner} id found to fill {{id}}"))
            continue
        url = endpoint.url.replace("{id}", quote(entry_id or "", safe=""))
        for granularity in granularities:
            for method in ("GET", "POST"):
                doc = await _entry_reply(client, seen, method, url, granularity)
                if doc is not None:
                    _check_entries(doc, seen, method, url, granularity, endpoint, schemas)
    for template, owner in terms_urls:
        if "{id}" in template and ids.get(owner) is None:
            seen.problems.append(Problem("GET", template, f"no {owner} id found to fill {{id}}"))
            continue
        url = template.replace("{id}", quote(ids.get(owner) or "", safe=""))
        await _get_valid(client, seen, url, FILTERING_TERMS)
        await _post_valid(client, seen, url, FILTERING_TERMS, request_for("count"))
    for entry_type in sorted(schemas):
        if "record" in granularities and seen.records[entry_type] == 0:
            seen.problems.append(
                Problem("*", base, f"no {entry_type} record was returned at record granularity anywhere")
            )
    return seen


def request_for(granularity: str) -> dict[str, object]:
    """The walker's POST body: no filters, the first page, at ``granularity``."""
    return {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {
            "filters": [],
            "requestedGranularity": granularity,
            "pagination": {"skip": 0, "limit": PAGE},
            "includeResultsetResponses": "HIT",
        },
    }


async def _request(
    client: httpx.AsyncClient,
    seen: Walk,
    method: str,
    url: str,
    *,
    body: object = None,
    params: object = None,
) -> dict[str, object] | None:
    seen.requests.append(f"{method} {url}")
    try:
        reply = await client.request(method, url, json=body, params=params)  # type: ignore[arg-type]
    except httpx.HTTPError as exc:
        seen.problems.append(Problem(method, url, f"no reply: {type(exc).__name__}: {exc}"))
        return None
    if reply.status_code != 200:
        what = "a mapped endpoint is not served" if reply.status_code == 404 else "not 200"
        seen.problems.append(Problem(method, url, f"HTTP {reply.status_code} ({what}): {_error_of(reply)}"))
        return None
    try:
        doc = reply.json()
    except ValueError:
        seen.problems.append(Problem(method, url, "reply is not JSON"))
        return None
    if not isinstance(doc, dict):
        seen.problems.append(Problem(method, url, "reply is not a JSON object"))
        return None
    return doc


def _error_of(reply: httpx.Response) -> str:
    try:
        return str(reply.json()["error"]["errorMessage"])[:300]
    except (ValueError, KeyError, TypeError):
        return reply.text[:300]


def _validate(seen: Walk, method: str, url: str, doc: object, schema: str, what: str = "") -> bool:
    found = errors(doc, schema)
    for message in found[:10]:
        seen.problems.append(Problem(method, url, f"{what or schema.rsplit('/', 1)[-1]}: {message}"))
    return not found


async def _get_valid(
    client: httpx.AsyncClient, seen: Walk, url: str, schema: str
) -> dict[str, object] | None:
    doc = await _request(client, seen, "GET", url)
    return doc if doc is not None and _validate(seen, "GET", url, doc, schema) else None


async def _post_valid(
    client: httpx.AsyncClient, seen: Walk, url: str, schema: str, body: dict[str, object]
) -> dict[str, object] | None:
    _validate(seen, "POST", url, body, REQUEST, "the walker's own request body")
    doc = await _request(client, seen, "POST", url, body=body)
    return doc if doc is not None and _validate(seen, "POST", url, doc, schema) else None


def _record_schemas(configuration: Mapping[str, object], seen: Walk, base: str) -> dict[str, str]:
    """Entry type -> local path of its defaultSchema, from the configuration's references."""
    entry_types = _get(configuration, "response", "entryTypes")
    schemas: dict[str, str] = {}
    for entry_id, definition in entry_types.items() if isinstance(entry_types, Mapping) else []:
        reference = str(_get(definition, "defaultSchema", "referenceToSchemaDefinition") or "")
        local = reference.removeprefix(UPSTREAM)
        if local == reference or not (SPEC / local).is_file():
            seen.problems.append(
                Problem(
                    "GET", base + "/api/configuration", f"{entry_id}: schema {reference!r} not resolvable"
                )
            )
            continue
        schemas[str(entry_id)] = local
    return schemas


def _endpoints(
    beacon_map: Mapping[str, object], entry_types: set[str], seen: Walk, base: str
) -> tuple[list[Endpoint], list[tuple[str, str]]]:
    """Every entry endpoint and filtering-terms URL of the map, checked against the configuration."""
    sets = _get(beacon_map, "response", "endpointSets")
    endpoints: list[Endpoint] = []
    terms: list[tuple[str, str]] = []
    where = base + "/api/map"
    mapped: set[str] = set()
    for item in sets.values() if isinstance(sets, Mapping) else []:
        owner = str(item.get("entryType"))
        mapped.add(owner)
        if owner not in entry_types:
            seen.problems.append(Problem("GET", where, f"entry type {owner!r} is not in /api/configuration"))
        collection = owner in ("dataset", "cohort")
        endpoints.append(Endpoint(str(item["rootUrl"]), owner, owner, collection_root=collection))
        if "singleEntryUrl" in item:
            endpoints.append(Endpoint(str(item["singleEntryUrl"]), owner, owner))
        for related in (item.get("endpoints") or {}).values():
            returns = str(related.get("returnedEntryType"))
            if returns not in entry_types:
                seen.problems.append(Problem("GET", where, f"lookup returns unknown entry type {returns!r}"))
            endpoints.append(Endpoint(str(related.get("url")), owner, returns))
        if "filteringTermsUrl" in item:
            terms.append((str(item["filteringTermsUrl"]), owner))
    if mapped != entry_types:
        seen.problems.append(
            Problem("GET", where, f"map has {sorted(mapped)}, configuration {sorted(entry_types)}")
        )
    for url in [e.url for e in endpoints] + [u for u, _ in terms]:
        if not url.startswith(base + "/api/"):
            seen.problems.append(
                Problem("GET", where, f"URL {url!r} is not an absolute URL under {base}/api/")
            )
    return endpoints, terms


def _roots(endpoints: Iterable[Endpoint]) -> list[tuple[str, str]]:
    """The root endpoint of each entry type: the only ones without an ``{id}``."""
    return [(e.url, e.owner) for e in endpoints if "{id}" not in e.url]


async def _an_id(client: httpx.AsyncClient, seen: Walk, root: str, owner: str) -> str | None:
    """The id of a real entry, from a record-level reply of the entry type's root endpoint."""
    doc = await _request(client, seen, "POST", root, body=request_for("record"))
    for record in _records(doc or {}):
        entry_id = record.get("id", record.get("variantInternalId"))
        if isinstance(entry_id, str) and entry_id:
            return entry_id
    return None


async def _entry_reply(
    client: httpx.AsyncClient, seen: Walk, method: str, url: str, granularity: str
) -> dict[str, object] | None:
    if method == "GET":
        params = {"requestedGranularity": granularity, "limit": str(PAGE)}
        return await _request(client, seen, "GET", url, params=params)
    body = request_for(granularity)
    _validate(seen, method, url, body, REQUEST, "the walker's own request body")
    return await _request(client, seen, "POST", url, body=body)


def _check_entries(
    doc: dict[str, object],
    seen: Walk,
    method: str,
    url: str,
    requested: str,
    endpoint: Endpoint,
    schemas: Mapping[str, str],
) -> None:
    where = f"{url} [{requested}]"
    returned = str(_get(doc, "meta", "returnedGranularity"))
    if returned not in RANK:
        seen.problems.append(Problem(method, where, f"returnedGranularity {returned!r} is not a granularity"))
        return
    if RANK[returned] > RANK[requested]:
        seen.problems.append(Problem(method, where, f"returned {returned}, more than the {requested} asked"))
    schema = BY_GRANULARITY[returned]
    if returned == "record" and endpoint.collection_root:
        schema = COLLECTIONS
    _validate(seen, method, where, doc, schema)
    response = doc.get("response")
    if isinstance(response, Mapping) and "resultSets" in response and schema != RESULTSETS:
        _validate(seen, method, where, doc, RESULTSETS)
    if isinstance(response, Mapping) and "collections" in response and schema != COLLECTIONS:
        _validate(seen, method, where, doc, COLLECTIONS)
    records = _records(doc)
    if records and returned != "record":
        seen.problems.append(Problem(method, where, f"{len(records)} records in a {returned} reply"))
    record_schema = schemas.get(endpoint.returns)
    for index, record in enumerate(records):
        if record_schema is not None:
            _validate(seen, method, where, record, record_schema, f"{endpoint.returns} record {index}")
        seen.records[endpoint.returns] += 1


def _records(doc: Mapping[str, object]) -> list[Mapping[str, object]]:
    response = doc.get("response")
    if not isinstance(response, Mapping):
        return []
    found: list[Mapping[str, object]] = []
    for result_set in response.get("resultSets") or []:
        found += [r for r in (result_set.get("results") or []) if isinstance(r, Mapping)]
    found += [c for c in (response.get("collections") or []) if isinstance(c, Mapping)]
    return found


def _get(doc: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(key)
    return doc
