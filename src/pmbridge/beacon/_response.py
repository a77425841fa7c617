"""Build Beacon v2 response documents: meta, result sets per dataset, and the error body."""

from __future__ import annotations

from collections.abc import Mapping

from pmbridge.beacon._request import API_VERSION, BeaconRequest
from pmbridge.model import Granularity

INDIVIDUAL_SCHEMA = {"entityType": "individual", "schema": "beacon-individual-v2.0.0"}


def received_summary(request: BeaconRequest) -> dict[str, object]:
    """The ``receivedRequestSummary`` section: what the beacon understood of the request."""
    summary: dict[str, object] = {
        "apiVersion": API_VERSION,
        "requestedSchemas": [{"entityType": "individual", "schema": s} for s in request.requested_schemas]
        or [INDIVIDUAL_SCHEMA],
        "pagination": {"skip": request.skip, "limit": request.limit},
        "requestedGranularity": request.granularity.value,
        "includeResultsetResponses": request.include_resultset_responses,
    }
    if request.filters:
        summary["filters"] = [f.id for f in request.filters]
    return summary


def response_meta(*, beacon_id: str, request: BeaconRequest, granularity: Granularity) -> dict[str, object]:
    """The ``meta`` section; ``granularity`` is what is actually returned, which may be less than asked."""
    return {
        "beaconId": beacon_id,
        "apiVersion": API_VERSION,
        "returnedGranularity": granularity.value,
        "receivedRequestSummary": received_summary(request),
        "returnedSchemas": [INDIVIDUAL_SCHEMA],
    }


def count_response(
    *,
    beacon_id: str,
    request: BeaconRequest,
    counts: Mapping[str, int],
    granularity: Granularity,
    info: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """A result-sets response with one result set per dataset and no records.

    ``counts`` maps every dataset that was asked to its count (0 included), so MISS / ALL work.
    """
    total = sum(counts.values())
    sets = [
        {
            "id": dataset_id,
            "setType": "dataset",
            "exists": count > 0,
            "resultsCount": count if granularity is not Granularity.BOOLEAN else int(count > 0),
            "results": [],
        }
        for dataset_id, count in sorted(counts.items())
        if _included(count, request.include_resultset_responses)
    ]
    summary: dict[str, object] = {"exists": total > 0}
    if granularity is not Granularity.BOOLEAN:
        summary["numTotalResults"] = total
    doc: dict[str, object] = {
        "meta": response_meta(beacon_id=beacon_id, request=request, granularity=granularity),
        "responseSummary": summary,
        "response": {"resultSets": sets},
    }
    if info:
        doc["info"] = dict(info)
    return doc


def error_response(*, beacon_id: str, request: BeaconRequest, status: int, message: str) -> dict[str, object]:
    """The Beacon error body (``beaconErrorResponse``)."""
    return {
        "meta": response_meta(beacon_id=beacon_id, request=request, granularity=Granularity.BOOLEAN),
        "error": {"errorCode": status, "errorMessage": message},
    }


def _included(count: int, mode: str) -> bool:
    return mode == "ALL" or (mode == "HIT" and count > 0) or (mode == "MISS" and count == 0)
