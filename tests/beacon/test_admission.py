"""Back-pressure: past the limit a service says 503 with Retry-After at once, health still answers,
and a request's deadline counts from its arrival."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from pmbridge.beacon import Admission, AdmissionGate, time_left

pytestmark = pytest.mark.anyio


def app_with(gate: AdmissionGate, release: asyncio.Event) -> FastAPI:
    app = FastAPI()

    @app.get("/api/slow")
    async def slow() -> dict[str, object]:
        await release.wait()
        return {"left": time_left()}

    @app.get("/health")
    def health() -> dict[str, object]:
        return gate.health()

    app.add_middleware(Admission, gate=gate, beacon_id="test")
    return app


async def test_past_the_limit_requests_are_turned_away_at_once_and_health_says_overloaded() -> None:
    gate = AdmissionGate(limit=2, deadline_seconds=5.0)
    release = asyncio.Event()
    transport = httpx.ASGITransport(app=app_with(gate, release))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        held = [asyncio.create_task(client.get("/api/slow")) for _ in range(2)]
        for _ in range(100):  # bounded: until both are in
            if gate.in_flight == 2:
                break
            await asyncio.sleep(0.01)
        turned = await client.get("/api/slow")
        health_reply = await client.get("/health")
        health = health_reply.json()
        release.set()
        admitted = await asyncio.gather(*held)
        after = (await client.get("/health")).json()
    assert turned.status_code == 503
    assert turned.headers["retry-after"] == "1"
    assert "overloaded: 2 requests are already in progress" in turned.json()["error"]["errorMessage"]
    assert health["status"] == "overloaded"
    assert health["load"] == {"inFlight": 2, "limit": 2, "peak": 2, "turnedAway": 1}
    assert [r.status_code for r in admitted] == [200, 200]
    assert all(0 < r.json()["left"] <= 5.0 for r in admitted)
    assert after["status"] == "up"
    assert after["load"]["inFlight"] == 0


async def test_a_request_that_fails_still_leaves_the_gate() -> None:
    gate = AdmissionGate(limit=1)
    app = FastAPI()

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    app.add_middleware(Admission, gate=gate, beacon_id="test")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        for _ in range(3):
            assert (await client.get("/api/boom")).status_code == 500
    assert gate.in_flight == 0
    assert gate.turned_away == 0


async def test_outside_a_request_there_is_no_deadline() -> None:
    assert time_left() is None


async def test_a_call_made_while_serving_an_admitted_request_takes_no_second_place() -> None:
    """The portal asks its own hub's API in process while serving a page: one place, one deadline."""
    gate = AdmissionGate(limit=1, deadline_seconds=5.0)
    app = FastAPI()

    @app.get("/page")
    async def page() -> dict[str, object]:
        outer = time_left()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as inner:
            reply = await inner.get("/api/inner")
        return {"outer": outer, "inner": reply.json(), "status": reply.status_code}

    @app.get("/api/inner")
    async def inner() -> dict[str, object]:
        return {"left": time_left(), "inFlight": gate.in_flight}

    app.add_middleware(Admission, gate=gate, beacon_id="test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        doc = (await client.get("/page")).json()
    assert doc["status"] == 200
    assert doc["inner"]["inFlight"] == 1
    assert doc["inner"]["left"] <= doc["outer"]  # the page's deadline, not a fresh one
