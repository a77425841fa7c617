"""The offline schema helper must reject what does not validate (so conformance tests can fail)."""

from __future__ import annotations

from tests.beacon_schemas import ERROR, RESULTSETS, errors


def test_a_minimal_valid_error_response_validates() -> None:
    doc = {
        "meta": {
            "beaconId": "x",
            "apiVersion": "v2.0.1",
            "returnedSchemas": [],
            "returnedGranularity": "boolean",
            "receivedRequestSummary": {
                "apiVersion": "v2.0.1",
                "requestedSchemas": [],
                "pagination": {"skip": 0, "limit": 10},
                "requestedGranularity": "boolean",
            },
        },
        "error": {"errorCode": 400, "errorMessage": "bad"},
    }
    assert errors(doc, ERROR) == []


def test_a_broken_response_is_rejected() -> None:
    assert errors({"meta": {}, "responseSummary": {"exists": "yes"}}, RESULTSETS)
