"""Request parsing as a verifier sees it: every key nothing reads is reported with a "did you mean",
an error reply describes the request as far as it could be read, and a boolean reply holds no number."""

from __future__ import annotations

import pytest

from pmbridge.beacon import (
    GENOMIC_VARIATION,
    INDIVIDUAL,
    ResultSet,
    UnknownKey,
    entry_schema,
    error_response,
    parse_body,
    parse_query_string,
    path_entry_type,
    readable_body,
    received_from_wire,
    resultsets_response,
)
from pmbridge.errors import QueryError
from pmbridge.model import Granularity
from tests.beacon.walker import BOOLEAN, COUNT, RESULTSETS
from tests.beacon_schemas import ERROR, errors


def reported(unknown: tuple[UnknownKey, ...]) -> dict[str, str | None]:
    return {k.name: k.suggestion for k in unknown}


def test_misspelt_and_misplaced_body_keys_are_reported_with_what_was_meant() -> None:
    request = parse_body(
        {
            "meta": {"apiVersion": "v2.0.1", "requestedSchema": []},
            "requestedGranularity": "record",  # right key, wrong place
            "query": {
                "requestedGranularty": "record",
                "request_parameters": {"referenceName": "15"},
                "filters": [{"id": "HP:0001250", "includeDescendantTerm": False}],
                "pagination": {"limt": 5},
                "colour": "blue",
            },
        }
    )
    assert reported(request.unknown) == {
        "requestedGranularity": "query.requestedGranularity",
        "meta.requestedSchema": "requestedSchemas",
        "query.colour": None,
        "query.request_parameters": "requestParameters",
        "query.requestedGranularty": "requestedGranularity",
        "query.pagination.limt": "limit",
        "query.filters[0].includeDescendantTerm": "includeDescendantTerms",
    }
    # the answer is the default one, and says so: never silently a different question
    assert request.granularity is Granularity.COUNT and request.limit == 10
    assert request.ignored_parameters == ()
    warnings = request.ignored_warnings(by="this node")
    assert (
        "query.requestedGranularty is not a Beacon request key and was ignored; "
        "did you mean requestedGranularity?" in warnings
    )
    assert "query.colour is not a Beacon request key and was ignored" in warnings
    assert request.ignored_info() == {"unknownKeys": list(request.unknown_keys)}


def test_a_spec_body_has_nothing_to_report() -> None:
    request = parse_body(
        {
            "$schema": "https://example.org/s.json",
            "meta": {"apiVersion": "v2.0.1", "requestedSchemas": [{"schema": "beacon-individual-v2.0.0"}]},
            "query": {
                "filters": [{"id": "HP:0001250", "includeDescendantTerms": True, "scope": "individual"}],
                "requestParameters": {"g_variant": {"referenceName": "15", "start": [5], "end": [9]}},
                "pagination": {"skip": 0, "limit": 5, "currentPage": "a"},
                "includeResultsetResponses": "ALL",
                "requestedGranularity": "boolean",
                "testMode": False,
            },
        }
    )
    assert request.unknown == ()
    assert request.ignored_info() == {} and request.ignored_warnings(by="the hub") == []


def test_unknown_request_parameters_are_parameters_and_get_a_suggestion_too() -> None:
    body = parse_body({"query": {"requestParameters": {"referenceNmae": "15", "g_variant": {"strat": [1]}}}})
    assert reported(body.unknown) == {
        "requestParameters.referenceNmae": "referenceName",
        "requestParameters.g_variant.strat": "start",
    }
    assert body.ignored_parameters == ("requestParameters.referenceNmae", "requestParameters.g_variant.strat")
    got = parse_query_string({"requestedGranularty": "record", "shoeSize": "44"})
    assert got.granularity is Granularity.COUNT
    assert got.ignored_info() == {"ignoredParameters": ["requestedGranularty", "shoeSize"]}
    assert got.ignored_warnings(by="the hub") == [
        "parameter requestedGranularty is not used by the hub and was ignored; "
        "did you mean requestedGranularity?",
        "parameter shoeSize is not used by the hub and was ignored",
    ]


