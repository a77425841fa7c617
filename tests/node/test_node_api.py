"""The node's Beacon API in-process: counts, descendants, caps, and errors in the Beacon shape."""

from __future__ import annotations

import httpx
import pytest

from tests.beacon.walker import BOOLEAN
from tests.beacon_schemas import ERROR, RESULTSETS, errors
from tests.node.conftest import ARACHNODACTYLY, SEIZURE, TONIC_CLONIC

pytestmark = pytest.mark.anyio


def body(
    *filters: dict[str, object], granularity: str = "count", datasets: list[str] | None = None
) -> dict[str, object]:
    query: dict[str, object] = {"filters": list(filters), "requestedGranularity": granularity}
    if datasets:
        query["requestParameters"] = {"datasets": datasets}
    return {"meta": {"apiVersion": "v2.0.1"}, "query": query}


def counts(doc: dict) -> dict[str, int]:  # type: ignore[type-arg]
    return {s["id"]: s["resultsCount"] for s in doc["response"]["resultSets"]}


async def post(client: httpx.AsyncClient, payload: object) -> httpx.Response:
    return await client.post("/api/individuals", json=payload)


async def test_a_term_matches_its_descendants_by_default(client: httpx.AsyncClient) -> None:
    reply = await post(client, body({"id": SEIZURE}, datasets=["ds-open"]))
    assert reply.status_code == 200
    doc = reply.json()
    assert errors(doc, RESULTSETS) == []
    assert doc["meta"]["returnedGranularity"] == "count"
    assert counts(doc) == {"ds-open": 3}  # p1 (seizure), p2 (tonic-clonic, a descendant), p4
    assert doc["responseSummary"] == {"exists": True, "numTotalResults": 3}


async def test_descendants_can_be_left_out(client: httpx.AsyncClient) -> None:
    reply = await post(client, body({"id": SEIZURE, "includeDescendantTerms": False}, datasets=["ds-open"]))
    assert counts(reply.json()) == {"ds-open": 2}


async def test_three_filters_combine_with_and(client: httpx.AsyncClient) -> None:
    payload = body(
        {"id": ARACHNODACTYLY},
        {"id": "geneId", "operator": "=", "value": "FBN1"},
        {"id": "NCIT:C20197"},  # male
        datasets=["ds-open"],
    )
    assert counts((await post(client, payload)).json()) == {"ds-open": 1}


async def test_age_and_disease_filters(client: httpx.AsyncClient) -> None:
    payload = body(
        {"id": "OMIM:154700"}, {"id": "age", "operator": ">=", "value": "35"}, datasets=["ds-open"]
    )
    assert counts((await post(client, payload)).json()) == {"ds-open": 1}


async def test_get_with_query_parameters(client: httpx.AsyncClient) -> None:
    reply = await client.get("/api/individuals", params={"filters": TONIC_CLONIC, "datasets": "ds-open"})
    assert counts(reply.json()) == {"ds-open": 1}


async def test_a_dataset_that_only_says_yes_or_no_caps_the_reply_at_boolean(
    client: httpx.AsyncClient,
) -> None:
    doc = (await post(client, body({"id": SEIZURE}))).json()
    assert errors(doc, BOOLEAN) == []
    assert doc["meta"]["returnedGranularity"] == "boolean"
    # a yes/no per dataset, and no number anywhere: the schema's result sets need a count
    assert "response" not in doc and "numTotalResults" not in doc["responseSummary"]
    assert {s["id"]: s["exists"] for s in doc["info"]["resultSets"]} == {"ds-closed": True, "ds-open": True}
    assert "resultsCount" not in str(doc)


async def test_records_are_capped_at_what_the_dataset_releases_and_the_reply_says_so(
    client: httpx.AsyncClient,
) -> None:
    doc = (await post(client, body({"id": SEIZURE}, granularity="record", datasets=["ds-open"]))).json()
    assert errors(doc, RESULTSETS) == []
    assert doc["meta"]["returnedGranularity"] == "count"
    assert doc["meta"]["receivedRequestSummary"]["requestedGranularity"] == "record"
    assert [s["results"] for s in doc["response"]["resultSets"]] == [[]]


