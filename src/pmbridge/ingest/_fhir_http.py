"""Read a FHIR server through its REST search API, a page of patients at a time: for each page of
``Patient`` results, each mapped type is searched with ``patient=`` those ids (following
``link[relation=next]``), so memory holds one page of people; bounded in pages and time so that a
bad server cannot hold a run: each request waits at most ``CONNECT_TIMEOUT_S`` to connect and
``READ_TIMEOUT_S`` for each read. A base URL's query parameters (an access token) go on every request;
every URL in a message is redacted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import unquote

import httpx

from pmbridge.errors import IngestError
from pmbridge.ingest._fhir_group import Located, group_items
from pmbridge.ingest._fhir_map import MAPPED
from pmbridge.ingest._fhir_source import bundle_resources
from pmbridge.ingest._redact import redact
from pmbridge.ingest._sources import RawItem

__all__ = [
    "CONNECT_TIMEOUT_S",
    "MAX_PAGES",
    "PAGE_SIZE",
    "PATIENTS_PER_PAGE",
    "READ_TIMEOUT_S",
    "TIME_LIMIT_S",
    "read_server",
]

PAGE_SIZE = 200
PATIENTS_PER_PAGE = 50  # ids per `patient=` search: keeps the URL short
MAX_PAGES = 10_000  # over all searches; 2 million resources at the default page size
TIME_LIMIT_S = 3_600.0
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0  # a silent server fails the run this soon, not after TIME_LIMIT_S
SEARCHED = tuple(kind for kind in MAPPED if kind != "Patient")


class _Pager:
    def __init__(self, http: httpx.Client, base: str, *, max_pages: int, time_limit_s: float) -> None:
        path, _, query = base.partition("?")
        self.http, self.base = http, path.rstrip("/")
        self.base_query = [part for part in query.split("&") if part]
        self.where = redact(base.rstrip("/"))  # how messages and reports name the server
        self.max_pages, self.time_limit_s = max_pages, time_limit_s
        self.deadline = time.monotonic() + time_limit_s
        self.pages = 0

    def url(self, query: str) -> str:
        """``[base]/query``, carrying the base URL's own query parameters (e.g. an access token)."""
        return with_parameters(f"{self.base}/{query.lstrip('/')}", self.base_query)

    def search(self, query: str) -> Iterator[dict[str, object]]:
        """Every page (a Bundle) of ``[base]/query``."""
        url: str | None = self.url(query)
        while url is not None:
            self.pages += 1
            if self.pages > self.max_pages or time.monotonic() > self.deadline:
                raise IngestError(
                    f"FHIR server {self.where}: more than {self.max_pages} pages "
                    f"or {self.time_limit_s:.0f} s",
                    hint="export the data (FHIR bulk $export) and ingest the NDJSON files instead",
                )
            bundle = _get(self.http, url, self.where)
            yield bundle
            url = _next(bundle)
            if url is not None and _origin(url) == _origin(self.base):  # a token goes to its own server only
                url = with_parameters(url, self.base_query)

    def resources(self, query: str, kind: str) -> list[Located]:
        return [
            found
            for page in self.search(query)
            for found in bundle_resources(page, self.where)
            if found.resource.get("resourceType") == kind  # not the OperationOutcomes of a page
        ]


def read_server(
    base: str,
    *,
    max_pages: int = MAX_PAGES,
    time_limit_s: float = TIME_LIMIT_S,
    client: httpx.Client | None = None,
    validate: bool = False,
) -> Iterator[RawItem]:
    """Every patient of the server at ``base``; IngestError (nothing written) when it cannot be read
    whole: a failing request, a reply that is not a Bundle, or more pages or time than allowed."""
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    with client or httpx.Client(timeout=timeout, headers={"Accept": "application/fhir+json"}) as http:
        pager = _Pager(http, base, max_pages=max_pages, time_limit_s=time_limit_s)
        for page in pager.search(f"Patient?_count={PATIENTS_PER_PAGE}"):
            patients = [
                p for p in bundle_resources(page, pager.where) if p.resource.get("resourceType") == "Patient"
            ]
            ids = ",".join(str(p.resource.get("id")) for p in patients if p.resource.get("id"))
            if not ids:
                continue
            found = list(patients)
            for kind in SEARCHED:
                found += pager.resources(f"{kind}?patient={ids}&_count={PAGE_SIZE}", kind)
            found += _medications(pager, found)
            yield from group_items(found, source=pager.where, validate=validate)


def _medications(pager: _Pager, found: list[Located]) -> list[Located]:
    """The Medications the statements refer to (``Medication/x``; contained ones travel along)."""
    wanted = sorted(
        {
            str(reference).split("/")[-1]
            for r in found
            if r.resource.get("resourceType") == "MedicationStatement"
            and isinstance(medication := r.resource.get("medicationReference"), dict)
            and isinstance(reference := medication.get("reference"), str)
            and "Medication/" in reference
        }
    )
    if not wanted:
        return []
    return pager.resources(f"Medication?_id={','.join(wanted)}&_count={PAGE_SIZE}", "Medication")


def with_parameters(url: str, parameters: list[str]) -> str:
    """``url`` with each ``name=value`` of ``parameters`` whose name it does not already carry.

    >>> with_parameters("http://h/fhir/Patient?_count=50", ["token=S"])
    'http://h/fhir/Patient?_count=50&token=S'
    >>> with_parameters("http://h/fhir/Patient?token=S", ["token=S"])
    'http://h/fhir/Patient?token=S'
    """
    path, _, query = url.partition("?")
    present = {unquote(part.partition("=")[0]) for part in query.split("&") if part}
    extra = [part for part in parameters if unquote(part.partition("=")[0]) not in present]
    if not extra:
        return url
    return f"{path}?{'&'.join([*(part for part in query.split('&') if part), *extra])}"


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    return f"{scheme.lower()}://{authority.rpartition('@')[2].lower()}"  # userinfo aside


def _get(http: httpx.Client, url: str, where: str) -> dict[str, object]:
    shown = redact(url)
    try:
        reply = http.get(url)
    except httpx.TimeoutException as error:
        raise IngestError(
            f"FHIR server {where}: GET {shown} got no answer in time ({type(error).__name__}; "
            f"{CONNECT_TIMEOUT_S:.0f} s to connect, {READ_TIMEOUT_S:.0f} s a read)",
            hint="check that the base URL is the server's FHIR endpoint and that the server is up; "
            "for a slow server, export the data (FHIR bulk $export) and ingest the NDJSON files instead",
        ) from None
    except httpx.HTTPError as error:
        detail = str(error).replace(url, shown)
        raise IngestError(
            f"FHIR server {where}: GET {shown} failed: {detail}", hint="check the URL and the server"
        ) from None
    if reply.status_code != 200:
        raise IngestError(
            f"FHIR server {where}: GET {shown} answered {reply.status_code}",
            hint="check the URL, the server (it must support the `patient` search) and any access it needs",
        )
    try:
        bundle = reply.json()
    except ValueError:
        raise IngestError(
            f"FHIR server {where}: GET {shown} did not answer JSON", hint="check the base URL"
        ) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise IngestError(
            f"FHIR server {where}: GET {shown} did not answer a Bundle", hint="check the base URL"
        )
    return bundle


def _next(bundle: dict[str, object]) -> str | None:
    links = bundle.get("link")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None
