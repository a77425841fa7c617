"""The node's framework endpoints in-process: valid documents, terms present in the data, 4xx on bad input."""

from __future__ import annotations

import httpx
import pytest

from pmbridge.beacon import ENTRY_TYPES
from tests.beacon.walker import (
    CONFIGURATION,
    ENTRY_TYPES_RESPONSE,
    ERROR,
    FILTERING_TERMS,
    INFO,
    MAP,
    SERVICE_INFO,
    UPSTREAM,
)
from tests.beacon_schemas import SPEC, errors
from tests.node.conftest import ARACHNODACTYLY, SEIZURE, TONIC_CLONIC

pytestmark = pytest.mark.anyio

DOCUMENTS = [
    ("/api", INFO),
    ("/api/info", INFO),
    ("/api/service-info", SERVICE_INFO),
    ("/api/map", MAP),
    ("/api/configuration", CONFIGURATION),
    ("/api/entry_types", ENTRY_TYPES_RESPONSE),
    ("/api/filtering_terms", FILTERING_TERMS),
    ("/api/individuals/filtering_terms", FILTERING_TERMS),
    ("/api/datasets/ds-open/filtering_terms", FILTERING_TERMS),
    ("/api/cohorts/ds-closed/filtering_terms", FILTERING_TERMS),
]


@pytest.mark.parametrize(("path", "schema"), DOCUMENTS)
async def test_every_framework_document_is_valid(client: httpx.AsyncClient, path: str, schema: str) -> None:
    reply = await client.get(path)
    assert reply.status_code == 200, reply.text
    assert errors(reply.json(), schema) == []


async def test_the_map_lists_every_entry_type_with_absolute_urls(client: httpx.AsyncClient) -> None:
    sets = (await client.get("/api/map")).json()["response"]["endpointSets"]
    assert sorted(s["entryType"] for s in sets.values()) == sorted(e.id for e in ENTRY_TYPES)
    individuals = sets["individualEndpoints"]
    assert individuals["rootUrl"] == "http://node/api/individuals"
    assert individuals["filteringTermsUrl"] == "http://node/api/individuals/filtering_terms"
    lookups = {e["url"]: e["returnedEntryType"] for e in individuals["endpoints"].values()}
    assert lookups == {
        "http://node/api/individuals/{id}/biosamples": "biosample",
        "http://node/api/individuals/{id}/g_variants": "genomicVariant",
    }


async def test_configuration_and_entry_types_come_from_the_registry(client: httpx.AsyncClient) -> None:
    configuration = (await client.get("/api/configuration")).json()["response"]
    # ds-closed releases only booleans to the public, so that is what an open request gets.
    assert configuration["securityAttributes"] == {
        "defaultGranularity": "boolean",
        "securityLevels": ["PUBLIC"],
    }
    entry_types = (await client.get("/api/entry_types")).json()["response"]["entryTypes"]
    assert entry_types == configuration["entryTypes"]
    assert list(entry_types) == [e.id for e in ENTRY_TYPES]
    for entry in ENTRY_TYPES:
        reference = entry_types[entry.id]["defaultSchema"]["referenceToSchemaDefinition"]
        assert reference.startswith(UPSTREAM)
        assert (SPEC / reference.removeprefix(UPSTREAM)).is_file()