async def test_a_filter_the_node_cannot_apply_is_reported_and_left_out(client: httpx.AsyncClient) -> None:
    doc = (await post(client, body({"id": "XYZ:1"}, {"id": SEIZURE}, datasets=["ds-open"]))).json()
    assert errors(doc, RESULTSETS) == []
    assert counts(doc) == {"ds-open": 3}  # as for Seizure alone
    assert [f["id"] for f in doc["info"]["unsupportedFilters"]] == ["XYZ:1"]
    assert "not supported" in doc["info"]["unsupportedFilters"][0]["reason"]
    assert any("XYZ:1" in w and "computed without it" in w for w in doc["info"]["warnings"])


async def test_a_dataset_this_node_does_not_hold_is_reported_not_an_error(client: httpx.AsyncClient) -> None:
    doc = (await post(client, body({"id": SEIZURE}, datasets=["ds-open", "nope"]))).json()
    assert counts(doc) == {"ds-open": 3}
    assert doc["info"]["unknownDatasets"] == ["nope"]
    only_unknown = (await post(client, body(datasets=["nope"]))).json()
    assert errors(only_unknown, RESULTSETS) == []
    assert only_unknown["responseSummary"] == {"exists": False, "numTotalResults": 0}


async def test_an_obsolete_hpo_id_is_answered_with_its_replacement(client: httpx.AsyncClient) -> None:
    # HP:0001275 is an alternative (retired) id of Seizure, HP:0001250, in the 2025-01-16 release.
    doc = (await post(client, body({"id": "HP:0001275"}, datasets=["ds-open"]))).json()
    assert counts(doc) == {"ds-open": 3}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (body({"id": "HP:9999999"}), "unknown term"),
        (body({"id": SEIZURE, "similarity": "somewhat"}), "similarity"),
        (body({"id": "sex", "operator": ">", "value": "FEMALE"}), "sex filters take"),
        (body({"id": "age", "operator": "~", "value": "3"}), "operator"),
        (body({"id": "age", "operator": ">", "value": "old"}), "not a number"),
        (body(granularity="everything"), "requestedGranularity"),
        ({"query": {"pagination": {"limit": -1}}}, "limit"),
        ({"query": {"includeResultsetResponses": "SOME"}}, "includeResultsetResponses"),
        ({"query": {"filters": "HP:0001250"}}, "must be a list"),
        ({"query": {"filters": [{"operator": "="}]}}, "id must be"),
        ([1, 2], "must be a JSON object"),
    ],
)
async def test_bad_requests_get_a_beacon_error_with_a_4xx(
    client: httpx.AsyncClient, payload: object, fragment: str
) -> None:
    reply = await post(client, payload)
    assert reply.status_code == 400
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert fragment in doc["error"]["errorMessage"]


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/api/individuals", content=b'{"query": ', headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400
    assert errors(reply.json(), ERROR) == []


async def test_unknown_paths_are_a_beacon_404(client: httpx.AsyncClient) -> None:
    reply = await client.get("/api/nowhere")
    assert reply.status_code == 404
    assert errors(reply.json(), ERROR) == []


async def test_identity_endpoints_name_the_node_and_the_hpo_release(client: httpx.AsyncClient) -> None:
    health = (await client.get("/health")).json()
    assert health["node"] == "eu-test" and health["hpoRelease"] == "2025-01-16"
    info = (await client.get("/api/info")).json()
    assert info["response"]["info"]["hpoRelease"] == "2025-01-16"
    service = (await client.get("/api/service-info")).json()
    assert service["type"]["artifact"] == "beacon"


@pytest.mark.parametrize(
    ("method", "path", "payload", "named"),
    [
        ("GET", "/api/individuals?skip=99999999999999999999", None, "skip"),
        ("GET", "/api/datasets/ds-open/filtering_terms?limit=99999999999999999999", None, "limit"),
        (
            "POST",
            "/api/g_variants",
            {"query": {"requestParameters": {"referenceName": "1", "start": [0], "end": [10**30]}}},
            "end",
        ),
        ("POST", "/api/individuals", {"query": {"pagination": {"skip": 2**64}}}, "skip"),
    ],
)
async def test_an_integer_past_what_json_carries_exactly_is_a_400_naming_it(
    client: httpx.AsyncClient, method: str, path: str, payload: object, named: str
) -> None:
    reply = await client.request(method, path, json=payload)
    assert reply.status_code == 400, reply.text
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert f"{named} must be an integer from 0 to 9007199254740991" in doc["error"]["errorMessage"]
