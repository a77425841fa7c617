"""A node as Beacon verifiers and browsers meet it: ignored keys reported with a "did you mean", error
bodies that describe the request made, CORS, HEAD, a public base URL, no number in a yes/no, and a
securityLevels that the docs describe truly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.errors import ConfigError
from pmbridge.node import create_node_app, open_node, parse_node_config
from tests.beacon.framework_docs import documented_security_levels
from tests.beacon.walker import BOOLEAN, ERROR, MAP
from tests.beacon_schemas import errors
from tests.node.conftest import CONFIG, SEIZURE
from tests.release import trusting
from tests.trust import as_hub, trusted

pytestmark = pytest.mark.anyio

NODE = "eu-web"  # its own key and audit log beside the conftest's node


@asynccontextmanager
async def node(
    node_dir: Path, *, signed: bool = True, passports: bool = False, **settings: object
) -> AsyncIterator[httpx.AsyncClient]:
    """The conftest's node under the id ``eu-web`` with extra ``[node]`` ``settings``; a client that
    signs as the hub (``signed``) or a stranger's browser that does not."""
    doc = trusted(CONFIG, node_dir, node_id=NODE)
    doc["node"] = {**doc["node"], **settings}  # type: ignore[dict-item]
    context = open_node(parse_node_config(trusting(doc) if passports else doc, base=node_dir, where="test"))
    transport = httpx.ASGITransport(app=create_node_app(context))
    auth = as_hub(NODE) if signed else None
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://node", auth=auth) as client:
            yield client
    finally:
        context.close()


def keys_anywhere(doc: object) -> set[str]:
    if isinstance(doc, Mapping):
        return set(doc) | {k for v in doc.values() for k in keys_anywhere(v)}
    if isinstance(doc, list):
        return {k for v in doc for k in keys_anywhere(v)}
    return set()


async def test_unused_parameters_and_unknown_keys_are_reported_with_what_was_meant(node_dir: Path) -> None:
    async with node(node_dir) as client:
        got = (await client.get("/api/individuals", params={"requestedGranularty": "record"})).json()
        posted = (
            await client.post(
                "/api/individuals",
                json={
                    "meta": {"apiVersion": "v2.0.1"},
                    "query": {
                        "requestedGranularty": "boolean",
                        "request_parameters": {"datasets": ["ds-open"]},
                    },
                },
            )
        ).json()
    assert got["info"]["ignoredParameters"] == ["requestedGranularty"]
    assert (
        "parameter requestedGranularty is not used by this node and was ignored; "
        "did you mean requestedGranularity?" in got["info"]["warnings"]
    )
    assert posted["meta"]["returnedGranularity"] != "record"
    assert posted["info"]["unknownKeys"] == ["query.request_parameters", "query.requestedGranularty"]
    assert posted["info"]["warnings"] == [
        "query.request_parameters is not a Beacon request key and was ignored; "
        "did you mean requestParameters?",
        "query.requestedGranularty is not a Beacon request key and was ignored; "
        "did you mean requestedGranularity?",
    ]


@pytest.mark.parametrize(
    ("method", "path", "payload", "granularity", "entry"),
    [
        (
            "POST",
            "/api/biosamples",
            {"query": {"requestedGranularity": "record", "filters": [{"id": "HP:9999999"}]}},
            "record",
            "biosample",
        ),
        ("GET", "/api/g_variants?requestedGranularity=boolean&limit=-1", None, "boolean", "genomicVariant"),
        (
            "GET",
            "/api/individuals/p1/g_variants?requestedGranularity=nonsense",
            None,
            "count",
            "genomicVariant",
        ),
    ],
)
async def test_an_error_body_describes_the_request_that_was_made(
    node_dir: Path, method: str, path: str, payload: object, granularity: str, entry: str
) -> None:
    async with node(node_dir) as client:
        reply = await client.request(method, path, json=payload)
    assert reply.status_code == 400, reply.text
    doc = reply.json()
    assert errors(doc, ERROR) == []
    summary = doc["meta"]["receivedRequestSummary"]
    assert summary["requestedGranularity"] == granularity
    assert [s["entityType"] for s in summary["requestedSchemas"]] == [entry]
    if payload is not None:
        assert summary["filters"] == ["HP:9999999"]


async def test_a_refused_signature_is_described_as_the_request_made_too(node_dir: Path) -> None:
    async with node(node_dir, signed=False) as stranger:
        reply = await stranger.post("/api/cohorts", json={"query": {"requestedGranularity": "boolean"}})
    assert reply.status_code == 401
    summary = reply.json()["meta"]["receivedRequestSummary"]
    assert summary["requestedGranularity"] == "boolean"
    assert summary["requestedSchemas"][0]["entityType"] == "cohort"