def by_id(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {t["id"]: t for t in doc["response"]["filteringTerms"]}


async def test_filtering_terms_are_the_terms_present_in_the_data(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/filtering_terms")).json()
    terms = by_id(doc)
    assert sorted(terms) == sorted(
        [
            SEIZURE,
            TONIC_CLONIC,
            ARACHNODACTYLY,
            "OMIM:154700",
            "NCIT:C16576",
            "NCIT:C20197",
            "gene:FBN1",
            "gene:SCN1A",
            "age",
            "sex",
            "geneId",
        ]
    )
    assert {t["type"] for t in terms.values()} == {"ontology", "alphanumeric", "custom"}
    assert terms["sex"]["values"] == ["FEMALE", "MALE"]
    assert doc["info"]["totalTerms"] == len(terms)
    resources = {r["id"]: r for r in doc["response"]["resources"]}
    assert sorted(resources) == ["hp", "ncit", "omim"]
    assert resources["hp"]["version"] == "2025-01-16"


async def test_terms_are_labelled_in_english_and_chinese_with_fallbacks_marked(
    client: httpx.AsyncClient,
) -> None:
    terms = by_id((await client.get("/api/filtering_terms")).json())
    assert terms[SEIZURE]["label"] == "Seizure"
    assert terms[SEIZURE]["labels"] == {"en": "Seizure", "zh": "癫痫发作"}
    assert "labelFallbacks" not in terms[SEIZURE]
    assert terms["NCIT:C16576"]["labels"] == {"en": "Female", "zh": "女性"}
    assert terms["age"]["labels"]["zh"] == "年龄（岁）"
    # No Chinese disease vocabulary is loaded: the English label stands in, and says so.
    assert terms["OMIM:154700"]["labels"]["zh"] == terms["OMIM:154700"]["label"]
    assert terms["OMIM:154700"]["labelFallbacks"] == ["zh"]


async def test_a_dataset_and_its_cohort_offer_only_their_own_terms(client: httpx.AsyncClient) -> None:
    expected = [TONIC_CLONIC, "NCIT:C16576", "age", "gene:SCN1A", "geneId", "sex"]
    for path in ("/api/datasets/ds-closed/filtering_terms", "/api/cohorts/ds-closed/filtering_terms"):
        assert sorted(by_id((await client.get(path)).json())) == sorted(expected)
    everything = (await client.get("/api/filtering_terms")).json()
    individuals = (await client.get("/api/individuals/filtering_terms")).json()
    assert individuals["response"] == everything["response"]


async def test_filtering_terms_page_with_skip_and_limit_by_get_and_post(client: httpx.AsyncClient) -> None:
    everything = (await client.get("/api/filtering_terms")).json()["response"]["filteringTerms"]
    got = (await client.get("/api/filtering_terms", params={"skip": "2", "limit": "3"})).json()
    assert got["response"]["filteringTerms"] == everything[2:5]
    body = {"meta": {"apiVersion": "v2.0.1"}, "query": {"pagination": {"skip": 9, "limit": 5}}}
    posted = (await client.post("/api/filtering_terms", json=body)).json()
    assert errors(posted, FILTERING_TERMS) == []
    assert posted["response"]["filteringTerms"] == everything[9:14]
    assert posted["info"]["totalTerms"] == len(everything)


async def test_service_info_points_at_the_api_it_describes(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/service-info")).json()
    assert doc["type"] == {"group": "org.ga4gh", "artifact": "beacon", "version": "v2.0.1"}
    assert doc["organization"]["url"] == "http://node/api"
    info = (await client.get("/api")).json()
    assert info == (await client.get("/api/info")).json()
    assert info["response"]["info"]["datasets"] == [
        {"id": "ds-open", "name": "Open"},
        {"id": "ds-closed", "name": "Closed"},
    ]


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "fragment"),
    [
        ("GET", "/api/filtering_terms?skip=-1", None, 400, "skip must be an integer"),
        ("GET", "/api/filtering_terms?limit=ten", None, 400, "limit must be an integer"),
        ("GET", "/api/datasets/nope/filtering_terms", None, 400, "unknown dataset 'nope'"),
        ("GET", "/api/cohorts/nope/filtering_terms", None, 400, "unknown dataset 'nope'"),
        ("POST", "/api/filtering_terms", b'{"query": ', 400, "not valid JSON"),
        ("POST", "/api/filtering_terms", b"[1, 2]", 400, "$ must be a JSON object"),
        ("POST", "/api/individuals/filtering_terms", b'{"query": {"pagination": 3}}', 400, "pagination"),
        ("POST", "/api/filtering_terms", b'{"query": {"pagination": {"limit": true}}}', 400, "limit"),
        ("POST", "/api/info", b"{}", 405, "Method Not Allowed"),
        ("DELETE", "/api/map", None, 405, "Method Not Allowed"),
        ("GET", "/api/filtering_terms/extra", None, 404, "Not Found"),
    ],
)
async def test_bad_input_gets_a_4xx_beacon_error(
    client: httpx.AsyncClient, method: str, path: str, payload: bytes | None, status: int, fragment: str
) -> None:
    headers = {"content-type": "application/json"} if payload is not None else {}
    reply = await client.request(method, path, content=payload, headers=headers)
    assert reply.status_code == status
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert fragment in doc["error"]["errorMessage"]
