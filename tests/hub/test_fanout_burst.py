"""A burst of callers that give up, against a frozen node, cannot wedge the hub's links to its nodes.

httpcore's pool leaks a slot for good when a request waiting for a connection is cancelled
(encode/httpcore#1093); the hub used to cancel fan-out requests at its deadline, so after a burst
every node looked timed out until a restart. These tests run a real hub app against real sockets:
a healthy node and a frozen one (a listener that accepts connections and never answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.hub import NodeLinks, create_hub_app
from pmbridge.service import KEEP_ALIVE_SECONDS
from tests.hub.fake_nodes import fake_node
from tests.hub.test_fanout_faults import entry
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

DEADLINE = 0.3


@contextmanager
def frozen_node() -> Iterator[str]:
    """A loopback URL whose listener takes connections (the kernel's backlog) and never replies."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


async def test_after_a_burst_with_a_frozen_node_the_hub_still_reaches_every_healthy_node(
    tmp_path: Path,
) -> None:
    with ExitStack() as stack:
        nodes = [
            entry("good", stack.enter_context(fake_node("good"))),
            entry("slow", stack.enter_context(frozen_node())),
        ]
        app = create_hub_app(hub_config(nodes, tmp_path, id="hub", deadline=DEADLINE))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub", timeout=30) as client:

                async def count() -> int:
                    body = {"query": {"requestedGranularity": "count"}}
                    return (await client.post("/api/individuals", json=body)).status_code

                for _ in range(6):  # bounded: six waves of 50 callers, each wave over in ~DEADLINE
                    statuses = await asyncio.gather(*(count() for _ in range(50)))
                    assert set(statuses) <= {200, 502, 503}  # 502: neither node answered in time
                await asyncio.sleep(2 * DEADLINE)  # the frozen node's exchanges end by their timeouts
                health = (await client.get("/api/nodes")).json()["nodes"]
                ok = (
                    await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})
                ).json()
    assert {n["id"]: n["status"] for n in health} == {"good": "ok", "slow": "timeout"}
    assert ok["responseSummary"] == {"exists": True, "numTotalResults": 7}
    assert ok["info"]["missingNodes"] == ["slow"]


async def test_a_caller_that_gives_up_leaves_the_exchange_to_finish_and_free_its_slot() -> None:
    release = asyncio.Event()

    async def exchange() -> str:
        await release.wait()
        return "late"

    async with httpx.AsyncClient() as client:
        links = NodeLinks.over(client, per_node=2)
        for _ in range(2):
            with pytest.raises(TimeoutError):
                await links.run("n", exchange, timeout=0.05)
        assert links.in_flight("n") == 2  # both still running, uncancelled
        with pytest.raises(Exception, match="connections to the node are busy"):
            await links.run("n", exchange, timeout=0.05)
        release.set()
        await links.aclose()
        assert links.in_flight("n") == 0
        assert await links.run("n", exchange, timeout=1.0) == "late"


async def test_a_caller_cancelled_while_waiting_for_a_slot_takes_none() -> None:
    release = asyncio.Event()

    async def exchange() -> str:
        await release.wait()
        return "done"

    async with httpx.AsyncClient() as client:
        links = NodeLinks.over(client, per_node=1)
        first = asyncio.create_task(links.run("n", exchange, timeout=5.0))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(links.run("n", exchange, timeout=5.0)) for _ in range(20)]
        await asyncio.sleep(0.01)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        release.set()
        assert await first == "done"
        assert links.in_flight("n") == 0
        assert await links.run("n", exchange, timeout=1.0) == "done"


def test_the_hub_lets_idle_connections_go_before_a_node_closes_them() -> None:
    """Otherwise a request can go out on a connection the node is closing, and read as "down"."""
    links = NodeLinks(lambda limits: httpx.AsyncClient(limits=limits), per_node=3)
    client = links.client("n")
    pool = client._transport._pool  # type: ignore[attr-defined]
    assert pool._keepalive_expiry < KEEP_ALIVE_SECONDS
    assert pool._max_connections == pool._max_keepalive_connections == 3
    assert links.client("n") is client


@contextmanager
def dripping_node(stop: threading.Event) -> Iterator[str]:
    """A node that answers with a status line, then one header line every 0.2 s, never finishing:
    each read arrives within any read timeout, so only the exchange's own cut-off ends it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def serve() -> None:
        with contextlib.suppress(OSError):
            while not stop.is_set():
                conn, _ = sock.accept()
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for i in range(600):  # bounded: 2 minutes at most
                if stop.wait(0.2):
                    return
                conn.sendall(b"x-drip-%d: 1\r\n" % i)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        sock.close()


async def test_a_node_that_drips_its_headers_frees_its_slot_soon_after_the_deadline(tmp_path: Path) -> None:
    stop = threading.Event()
    with dripping_node(stop) as url, fake_node("good") as good:
        app = create_hub_app(
            hub_config([entry("drip", url), entry("good", good)], tmp_path, deadline=DEADLINE)
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub", timeout=30) as client:
                reply = await client.post(
                    "/api/individuals", json={"query": {"requestedGranularity": "count"}}
                )
                links = app.state.hub.links
                for _ in range(100):  # bounded: 10 s, against a cut-off of DEADLINE + CUT_OFF_GRACE
                    if links.in_flight("drip") == 0:
                        break
                    await asyncio.sleep(0.1)
                left = links.in_flight("drip")
    assert reply.json()["info"]["missingNodes"] == ["drip"]
    assert left == 0


async def test_a_node_whose_reply_cannot_be_decoded_is_an_error_not_a_failed_network(tmp_path: Path) -> None:
    with fake_node("undecodable") as bad, fake_node("good") as good:
        app = create_hub_app(hub_config([entry("undecodable", bad), entry("good", good)], tmp_path))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub", timeout=30) as client:
                reply = await client.post(
                    "/api/individuals", json={"query": {"requestedGranularity": "count"}}
                )
    assert reply.status_code == 200
    nodes = {n["node"]: n for n in reply.json()["info"]["nodes"]}
    assert nodes["undecodable"]["status"] == "error"
    assert nodes["undecodable"]["detail"].startswith("DecodingError")
