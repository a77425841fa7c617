"""Build Beacon v2 response documents: meta, result sets per dataset, collections, and the error body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmbridge.beacon._entry_types import INDIVIDUAL, EntryType
from pmbridge.beacon._request import API_VERSION, BeaconRequest
from pmbridge.errors import PMBridgeError
from pmbridge.model import Granularity

Record = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ResultSet:
    """One result set: a dataset's (or, at the hub, a node's dataset's) count and page of records."""

    id: str
    count: int
    results: tuple[Record, ...] = ()
    exists: bool | None = None  # None: exists when count > 0
    set_type: str = "dataset"
    info: Mapping[str, object] = field(default_factory=dict)

    @property
    def hit(self) -> bool:
        return self.count > 0 if self.exists is None else self.exists


def entry_schema(entry: EntryType) -> dict[str, str]:
    """The ``{"entityType", "schema"}`` pair naming an entry type's default-model schema."""
    return {"entityType": entry.id, "schema": entry.schema_id}


def received_summary(request: BeaconRequest, *, entry: EntryType | None = INDIVIDUAL) -> dict[str, object]:
    """The ``receivedRequestSummary`` section: what the beacon understood of the request.

    ``entry`` None: a request that asked for no entry type (an error off the entry endpoints).
    """
    schemas = (
        [{"entityType": entry.id, "schema": s} for s in request.requested_schemas] or [entry_schema(entry)]
        if entry is not None
        else []
    )
    summary: dict[str, object] = {
        "apiVersion": API_VERSION,
        "requestedSchemas": schemas,
        "pagination": {"skip": request.skip, "limit": request.limit},
        "requestedGranularity": request.granularity.value,
        "includeResultsetResponses": request.include_resultset_responses,
    }
    if request.filters:
        summary["filters"] = [f.id for f in request.filters]
    parameters = request.request_parameters()
    if parameters:
        summary["requestParameters"] = parameters
    return summary


def response_meta(
    *,
    beacon_id: str,
    request: BeaconRequest,
    granularity: Granularity,
    entry: EntryType | None = INDIVIDUAL,
    returned: bool = True,
) -> dict[str, object]:
    """The ``meta`` section; ``granularity`` is what is actually returned, which may be less than asked.

    ``returned`` False (an error): no schema is named as returned, since nothing was.
    """
    return {
        "beaconId": beacon_id,
        "apiVersion": API_VERSION,
        "returnedGranularity": granularity.value,
        "receivedRequestSummary": received_summary(request, entry=entry),
        "returnedSchemas": [entry_schema(entry)] if entry is not None and returned else [],
    }


def resultsets_response(
    *,
    beacon_id: str,
    request: BeaconRequest,
    entry: EntryType,
    granularity: Granularity,
    sets: Sequence[ResultSet],
    info: Mapping[str, object] | None = None,
    total: int | None = None,
    exists: bool | None = None,
) -> dict[str, object]:
    """A result-sets response: one result set per dataset, records only at record granularity.

    ``sets`` holds every dataset that was asked (misses included) so that MISS and ALL work; the
    total counts them all whichever are shown. ``total`` and ``exists`` override the sums where the
    sets are not all there (the hub merges sets that nodes already chose).

    At boolean granularity the reply is a ``beaconBooleanResponse`` and carries no number at all:
    the schema's result set requires a ``resultsCount``, which a yes/no does not have, so each
    set's yes/no is in ``info.resultSets`` (``id``, ``setType``, ``exists``) instead.

    >>> doc = resultsets_response(beacon_id="b", request=BeaconRequest(), entry=INDIVIDUAL,
    ...     granularity=Granularity.BOOLEAN, sets=[ResultSet("ds", 3)])
    >>> "response" in doc, doc["responseSummary"], doc["info"]["resultSets"]
    (False, {'exists': True}, [{'id': 'ds', 'setType': 'dataset', 'exists': True}])
    """
    boolean = granularity is Granularity.BOOLEAN
    exists = any(s.hit for s in sets) if exists is None else exists
    shown = [
        {
            "id": s.id,
            "setType": s.set_type,
            "exists": s.hit,
            **({} if boolean else {"resultsCount": s.count}),
            **({} if boolean else {"results": list(s.results) if granularity is Granularity.RECORD else []}),
            **({"info": dict(s.info)} if s.info else {}),
        }
        for s in sets
        if _included(s.hit, request.include_resultset_responses)
    ]
    summary: dict[str, object] = {"exists": exists}
    doc: dict[str, object] = {
        "meta": response_meta(beacon_id=beacon_id, request=request, granularity=granularity, entry=entry),
        "responseSummary": summary,
    }
    if boolean:
        info = {**(info or {}), "resultSets": shown}
    else:
        summary["numTotalResults"] = sum(s.count for s in sets) if total is None else total
        doc["response"] = {"resultSets": shown}
    if info:
        doc["info"] = dict(info)
    return doc


def collections_response(
    *,
    beacon_id: str,
    request: BeaconRequest,
    entry: EntryType,
    granularity: Granularity,
    total: int,
    collections: Sequence[Record],
    info: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """A collections response (``/datasets``, ``/cohorts``): the page of collections at record level."""
    summary: dict[str, object] = {"exists": total > 0}
    if granularity is not Granularity.BOOLEAN:
        summary["numTotalResults"] = total
    doc: dict[str, object] = {
        "meta": response_meta(beacon_id=beacon_id, request=request, granularity=granularity, entry=entry),
        "responseSummary": summary,
        "response": {"collections": list(collections) if granularity is Granularity.RECORD else []},
    }
    if info:
        doc["info"] = dict(info)
    return doc


def error_response(
    *,
    beacon_id: str,
    request: BeaconRequest,
    error: PMBridgeError,
    status: int | None = None,
    entry: EntryType | None = None,
) -> dict[str, object]:
    """The Beacon error body (``beaconErrorResponse``) for ``error``, in its wire form
    (:meth:`~pmbridge.errors.PMBridgeError.to_wire`: code, hint and the rule that decided); its
    summary is ``request`` as far as it could be read, for ``entry`` (None off the entry
    endpoints), see :mod:`._received`. ``status`` is the HTTP status sent where it is not the
    error's own (a framework's 4xx that has no error class of its own).

    >>> from pmbridge.errors import DisclosureRefused
    >>> error_response(beacon_id="b", request=BeaconRequest(),
    ...     error=DisclosureRefused("differencing_guard", "too close"))["error"]["rule"]
    'differencing_guard'
    """
    meta = response_meta(
        beacon_id=beacon_id, request=request, granularity=Granularity.BOOLEAN, entry=entry, returned=False
    )
    wire = error.to_wire()
    if status is not None:
        wire["errorCode"] = status
    return {"meta": meta, "error": wire}


def _included(hit: bool, mode: str) -> bool:
    return mode == "ALL" or (mode == "HIT" and hit) or (mode == "MISS" and not hit)