async def test_a_yes_or_no_carries_no_number(node_dir: Path) -> None:
    async with node(node_dir) as client:
        doc = (
            await client.post(
                "/api/individuals",
                json={"query": {"requestedGranularity": "boolean", "filters": [{"id": SEIZURE}]}},
            )
        ).json()
    assert errors(doc, BOOLEAN) == []
    assert doc["meta"]["returnedGranularity"] == "boolean"
    assert keys_anywhere(doc) & {"resultsCount", "numTotalResults", "count", "total"} == set()
    assert {s["id"]: s["exists"] for s in doc["info"]["resultSets"]} == {"ds-closed": True, "ds-open": True}


async def test_a_browser_preflight_is_answered_without_a_signature(node_dir: Path) -> None:
    preflight = {
        "Origin": "https://viewer.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    }
    async with node(node_dir, signed=False) as stranger:
        reply = await stranger.options("/api/individuals", headers=preflight)
        health = await stranger.get("/health", headers={"Origin": "https://viewer.example.org"})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert {"GET", "POST", "HEAD", "OPTIONS"} <= set(
        reply.headers["access-control-allow-methods"].split(", ")
    )
    assert "authorization" in reply.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in reply.headers
    assert "access-control-allow-origin" not in health.headers  # CORS is for /api only
    async with node(node_dir) as client:
        answered = await client.get("/api/info", headers={"Origin": "https://viewer.example.org"})
    assert answered.headers["access-control-allow-origin"] == "*"


async def test_cors_follows_the_configured_origins(node_dir: Path) -> None:
    asked = {"Access-Control-Request-Method": "GET"}
    async with node(node_dir, signed=False, cors_origins=["https://portal.example.org"]) as stranger:
        allowed = await stranger.options(
            "/api/info", headers={**asked, "Origin": "https://portal.example.org"}
        )
        other = await stranger.options("/api/info", headers={**asked, "Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example.org"
    assert "access-control-allow-origin" not in other.headers
    async with node(node_dir, signed=False, cors_origins=[]) as stranger:
        off = await stranger.options("/api/info", headers={**asked, "Origin": "https://portal.example.org"})
    assert "access-control-allow-origin" not in off.headers


@pytest.mark.parametrize("path", ["/api/info", "/api/individuals?filters=HP:0001250", "/health"])
async def test_head_is_the_get_without_its_body(node_dir: Path, path: str) -> None:
    async with node(node_dir) as client:
        got = await client.get(path)
        head = await client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]


def root_url(doc: Mapping[str, object]) -> str:
    return doc["response"]["endpointSets"]["individualEndpoints"]["rootUrl"]  # type: ignore[index,no-any-return]


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "beacon.example.org",
    "X-Forwarded-Prefix": "/pmb",
}


@pytest.mark.parametrize(
    ("settings", "headers", "expected"),
    [
        ({}, FORWARDED, "http://node/api/individuals"),  # proxy headers not trusted: ignored
        ({"trust_proxy_headers": True}, FORWARDED, "https://beacon.example.org/pmb/api/individuals"),
        (
            {"trust_proxy_headers": True},
            {"X-Forwarded-Host": "evil.example/x?", "X-Forwarded-Prefix": "//evil"},
            "http://node/api/individuals",  # not a host, not a path: never copied into a URL
        ),
        (
            {"public_url": "https://beacon.example.org/pmb/", "trust_proxy_headers": True},
            {"X-Forwarded-Host": "other.example"},
            "https://beacon.example.org/pmb/api/individuals",  # the setting wins
        ),
    ],
)
async def test_the_map_names_the_public_url(
    node_dir: Path, settings: dict[str, object], headers: dict[str, str], expected: str
) -> None:
    async with node(node_dir, **settings) as client:
        doc = (await client.get("/api/map", headers=headers)).json()
        service = (await client.get("/api/service-info", headers=headers)).json()
    assert errors(doc, MAP) == []
    assert root_url(doc) == expected
    assert service["organization"]["url"] == expected.removesuffix("/individuals")


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"public_url": "beacon.example.org"}, "node.public_url"),
        ({"public_url": "https://b.example.org/?q=1"}, "node.public_url"),
        ({"trust_proxy_headers": "yes"}, "node.trust_proxy_headers"),
        ({"cors_origins": "*"}, "node.cors_origins"),
    ],
)
def test_bad_web_settings_are_named(node_dir: Path, settings: dict[str, object], fragment: str) -> None:
    doc = trusted(CONFIG, node_dir, node_id=NODE)
    doc["node"] = {**doc["node"], **settings}  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match=fragment):
        parse_node_config(doc, base=node_dir, where="test")


async def test_the_docs_say_what_security_levels_a_node_serves(node_dir: Path) -> None:
    live: dict[bool, list[str]] = {}
    for passports in (False, True):
        async with node(node_dir, passports=passports) as client:
            doc = (await client.get("/api/configuration")).json()
        live[passports] = doc["response"]["securityAttributes"]["securityLevels"]
    mentions = documented_security_levels()
    assert mentions, "docs/beacon-framework.md no longer says what securityLevels is"
    assert [m for m in mentions if (m[1], m[2]) != (live[False], live[True])] == []
