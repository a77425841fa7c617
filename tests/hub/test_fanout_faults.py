"""No node can break or hang the hub: down, slow, garbage, oversized, failing and lying nodes."""

from __future__ import annotations

import time
from contextlib import ExitStack

import httpx
import pytest

from pmbridge.hub import HubConfig, NodeEntry, create_hub_app
from pmbridge.model import Jurisdiction
from tests.beacon_schemas import RESULTSETS, errors
from tests.hub.fake_nodes import dead_url, fake_node

pytestmark = pytest.mark.anyio

DEADLINE = 0.5


def entry(name: str, url: str) -> NodeEntry:
    return NodeEntry(id=name, url=url, jurisdiction=Jurisdiction.EU, country="IT")


async def test_the_hub_answers_with_whatever_healthy_nodes_said() -> None:
    behaviours = ["good", "slow", "garbage", "huge", "error", "liar"]
    with ExitStack() as stack:
        nodes = [entry(b, stack.enter_context(fake_node(b))) for b in behaviours]
        nodes.append(entry("down", dead_url()))
        config = HubConfig("hub", "Test hub", DEADLINE, 100_000, tuple(nodes))
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
        "down": "down",
    }
    assert sorted(doc["info"]["missingNodes"]) == sorted(set([*behaviours, "down"]) - {"good"})


async def test_the_network_page_reports_health() -> None:
    with fake_node("good") as good, fake_node("slow") as slow:
        config = HubConfig("hub", "Test hub", DEADLINE, 100_000, (entry("good", good), entry("slow", slow)))
        app = create_hub_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            nodes = (await client.get("/api/nodes")).json()["nodes"]
    assert {n["id"]: n["health"] for n in nodes} == {"good": "up", "slow": "down"}
