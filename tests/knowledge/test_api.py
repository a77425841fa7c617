"""The hub's /api/kb endpoints, in-process over a real knowledge-base file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pmbridge.errors import ConfigError
from pmbridge.hub import HubConfig, create_hub_app, parse_hub_config
from pmbridge.knowledge import KnowledgeBase, load_files
from pmbridge.signing import generate_key_pair, save_key_pair

from .conftest import SMALL

pytestmark = pytest.mark.anyio

TOKEN = "steward-token-for-tests-0123456789"


def hub_config(root: Path, **knowledge: object) -> HubConfig:
    save_key_pair(generate_key_pair(), directory=root / "keys", name="hub")
    doc = {
        "hub": {"id": "kb-hub", "state_dir": "state", "private_key": "keys/hub.key"},
        "knowledge": {"seed": False, **knowledge},
    }
    return parse_hub_config(doc, where="test", base=root)


async def _client(config: HubConfig) -> AsyncIterator[httpx.AsyncClient]:
    app = create_hub_app(config)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        yield client


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = hub_config(tmp_path, steward_token=TOKEN)
    KnowledgeBase(config.knowledge.database(config.state_dir)).import_files([SMALL])
    async for client in _client(config):
        yield client


async def test_search_in_both_languages_with_facets(hub: httpx.AsyncClient) -> None:
    reply = await hub.get("/api/kb/search", params={"q": "个人信息保护法", "lang": "zh-Hans"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["total"] == 1
    assert body["hits"][0]["id"] == "policy:pipl"
    assert body["hits"][0]["label"] == "中华人民共和国个人信息保护法"
    assert body["hits"][0]["name"]["en"] == "Personal Information Protection Law (PIPL)"
    reply = await hub.get("/api/kb/search", params=[("q", "data"), ("type", "Policy"), ("type", "Barrier")])
    body = reply.json()
    assert {h["id"] for h in body["hits"]} == {"barrier:fragmented-data", "policy:gdpr", "policy:pipl"}
    assert [h["score"] for h in body["hits"]] == sorted((h["score"] for h in body["hits"]), reverse=True)
    assert {f["value"]: f["count"] for f in body["facets"]["type"]} == {"Policy": 2, "Barrier": 1}
    domain = body["facets"]["domain"][0]
    assert domain == {"value": "domain:big-data-ict", "count": 3, "label": "Big data and ICT"}


async def test_search_refuses_unknown_filters(hub: httpx.AsyncClient) -> None:
    reply = await hub.get("/api/kb/search", params={"type": "Law"})
    assert reply.status_code == 400
    assert "Law" in reply.json()["error"]["errorMessage"]
    assert (await hub.get("/api/kb/search", params={"limit": 0})).status_code == 400


async def test_an_entity_with_its_links_both_ways(hub: httpx.AsyncClient) -> None:
    body = (await hub.get("/api/kb/entities/action:federated-discovery")).json()
    assert body["entity"]["status"] == "proposed"
    assert [(o["relation"], o["entity"]["id"]) for o in body["outgoing"]] == [
        ("adoptsStandard", "standard:beacon"),
        ("addressesBarrier", "barrier:fragmented-data"),
        ("inDomain", "domain:big-data-ict"),
    ]
    assert body["incoming"] == [
        {
            "relation": "supports",
            "label": {"en": "supported by", "zh-Hans": "受其支持"},
            "entity": {
                "id": "facilitator:common-standards",
                "type": "Facilitator",
                "name": {"en": "Shared data standards", "zh-Hans": "共同的数据标准"},
                "jurisdiction": "INT",
            },
        }
    ]
    assert [(h["by"], h["to"]) for h in body["history"]] == [("import", "proposed")]
    missing = await hub.get("/api/kb/entities/policy:nowhere")
    assert missing.status_code == 404


async def test_graph_depth_one_and_two(hub: httpx.AsyncClient) -> None:
    one = (await hub.get("/api/kb/graph/policy:pipl", params={"depth": 1})).json()
    assert {n["id"] for n in one["nodes"]} == {"policy:pipl", "policy:gdpr", "domain:big-data-ict"}
    assert {(e["source"], e["relation"], e["target"]) for e in one["edges"]} == {
        ("policy:pipl", "inDomain", "domain:big-data-ict"),
        ("policy:pipl", "relatedTo", "policy:gdpr"),
        ("policy:gdpr", "inDomain", "domain:big-data-ict"),
    }
    two = (await hub.get("/api/kb/graph/policy:pipl", params={"depth": 2})).json()
    nodes = {n["id"]: n["distance"] for n in two["nodes"]}
    assert nodes["action:federated-discovery"] == 2
    assert nodes["policy:pipl"] == 0
    assert set(nodes) > {n["id"] for n in one["nodes"]}
    assert (await hub.get("/api/kb/graph/policy:pipl", params={"depth": 3})).status_code == 400


async def test_roadmap_lists_domains_actions_and_who_is_responsible(hub: httpx.AsyncClient) -> None:
    body = (await hub.get("/api/kb/roadmap")).json()
    assert [d["id"] for d in body["domains"]][:2] == ["domain:empowered-citizens", "domain:trained-workforce"]
    assert len(body["domains"]) == 7
    funding = next(d for d in body["domains"] if d["id"] == "domain:research-funding")
    (action,) = funding["actions"]
    assert action["id"] == "action:joint-calls"
    assert action["status"] == "in-progress"
    assert [s["id"] for s in action["responsible"]] == ["stakeholder:most"]
    data = next(d for d in body["domains"] if d["id"] == "domain:big-data-ict")
    assert [f["id"] for f in data["actions"][0]["facilitators"]] == ["facilitator:common-standards"]
    assert [b["id"] for b in data["actions"][0]["barriers"]] == ["barrier:fragmented-data"]
    assert body["statusCounts"] == {"proposed": 1, "in-progress": 1, "done": 0, "stalled": 0}


async def test_only_a_steward_changes_a_status_and_the_history_is_kept(hub: httpx.AsyncClient) -> None:
    url = "/api/kb/actions/action:federated-discovery/status"
    update = {"status": "in-progress", "steward": "Anna Rossi", "note": "pilot started"}
    assert (await hub.post(url, json=update)).status_code == 401
    wrong = await hub.post(url, json=update, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert "not valid" in wrong.json()["error"]["errorMessage"]
    ok = await hub.post(url, json=update, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    body = ok.json()
    assert body["action"]["status"] == "in-progress"
    assert body["change"]["by"] == "Anna Rossi"
    assert [(h["from"], h["to"], h["note"]) for h in body["history"]] == [
        (None, "proposed", ""),
        ("proposed", "in-progress", "pilot started"),
    ]
    bad = await hub.post(
        url, json={**update, "status": "finished"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert bad.status_code == 400
    policy = await hub.post(
        "/api/kb/actions/policy:gdpr/status", json=update, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert policy.status_code == 400
    view = (await hub.get("/api/kb/entities/action:federated-discovery")).json()
    assert view["entity"]["status"] == "in-progress"
    assert len(view["history"]) == 2


async def test_status_changes_are_off_without_a_configured_token(tmp_path: Path) -> None:
    config = hub_config(tmp_path)
    KnowledgeBase(config.knowledge.database(config.state_dir)).import_files([SMALL])
    async for client in _client(config):
        reply = await client.post(
            "/api/kb/actions/action:joint-calls/status",
            json={"status": "done", "steward": "x"},
            headers={"Authorization": "Bearer anything-at-all-here"},
        )
        assert reply.status_code == 401
        assert "switched off" in reply.json()["error"]["errorMessage"]


async def test_export_round_trips_through_the_api(hub: httpx.AsyncClient, tmp_path: Path) -> None:
    for fmt, suffix in (("jsonld", ".jsonld"), ("csv", ".csv")):
        reply = await hub.get("/api/kb/export", params={"format": fmt})
        assert reply.status_code == 200
        path = tmp_path / f"export{suffix}"
        path.write_bytes(reply.content)
        result = load_files([path])
        assert result.ok
        assert sorted(result.entities, key=lambda e: e.id) == sorted(
            load_files([SMALL]).entities, key=lambda e: e.id
        )


async def test_the_endpoints_are_in_the_openapi_document(hub: httpx.AsyncClient) -> None:
    paths = (await hub.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/kb/search",
        "/api/kb/entities/{entity_id}",
        "/api/kb/graph/{entity_id}",
        "/api/kb/roadmap",
        "/api/kb/export",
        "/api/kb/actions/{entity_id}/status",
    ):
        assert path in paths
    assert "security" in paths["/api/kb/actions/{entity_id}/status"]["post"]
    assert {p["name"] for p in paths["/api/kb/search"]["get"]["parameters"]} >= {
        "q",
        "type",
        "domain",
        "lang",
    }


def test_a_short_steward_token_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 16"):
        hub_config(tmp_path, steward_token="short")
    with pytest.raises(ConfigError, match=r"\[knowledge\] has no setting .steward.; did you mean .stewards."):
        hub_config(tmp_path / "b", steward="x")
