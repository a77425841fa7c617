"""The hub's SQLite privacy ledger held by another process: the hub keeps serving while it waits,
answers once the lock is free, and past the busy timeout says 503 without naming the file."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.hub import HubReleaseSettings, NodeEntry, create_hub_app
from pmbridge.model import Jurisdiction
from pmbridge.policy import broker_trust
from pmbridge.privacy import ReleasedCount, ReleaseMethod
from tests.hub.scripted_nodes import ScriptedNodes
from tests.release import BROKER, bearer, passport
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

QUERY = {"meta": {"apiVersion": "v2.0.1"}, "query": {"filters": [], "requestedGranularity": "count"}}


def exact_reply(count: int) -> dict[str, object]:
    """A node's answer with one exact count: the hub noises it itself, writing to its ledger."""
    account = ReleasedCount(value=count, how=ReleaseMethod.EXACT, threshold=5, reason="").to_dict()
    return {
        "meta": {"beaconId": "eu-north", "apiVersion": "v2.0.1", "returnedGranularity": "count"},
        "responseSummary": {"exists": True, "numTotalResults": count},
        "response": {
            "resultSets": [
                {
                    "id": "alpha",
                    "setType": "dataset",
                    "exists": True,
                    "resultsCount": count,
                    "results": [],
                    "info": {"count": account},
                }
            ]
        },
    }


@asynccontextmanager
async def hub(root: Path) -> AsyncIterator[tuple[httpx.AsyncClient, ScriptedNodes]]:
    nodes = ScriptedNodes(["eu-north"])
    nodes.bodies[("eu-north", "/api/individuals")] = exact_reply(40)
    entry = NodeEntry(
        "eu-north", "http://eu-north", Jurisdiction.EU, "SE", public_key=nodes.keys["eu-north"].verifying_key
    )
    release = HubReleaseSettings(passports=broker_trust(BROKER))
    app = create_hub_app(hub_config([entry], root, release=release), transport=nodes)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        yield client, nodes


@contextmanager
def locked(ledger: Path) -> Iterator[sqlite3.Connection]:
    """Another process's write lock on the ledger, held until the block ends."""
    other = sqlite3.connect(ledger, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("COMMIT")
        other.close()


async def test_the_hub_keeps_serving_while_its_ledger_is_locked(tmp_path: Path) -> None:
    """The count waits for the lock in a worker thread: twenty other requests are answered
    meanwhile, and the count is answered once the lock is let go."""
    token = passport("ledger-wait", country="IT")
    async with hub(tmp_path) as (client, nodes):
        with locked(tmp_path / "hub-state" / "privacy.sqlite"):
            count = asyncio.create_task(client.post("/api/individuals", json=QUERY, headers=bearer(token)))
            await asyncio.wait_for(nodes.answered.wait(), timeout=60)
            # the hub now goes to its ledger; were that on the event loop, none of these would be
            # served before the busy timeout ran out, and the count would fail
            for _ in range(20):
                assert (await client.get("/health")).status_code == 200
        reply = await asyncio.wait_for(count, timeout=60)
    assert reply.status_code == 200, reply.text
    assert reply.json()["response"]["resultSets"][0]["info"]["count"]["how"] == "noised"


async def test_a_ledger_locked_past_the_timeout_is_a_503_that_names_no_path(tmp_path: Path) -> None:
    token = passport("ledger-busy", country="IT")
    async with hub(tmp_path) as (client, _):
        with locked(tmp_path / "hub-state" / "privacy.sqlite"):
            reply = await client.post("/api/individuals", json=QUERY, headers=bearer(token))
            health = await client.get("/health")
    assert reply.status_code == 503 and health.status_code == 200
    message = reply.json()["error"]["errorMessage"]
    assert "privacy ledger is busy" in message
    assert str(tmp_path) not in reply.text and "privacy.sqlite" not in reply.text
