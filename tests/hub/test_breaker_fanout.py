"""The breakers in the hub, over real sockets: a frozen node is skipped (and says so) once it has
timed out and failed its health check; a node that answers ``/health`` stays asked however slow its
queries; and a burst queueing inside the hub never counts as the node's silence."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from pmbridge.hub import NodeEntry, NodeLinks
from pmbridge.hub._analyses import _dropped_out, _participation, _too_few
from pmbridge.hub._breaker import Breakers, BreakerState
from pmbridge.hub._fanout import NodeReply, NodeStatus, fan_out
from pmbridge.hub._registry import HubConfig
from pmbridge.model import Jurisdiction
from pmbridge.network_app import create_network_app
from pmbridge.signing import Message, generate_key_pair, sign_response
from tests.hub.fake_nodes import fake_node
from tests.hub.test_fanout_burst import frozen_node
from tests.hub.test_fanout_faults import entry
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

DEADLINE = 0.3
COUNT = {"query": {"requestedGranularity": "count"}}


def breaking(config: HubConfig, *, timeouts: int) -> HubConfig:
    return dataclasses.replace(config, breaker_timeouts=timeouts, breaker_cool_down_seconds=600.0)


@asynccontextmanager
async def served(
    config: HubConfig, *, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The hub's app over ``config``, started, with a client of it in-process."""
    app = create_network_app(config, transport=transport)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub", timeout=30
        ) as client,
    ):
        yield app, client


async def settle(condition: object, *, tries: int = 100) -> None:
    """Wait (bounded: 10 s) for exchanges and probes, which end on their own, to have ended."""
    for _ in range(tries):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.1)


async def test_a_frozen_node_is_skipped_named_and_shown_once_its_health_check_fails_too(
    tmp_path: Path,
) -> None:
    with fake_node("good") as good, frozen_node() as frozen:
        nodes = [entry("good", good), entry("frozen", frozen)]
        config = breaking(hub_config(nodes, tmp_path, id="hub", deadline=DEADLINE), timeouts=2)
        async with served(config) as (app, client):
            breaker = app.state.hub.breakers.of("frozen")
            for _ in range(6):  # bounded; a timeout the hub itself delayed (a busy machine) does not count
                timed_out = (await client.post("/api/individuals", json=COUNT)).json()
                assert {n["node"]: n["status"] for n in timed_out["info"]["nodes"]} == {
                    "good": "ok",
                    "frozen": "timeout",
                }
                await settle(lambda: breaker.state is BreakerState.OPEN, tries=10)
                if breaker.state is BreakerState.OPEN:
                    break
            assert breaker.state is BreakerState.OPEN
            doc = (await client.post("/api/individuals", json=COUNT)).json()
            listed = (await client.get("/api/nodes")).json()["nodes"]
            english = (await client.get("/network", params={"lang": "en"})).text
            chinese = (await client.get("/network", params={"lang": "zh"})).text
    line = next(n for n in doc["info"]["nodes"] if n["node"] == "frozen")
    assert line["status"] == "skipped" and line["count"] is None  # never a count of 0
    assert re.fullmatch(
        r"not asked: [2-6] timeouts in a row and a failed health check; tried again in \d+(\.\d)? s",
        line["detail"],
    )
    assert doc["info"]["missingNodes"] == ["frozen"]
    assert doc["info"]["total"]["partial"] is True and doc["info"]["total"]["absentNodes"] == ["frozen"]
    assert doc["responseSummary"]["numTotalResults"] == 7
    shown = {n["id"]: n for n in listed}
    assert shown["frozen"]["health"] == "timeout"  # the health check itself bypasses the breaker
    assert shown["frozen"]["breaker"]["state"] == "open"
    assert shown["frozen"]["breaker"]["consecutiveTimeouts"] >= 2
    assert 0 < shown["frozen"]["breaker"]["retryInSeconds"] <= 600
    assert shown["good"]["breaker"] == {"state": "closed", "consecutiveTimeouts": 0, "retryInSeconds": 0.0}
    card = english[english.index('data-node="frozen"') :]
    assert 'data-breaker="open"' in card[: card.index("</article>")]
    assert re.search(
        r"Not asked for now: it timed out [2-6] times in a row and failed its health check\.", card
    )
    assert re.search("暂不询问：该节点连续 [2-6] 次超时", chinese)


