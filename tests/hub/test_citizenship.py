"""The network Beacon as verifiers and browsers meet it: what the hub ignored is reported (nothing it
does not forward is dropped silently), errors describe the request made, CORS for /api only, HEAD,
a public base URL, no number in a yes/no, and a securityLevels that the docs describe truly."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from pmbridge.beacon import PublicApi
from pmbridge.hub import NodeEntry
from pmbridge.model import Jurisdiction
from pmbridge.network_app import create_network_app
from pmbridge.node import NodeContext
from tests.beacon.framework_docs import documented_security_levels
from tests.beacon.walker import BOOLEAN, ERROR, MAP
from tests.beacon_schemas import errors
from tests.hub.test_network_entries import Nodes, body, contexts
from tests.node.records_node import SEIZURE
from tests.release import EXACT_HUB
from tests.trust import hub_config, node_public_key

pytestmark = pytest.mark.anyio

__all__ = ["contexts"]  # the module-scoped in-process nodes of test_network_entries, shared here


@asynccontextmanager
async def hub(
    contexts: Mapping[str, NodeContext],
    nodes: tuple[str, ...] = ("eu-rec", "cn-c"),
    *,
    api: PublicApi | None = None,
    passports: bool = False,
) -> AsyncIterator[httpx.AsyncClient]:
    entries = [
        NodeEntry(n, f"http://{n}", Jurisdiction.EU, "IT", public_key=node_public_key(contexts, n))
        for n in nodes
    ]
    with tempfile.TemporaryDirectory() as home:
        config = hub_config(entries, Path(home), release=replace(EXACT_HUB, demo_broker=passports))
        app = create_network_app(replace(config, public_api=api or PublicApi()), transport=Nodes(contexts))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            yield client


async def test_what_the_hub_does_not_forward_is_reported_not_dropped(
    contexts: dict[str, NodeContext],
) -> None:
    async with hub(contexts) as client:
        got = (await client.get("/api/individuals", params={"filters": SEIZURE, "shoeSize": "44"})).json()
        posted = (
            await client.post(
                "/api/individuals",
                json={
                    "meta": {"apiVersion": "v2.0.1"},
                    "query": {
                        "filters": [{"id": SEIZURE}],
                        "requestedGranularty": "record",
                        "requestParameters": {"referenceNmae": "15"},
                    },
                },
            )
        ).json()
    assert got["info"]["ignoredParameters"] == ["shoeSize"]
    assert got["info"]["warnings"][0] == "parameter shoeSize is not used by the hub and was ignored"
    assert posted["info"]["unknownKeys"] == ["query.requestedGranularty"]
    assert posted["info"]["ignoredParameters"] == ["requestParameters.referenceNmae"]
    assert posted["info"]["warnings"][:2] == [
        "query.requestedGranularty is not a Beacon request key and was ignored; "
        "did you mean requestedGranularity?",
        "parameter requestParameters.referenceNmae is not used by the hub and was ignored; "
        "did you mean referenceName?",
    ]
    assert posted["meta"]["returnedGranularity"] != "record"


@pytest.mark.parametrize(
    ("method", "path", "payload", "granularity", "entry"),
    [
        (
            "POST",
            "/api/g_variants",
            {"query": {"requestedGranularity": "boolean", "filters": [{"id": "age", "operator": "~"}]}},
            "boolean",
            "genomicVariant",
        ),
        ("GET", "/api/biosamples?requestedGranularity=record&skip=-2", None, "record", "biosample"),
    ],
)
async def test_an_error_body_describes_the_request_that_was_made(
    contexts: dict[str, NodeContext], method: str, path: str, payload: object, granularity: str, entry: str
) -> None:
    async with hub(contexts) as client:
        reply = await client.request(method, path, json=payload)
    assert reply.status_code == 400, reply.text
    doc = reply.json()
    assert errors(doc, ERROR) == []
    summary = doc["meta"]["receivedRequestSummary"]
    assert summary["requestedGranularity"] == granularity
    assert [s["entityType"] for s in summary["requestedSchemas"]] == [entry]


async def test_a_network_yes_or_no_carries_no_number(contexts: dict[str, NodeContext]) -> None:
    async with hub(contexts, ("eu-rec", "cn-b")) as client:
        asked = body("boolean", {"id": SEIZURE})
        asked["query"]["includeResultsetResponses"] = "ALL"  # type: ignore[index]
        doc = (await client.post("/api/individuals", json=asked)).json()
    assert errors(doc, BOOLEAN) == []
    assert doc["meta"]["returnedGranularity"] == "boolean"
    assert "response" not in doc and doc["responseSummary"] == {"exists": True}
    assert "resultsCount" not in str(doc) and "numTotalResults" not in str(doc)
    assert all(n["count"] is None for n in doc["info"]["nodes"]) and "total" not in doc["info"]
    found = {(s["info"]["node"], s["id"]): s["exists"] for s in doc["info"]["resultSets"]}
    assert set(found) == {("eu-rec", "ds-rec"), ("eu-rec", "ds-count"), ("cn-b", "ds-b")}
    assert found[("eu-rec", "ds-rec")] is True and found[("cn-b", "ds-b")] is True


async def test_cors_is_answered_for_the_api_and_not_for_the_portal(contexts: dict[str, NodeContext]) -> None:
    preflight = {
        "Origin": "https://viewer.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization, pmbridge-purpose",
    }
    async with hub(contexts) as client:
        api = await client.options("/api/individuals", headers=preflight)
        portal = await client.get("/", headers={"Origin": "https://viewer.example.org"})
        answered = await client.get("/api/info", headers={"Origin": "https://viewer.example.org"})
    assert api.status_code == 200
    assert api.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in api.headers
    assert "pmbridge-purpose" in api.headers["access-control-allow-headers"].lower()
    assert answered.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in portal.headers
    async with hub(contexts, api=PublicApi(cors_origins=())) as client:
        off = await client.options("/api/individuals", headers=preflight)
    assert "access-control-allow-origin" not in off.headers


@pytest.mark.parametrize(
    "path", ["/api/info", "/api/nodes", "/api/individuals?filters=HP:0001250", "/health"]
)
async def test_head_is_the_get_without_its_body(contexts: dict[str, NodeContext], path: str) -> None:
    async with hub(contexts) as client:
        got = await client.get(path)
        head = await client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) > 0


@pytest.mark.parametrize(
    ("api", "headers", "expected"),
    [
        (PublicApi(), {"X-Forwarded-Host": "beacon.example.org"}, "http://hub/api/individuals"),
        (
            PublicApi(trust_proxy_headers=True),
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "beacon.example.org",
                "X-Forwarded-Prefix": "/net",
            },
            "https://beacon.example.org/net/api/individuals",
        ),
        (
            PublicApi(public_url="https://network.example.org"),
            {},
            "https://network.example.org/api/individuals",
        ),
    ],
)
async def test_the_map_names_the_public_url(
    contexts: dict[str, NodeContext], api: PublicApi, headers: dict[str, str], expected: str
) -> None:
    async with hub(contexts, api=api) as client:
        doc = (await client.get("/api/map", headers=headers)).json()
    assert errors(doc, MAP) == []
    assert doc["response"]["endpointSets"]["individualEndpoints"]["rootUrl"] == expected


async def test_the_docs_say_what_security_levels_the_network_serves(contexts: dict[str, NodeContext]) -> None:
    live: dict[bool, list[str]] = {}
    for passports in (False, True):
        async with hub(contexts, passports=passports) as client:
            doc = (await client.get("/api/configuration")).json()
        live[passports] = doc["response"]["securityAttributes"]["securityLevels"]
    mentions = documented_security_levels()
    assert len(mentions) >= 2, "docs/beacon-framework.md no longer says what securityLevels is"
    assert [m for m in mentions if (m[1], m[2]) != (live[False], live[True])] == []