def test_what_could_be_read_of_a_request_that_failed() -> None:
    body = {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {
            "requestedGranularity": "record",
            "filters": [{"id": "HP:0001250"}, {"id": ""}, {"id": "age", "operator": ">"}],
            "pagination": {"skip": "many", "limit": 3},
            "requestParameters": {"datasets": ["ds1"], "start": [-1]},
        },
    }
    with pytest.raises(QueryError):
        parse_body(body)
    asked = readable_body(body)
    assert asked.granularity is Granularity.RECORD
    assert [f.id for f in asked.filters] == ["HP:0001250"]
    assert (asked.skip, asked.limit, asked.dataset_ids) == (0, 3, ("ds1",))
    assert asked.variant.empty
    assert readable_body("not an object") == readable_body(None)


@pytest.mark.parametrize(
    ("path", "entry"),
    [
        ("/api/individuals", "individual"),
        ("/api/biosamples/s1", "biosample"),
        ("/api/individuals/p1/g_variants", "genomicVariant"),
        ("/api/datasets/ds1/filtering_terms", "dataset"),
        ("/prefix/api/cohorts", "cohort"),
        ("/api/match", None),
        ("/api/filtering_terms", None),
        ("/health", None),
    ],
)
def test_the_entry_type_a_path_asks_for(path: str, entry: str | None) -> None:
    found = path_entry_type(path)
    assert (found.id if found is not None else None) == entry


def test_an_error_body_describes_the_request_actually_made() -> None:
    asked, entry = received_from_wire(
        "GET", "/api/g_variants", query_string=b"requestedGranularity=boolean&limit=-3&skip=2", body=b""
    )
    doc = error_response(beacon_id="b", request=asked, entry=entry, error=QueryError("limit …"))
    assert errors(doc, ERROR) == []
    summary = doc["meta"]["receivedRequestSummary"]  # type: ignore[index]
    assert summary["requestedGranularity"] == "boolean"
    assert summary["pagination"] == {"skip": 2, "limit": 10}  # the limit sent could not be read
    assert summary["requestedSchemas"] == [entry_schema(GENOMIC_VARIATION)]
    assert doc["meta"]["returnedSchemas"] == []  # type: ignore[index]
    off_entries, none = received_from_wire("POST", "/api/match", query_string=b"", body=b"{not json")
    doc = error_response(beacon_id="b", request=off_entries, entry=none, error=QueryError("bad"))
    assert errors(doc, ERROR) == []
    assert doc["meta"]["receivedRequestSummary"]["requestedSchemas"] == []  # type: ignore[index]


def test_a_boolean_reply_carries_no_number() -> None:
    sets = [ResultSet("ds-a", 7), ResultSet("ds-b", 0)]
    request = parse_body({"query": {"requestedGranularity": "boolean", "includeResultsetResponses": "ALL"}})
    doc = resultsets_response(
        beacon_id="b", request=request, entry=INDIVIDUAL, granularity=Granularity.BOOLEAN, sets=sets
    )
    assert errors(doc, BOOLEAN) == []
    assert doc["responseSummary"] == {"exists": True}
    assert "response" not in doc
    assert doc["info"]["resultSets"] == [  # type: ignore[index]
        {"id": "ds-a", "setType": "dataset", "exists": True},
        {"id": "ds-b", "setType": "dataset", "exists": False},
    ]
    assert "7" not in str(doc["info"]) and "resultsCount" not in str(doc)
    counted = resultsets_response(
        beacon_id="b", request=request, entry=INDIVIDUAL, granularity=Granularity.COUNT, sets=sets
    )
    assert errors(counted, COUNT) == [] and errors(counted, RESULTSETS) == []
    assert counted["responseSummary"] == {"exists": True, "numTotalResults": 7}
