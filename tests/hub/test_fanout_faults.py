"""No node can break or hang the hub: down, slow, garbage, oversized, failing and lying nodes."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from pmbridge.audit import read_audit_log
from pmbridge.hub import NodeEntry, create_hub_app
from pmbridge.model import Jurisdiction
from tests.beacon_schemas import RESULTSETS, errors
from tests.hub.fake_nodes import NODE_KEYS, dead_url, fake_node
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

DEADLINE = 0.5


def entry(name: str, url: str) -> NodeEntry:
    key = NODE_KEYS[name].verifying_key if name in NODE_KEYS else None
    return NodeEntry(id=name, url=url, jurisdiction=Jurisdiction.EU, country="IT", public_key=key)


async def test_the_hub_answers_with_whatever_healthy_nodes_said(tmp_path: Path) -> None:
    behaviours = ["good", "slow", "garbage", "huge", "error", "liar", "unsigned", "forger"]
    with ExitStack() as stack:
        nodes = [entry(b, stack.enter_context(fake_node(b))) for b in behaviours]
        nodes.append(entry("down", dead_url()))
        config = hub_config(nodes, tmp_path, id="hub", deadline=DEADLINE, max_reply_bytes=100_000)
        app = create_hub_app(config)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
                started = time.monotonic()
                reply = await client.post(
                    "/api/individuals", json={"query": {"requestedGranularity": "count"}}
                )
                elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + 2.5  # bounded by the deadline, never by the slow node's 3 s
    assert reply.status_code == 200
    doc = reply.json()
    assert errors(doc, RESULTSETS) == []
    assert doc["responseSummary"] == {"exists": True, "numTotalResults": 7}
    status = {n["node"]: n["status"] for n in doc["info"]["nodes"]}
    assert status == {
        "good": "ok",
        "slow": "timeout",
        "garbage": "error",
        "huge": "error",
        "error": "error",
        "liar": "error",
        "unsigned": "error",
        "forger": "error",
        "down": "down",
    }
    assert sorted(doc["info"]["missingNodes"]) == sorted(set([*behaviours, "down"]) - {"good"})
    detail = {n["node"]: n["detail"] for n in doc["info"]["nodes"]}
    assert detail["unsigned"].startswith("reply signature invalid: signature rejected (unsigned)")
    assert detail["forger"].startswith("reply signature invalid: signature rejected (unknown_key)")
    refusals = {
        (e.actor, e.rule)
        for e in (line.entry for line in read_audit_log(config.audit_log))
        if e and e.action == "refusal"
    }
    assert refusals == {("unsigned", "signature:unsigned"), ("forger", "signature:unknown_key")}


async def test_the_network_page_reports_health(tmp_path: Path) -> None:
    with fake_node("good") as good, fake_node("slow") as slow, fake_node("refuser") as refuser:
        config = hub_config(
            [entry("good", good), entry("slow", slow), entry("refuser", refuser), entry("down", dead_url())],
            tmp_path,
            id="hub",
            deadline=DEADLINE,
            max_reply_bytes=100_000,
        )
        app = create_hub_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            nodes = (await client.get("/api/nodes")).json()["nodes"]
    # timed out, refused and down stay what they are: none is folded into another
    health = {n["id"]: n["health"] for n in nodes}
    assert health == {"good": "up", "slow": "timeout", "refuser": "refused", "down": "down"}


async def count_through_hub(config_nodes: list[NodeEntry], tmp_path: Path) -> httpx.Response:
    config = hub_config(config_nodes, tmp_path, id="hub", deadline=DEADLINE, max_reply_bytes=100_000)
    app = create_hub_app(config)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        return await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})


async def test_when_no_node_answers_the_hub_says_so_with_a_502_never_a_no_match(tmp_path: Path) -> None:
    with fake_node("slow") as slow, fake_node("garbage") as garbage:
        reply = await count_through_hub(
            [entry("slow", slow), entry("garbage", garbage), entry("down", dead_url())], tmp_path
        )
    assert reply.status_code == 502
    message = reply.json()["error"]["errorMessage"]
    assert message.startswith("no node answered, so there is no answer")
    for said in ("slow: timeout", "garbage: error", "down: down"):
        assert said in message


async def test_a_total_without_a_node_that_did_not_answer_says_it_is_partial(tmp_path: Path) -> None:
    with fake_node("good") as good:
        reply = await count_through_hub([entry("good", good), entry("down", dead_url())], tmp_path)
    doc = reply.json()
    assert reply.status_code == 200
    assert doc["info"]["missingNodes"] == ["down"]
    total = doc["info"]["total"]
    assert (total["value"], total["partial"], total["absentNodes"]) == (7, True, ["down"])
    assert total["display"] == "≥7 (+ 1 node left out)"


async def test_an_overloaded_node_is_reported_as_overloaded_not_as_broken(tmp_path: Path) -> None:
    with fake_node("busy") as busy, fake_node("good") as good:
        config = hub_config([entry("busy", busy), entry("good", good)], tmp_path, id="hub", deadline=DEADLINE)
        app = create_hub_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            nodes = (await client.get("/api/nodes")).json()["nodes"]
            health = (await client.get("/health")).json()
        only_busy = await count_through_hub([entry("busy", busy)], tmp_path / "alone")
    assert {n["id"]: n["health"] for n in nodes} == {"busy": "overloaded", "good": "up"}
    assert health["status"] == "up"
    assert health["load"]["limit"] == config.max_in_flight
    assert set(health["links"]) == {"busy", "good"}
    assert only_busy.status_code == 502
    assert "busy: overloaded" in only_busy.json()["error"]["errorMessage"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/aggregates", {"query": {}}),
        ("/api/match", {"phenotypes": ["HP:0001250"]}),
    ],
)
async def test_aggregates_and_matches_that_no_node_answered_are_a_502(
    tmp_path: Path, path: str, body: dict[str, object]
) -> None:
    config = hub_config([entry("down", dead_url())], tmp_path, id="hub", deadline=DEADLINE)
    app = create_hub_app(config)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        reply = await client.post(path, json=body)
    assert reply.status_code == 502, reply.text
    assert "(down: down, ConnectError" in reply.json()["error"]["errorMessage"]
