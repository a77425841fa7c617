"""The portal tests' network (two real in-process nodes, one down) behind a hub whose Rome node lists
a steward, for the client's and the CLI's access-request tests; and a thread that serves that hub
to blocking code (``HubClient``, the CLI) as if over HTTP.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import Future
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from pmbridge.access import Language
from pmbridge.hub import HubReleaseSettings, NodeEntry, Steward
from pmbridge.network_app import create_network_app
from pmbridge.node import NodeContext
from pmbridge.policy import DEMO_ISSUER
from tests.portal import network
from tests.trust import hub_config, node_public_key

STEWARD = "kb-steward"  # a demo user; here the steward of eu-rome
STEWARDS = {"eu-rome": (Steward(STEWARD, "Chen Jing", None, Language.EN, DEMO_ISSUER),)}


@asynccontextmanager
async def access_hub(contexts: Mapping[str, NodeContext], root: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a hub over the test nodes, ``eu-rome`` stewarded by :data:`STEWARD`."""
    entries = [
        NodeEntry(
            n,
            f"http://{n}",
            where,
            country,
            name,
            public_key=node_public_key(contexts, n),
            stewards=STEWARDS.get(n, ()),
        )
        for n, where, country, name in network.REGISTRY
    ]
    release = HubReleaseSettings(demo_broker=True)
    config = hub_config(entries, root, name="Test network", deadline=30.0, release=release)
    app = create_network_app(config, transport=network.Nodes(contexts))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        yield client


class HubThread(httpx.BaseTransport):
    """Serves :func:`access_hub` on an event loop in its own thread; as a blocking transport, it
    sends each request there and waits for the answer."""

    def __init__(self, contexts: Mapping[str, NodeContext], root: Path) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self._served: Future[None] = asyncio.run_coroutine_threadsafe(self._serve(contexts, root), self._loop)
        if not self._ready.wait(timeout=60):
            self._served.result(timeout=1)  # its error, if it failed to start
            raise TimeoutError("the hub did not start")

    async def _serve(self, contexts: Mapping[str, NodeContext], root: Path) -> None:
        self._stop = asyncio.Event()
        async with access_hub(contexts, root) as client:
            self._client = client
            self._ready.set()
            await self._stop.wait()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def send() -> httpx.Response:
            assert self._client is not None
            sent = self._client.build_request(
                request.method, request.url.path, params=request.url.params, content=content
            )
            sent.headers.update({k: v for k, v in request.headers.items() if k != "host"})
            answer = await self._client.send(sent)
            body = await answer.aread()
            return httpx.Response(answer.status_code, headers=answer.headers, content=body)

        return asyncio.run_coroutine_threadsafe(send(), self._loop).result(timeout=120)

    def close(self) -> None:
        """A client that closes its transport leaves the hub serving (see :meth:`stop`)."""

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._served.result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