@contextmanager
def slow_query_node(name: str) -> Iterator[tuple[str, NodeEntry]]:
    """A node that answers ``/health`` at once (signed) and every query 3 s late."""
    key = generate_key_pair()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.path != "/health" and stop.wait(3.0):
                return
            body = b'{"status": "up"}'
            asked = Message.request(self.command, self.path, self.headers.items())
            signature = sign_response(status=200, body=body, key=key, request=asked)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(200)
                self.send_header("content-type", "application/json")
                for header, value in signature.items():
                    self.send_header(header, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield url, NodeEntry(name, url, Jurisdiction.EU, "IT", public_key=key.verifying_key)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


async def test_a_node_that_answers_health_stays_asked_however_slow_its_queries(tmp_path: Path) -> None:
    """One user's expensive questions must not cut a node off for everyone."""
    with fake_node("good") as good, slow_query_node("heavy") as (_, heavy):
        config = breaking(
            hub_config([entry("good", good), heavy], tmp_path, id="hub", deadline=DEADLINE), timeouts=1
        )
        async with served(config) as (app, client):
            ctx = app.state.hub
            statuses = []
            for _ in range(4):
                doc = (await client.post("/api/individuals", json=COUNT)).json()
                statuses.append({n["node"]: n["status"] for n in doc["info"]["nodes"]}["heavy"])
                await settle(lambda: ctx.links.in_flight("heavy") == 0 and not ctx.health._flying)
            state = ctx.breakers.shown("heavy")
            probes = ctx.health.probes
    assert statuses == ["timeout"] * 4  # never skipped
    assert state["state"] == "closed" and state["consecutiveTimeouts"] >= 1
    assert probes >= 1  # its streak filled, its health was checked, and it answered


async def test_a_burst_queueing_for_the_nodes_connections_counts_as_no_timeout_of_the_node() -> None:
    """50 callers share 2 connections to a frozen node: only the 2 exchanges that had the whole
    deadline count; the 48 that waited for a connection inside the hub say nothing of the node."""
    with frozen_node() as url:
        node = NodeEntry("frozen", url, Jurisdiction.EU, "IT")
        breakers = Breakers(timeouts=3, cool_down=600.0)
        links = NodeLinks(lambda limits: httpx.AsyncClient(limits=limits), per_node=2)
        links.client("frozen")  # opened now: loading TLS settings is the hub's time, not the node's
        replies = await asyncio.gather(
            *(
                fan_out(
                    "GET",
                    "/api/info",
                    nodes=[node],
                    deadline=DEADLINE,
                    max_reply_bytes=1000,
                    links=links,
                    breakers=breakers,
                )
                for _ in range(50)
            )
        )
        await links.aclose()
    assert {r.status for (r,) in replies} == {NodeStatus.TIMEOUT}
    assert breakers.of("frozen").streak == 2
    assert breakers.of("frozen").state is BreakerState.CLOSED


async def test_an_exchange_left_with_a_sliver_of_the_deadline_does_not_count() -> None:
    """The request had waited in the hub (its own deadline nearly spent) before asking the node."""
    from pmbridge.beacon._admission import _DEADLINE

    deadline = 1.0
    with frozen_node() as url:
        node = NodeEntry("frozen", url, Jurisdiction.EU, "IT")
        breakers = Breakers(timeouts=1, cool_down=600.0)
        links = NodeLinks(lambda limits: httpx.AsyncClient(limits=limits), per_node=4)
        links.client("frozen")
        ask = {
            "nodes": [node],
            "deadline": deadline,
            "max_reply_bytes": 1000,
            "links": links,
            "breakers": breakers,
        }
        token = _DEADLINE.set(asyncio.get_running_loop().time() + deadline / 4)
        try:
            (late,) = await fan_out("GET", "/api/info", **ask)  # type: ignore[arg-type]
        finally:
            _DEADLINE.reset(token)
        await settle(lambda: links.in_flight("frozen") == 0)  # it reports when it ends, not its caller
        hurried = breakers.of("frozen").streak
        (full,) = await fan_out("GET", "/api/info", **ask)  # type: ignore[arg-type]
        await links.aclose()
    assert late.status is full.status is NodeStatus.TIMEOUT
    assert hurried == 0 and breakers.of("frozen").streak == 1


def test_an_analysis_treats_a_skipped_node_as_it_treats_a_timed_out_one() -> None:
    """Listed as not taking part at the first step; refused with a reason if skipped later on."""
    node = NodeEntry("eu", "http://eu", Jurisdiction.EU, "IT")
    said = "not asked: 3 timeouts in a row and a failed health check; tried again in 12 s"
    skipped = NodeReply(node, NodeStatus.SKIPPED, 0.0, detail=said)
    part = _participation(skipped)
    assert (part.status, part.detail) == ("skipped", said)
    assert "eu: skipped" in _too_few([part], 2).message
    assert "(skipped)" in _dropped_out(skipped).message


async def test_fifty_nodes_with_five_hung_answer_within_the_deadline(tmp_path: Path) -> None:
    """Merging stays per node: 45 answers and 5 timeouts, whatever the hung nodes do."""
    from tests.hub.scripted_nodes import ScriptedNodes

    class SomeHang(ScriptedNodes):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host.startswith("hung"):
                await asyncio.Event().wait()  # never answers; the exchange cuts itself off
            return await super().handle_async_request(request)

    names = [f"hung{i}" if i < 5 else f"n{i:02d}" for i in range(50)]
    nodes = SomeHang(names)
    reply = {
        "meta": {"returnedGranularity": "count"},
        "responseSummary": {"exists": True, "numTotalResults": 2},
    }
    for name in names:
        nodes.bodies[(name, "/api/individuals")] = {
            **reply,
            "response": {
                "resultSets": [{"id": f"{name}-ds", "setType": "dataset", "exists": True, "resultsCount": 2}]
            },
        }
    entries = [
        NodeEntry(n, f"http://{n}", Jurisdiction.EU, "IT", public_key=nodes.keys[n].verifying_key)
        for n in names
    ]
    config = hub_config(entries, tmp_path, id="hub", deadline=DEADLINE)
    async with served(config, transport=nodes) as (_, client):
        started = time.monotonic()
        doc = (await client.post("/api/individuals", json=COUNT)).json()
        elapsed = time.monotonic() - started
    statuses = {n["node"]: n["status"] for n in doc["info"]["nodes"]}
    assert [s for s in statuses.values()].count("ok") == 45
    assert {n for n, s in statuses.items() if s == "timeout"} == {f"hung{i}" for i in range(5)}
    assert doc["responseSummary"]["numTotalResults"] == 90
    assert elapsed < DEADLINE + 2.5  # bounded by the deadline, never by the hung nodes


async def test_a_burst_of_timeouts_costs_the_node_one_health_check(tmp_path: Path) -> None:
    with frozen_node() as frozen:
        nodes = [entry("frozen", frozen)]
        config = breaking(hub_config(nodes, tmp_path, id="hub", deadline=1.0), timeouts=1)
        async with served(config) as (app, client):
            ctx = app.state.hub
            replies = await asyncio.gather(*(client.post("/api/individuals", json=COUNT) for _ in range(50)))
            await settle(lambda: ctx.links.in_flight("frozen") == 0 and not ctx.health._flying)
            listed = (await client.get("/api/nodes")).json()["nodes"]
            probes, streak = ctx.health.probes, ctx.breakers.of("frozen").streak
    assert {r.status_code for r in replies} <= {502, 503}  # no node answered: never a "no match"
    assert streak >= 1  # the exchanges that had the connections (8) timed out and counted
    assert probes == 1  # one check for all of them, and the node list reads it
    assert [(n["id"], n["breaker"]["state"]) for n in listed] == [("frozen", "open")]


async def test_slow_questions_filling_a_nodes_connections_do_not_fail_its_health_check(
    tmp_path: Path,
) -> None:
    """Waves of concurrent slow questions hold every connection to a node; its health check has a
    lane of its own, answers, and the node stays asked (the review's repro: it was cut off)."""
    with fake_node("good") as good, slow_query_node("heavy") as (_, heavy):
        config = hub_config([entry("good", good), heavy], tmp_path, id="hub", deadline=0.5)
        config = dataclasses.replace(config, connections_per_node=2, breaker_timeouts=3)
        async with served(config) as (app, client):
            ctx = app.state.hub
            states = []
            for _ in range(6):
                docs = await asyncio.gather(*(client.post("/api/individuals", json=COUNT) for _ in range(6)))
                statuses = {
                    {n["node"]: n["status"] for n in d.json()["info"]["nodes"]}["heavy"] for d in docs
                }
                states.append((statuses, ctx.breakers.shown("heavy")["state"]))
            probes = ctx.health.probes
    assert probes >= 1  # its streak filled and its health was checked
    assert all(state == "closed" and statuses == {"timeout"} for statuses, state in states), states
