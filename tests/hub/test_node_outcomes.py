"""The hub keeps a node that refused, one that is down, one that timed out and one that failed apart,
in every reply that reports on nodes: a refusal is an answer, with its rule, never "did not answer"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.hub import create_hub_app
from tests.beacon_schemas import RESULTSETS, errors
from tests.hub.fake_nodes import REFUSAL, dead_url, fake_node
from tests.hub.test_fanout_faults import DEADLINE, entry
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

EXPECTED = {"good": "ok", "refuser": "refused", "slow": "timeout", "error": "error", "down": "down"}


@asynccontextmanager
async def network(tmp_path: Path, behaviours: Sequence[str]) -> AsyncIterator[httpx.AsyncClient]:
    with ExitStack() as stack:
        nodes = [entry(b, stack.enter_context(fake_node(b))) for b in behaviours if b != "down"]
        if "down" in behaviours:
            nodes.append(entry("down", dead_url()))
        config = hub_config(nodes, tmp_path, id="hub", deadline=DEADLINE, max_reply_bytes=100_000)
        app = create_hub_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            yield client


async def test_refused_down_timed_out_and_failed_nodes_stay_apart(tmp_path: Path) -> None:
    async with network(tmp_path, list(EXPECTED)) as client:
        reply = await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})
        configuration = (await client.get("/api/configuration")).json()
        terms = (await client.get("/api/filtering_terms")).json()
    assert reply.status_code == 200
    doc = reply.json()
    assert errors(doc, RESULTSETS) == []
    nodes = {n["node"]: n for n in doc["info"]["nodes"]}
    assert {n: o["status"] for n, o in nodes.items()} == EXPECTED
    assert nodes["refuser"]["rule"] == "X1" and nodes["refuser"]["detail"] == REFUSAL
    assert all("rule" not in o for n, o in nodes.items() if n != "refuser")
    assert sorted(doc["info"]["missingNodes"]) == sorted(set(EXPECTED) - {"good"})  # not in the totals
    assert "did not answer" not in reply.text
    for framework in (configuration, terms):
        said = {n["node"]: n for n in framework["info"]["nodes"]}
        assert {n: o["status"] for n, o in said.items()} == EXPECTED
        assert said["refuser"]["rule"] == "X1"


async def test_when_every_node_that_answered_refused_the_hub_refuses_with_the_rule(tmp_path: Path) -> None:
    async with network(tmp_path, ["refuser", "down"]) as client:
        reply = await client.post("/api/individuals", json={"query": {"requestedGranularity": "record"}})
    assert reply.status_code == 403
    message = reply.json()["error"]["errorMessage"]
    # the down node is named as down, not as a node that refused
    assert message.startswith(
        f"refused by rule X1: every node that answered refused (refuser: {REFUSAL}); down: down"
    )
    summary = reply.json()["meta"]["receivedRequestSummary"]
    assert summary["requestedGranularity"] == "record"  # the request made, not a default one


async def test_no_node_answering_is_a_502_not_an_empty_answer(tmp_path: Path) -> None:
    """With every node down there is no answer, so the network does not say "no": a 502 naming
    each node with its status."""
    async with network(tmp_path, ["down"]) as client:
        reply = await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})
    assert reply.status_code == 502
    assert "exists" not in reply.text
    assert "(down: down, ConnectError" in reply.json()["error"]["errorMessage"]
