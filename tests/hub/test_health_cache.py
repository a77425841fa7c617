"""The hub's node-health cache: one probe per node however many ask, a reading kept for its period,
callers that each wait only their own time, and probes that, lost, never hang anyone or stick."""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.hub import NodeEntry, create_hub_app
from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._health import HealthCache
from pmbridge.model import Jurisdiction
from tests.hub.fake_nodes import fake_node
from tests.hub.scripted_nodes import ScriptedNodes
from tests.hub.test_fanout_faults import entry
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

NODE = NodeEntry("n1", "http://n1", Jurisdiction.EU, "IT")


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


class Probes:
    """A probe whose every call waits for ``gate`` (set: answer at once), counted."""

    def __init__(self, status: NodeStatus = NodeStatus.OK) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.status = status

    async def __call__(self, node: NodeEntry) -> NodeReply:
        self.calls += 1
        await self.gate.wait()
        return NodeReply(node, self.status, 1.0, body={"status": "up"})


async def test_many_callers_share_one_probe_and_the_reading_is_kept_for_its_period() -> None:
    clock, probes = Clock(), Probes()
    probes.gate.clear()
    heard: list[str] = []
    cache = HealthCache(probes, max_age=10.0, clock=clock, on_reading=lambda n, _: heard.append(n))
    readers = [asyncio.create_task(cache.read(NODE, within=5.0)) for _ in range(50)]
    await asyncio.sleep(0)
    probes.gate.set()
    readings = await asyncio.gather(*readers)
    assert probes.calls == 1 and heard == ["n1"]
    assert {r.reply.status for r in readings} == {NodeStatus.OK} and all(r.kept for r in readings)
    clock.now = 9.9
    assert (await cache.read(NODE, within=5.0)).age(clock.now) == pytest.approx(9.9)
    assert probes.calls == 1
    clock.now = 10.5
    await cache.read(NODE, within=5.0)
    assert probes.calls == 2


async def test_with_no_cache_each_caller_after_the_last_probe_asks_again() -> None:
    probes = Probes()
    cache = HealthCache(probes, max_age=0.0, clock=Clock())
    await cache.read(NODE, within=1.0)
    await cache.read(NODE, within=1.0)
    assert probes.calls == 2
    probes.gate.clear()
    together = [asyncio.create_task(cache.read(NODE, within=1.0)) for _ in range(10)]
    await asyncio.sleep(0)
    probes.gate.set()
    await asyncio.gather(*together)
    assert probes.calls == 3  # callers at the same moment still share one


async def test_a_caller_that_cannot_wait_gets_a_timeout_and_the_probe_runs_on_and_is_kept() -> None:
    probes = Probes()
    probes.gate.clear()
    cache = HealthCache(probes, max_age=10.0, clock=Clock())
    hurried = await cache.read(NODE, within=0.01)
    assert hurried.reply.status is NodeStatus.TIMEOUT and not hurried.kept
    assert hurried.reply.detail == "no reply within 0 s"
    patient = asyncio.create_task(cache.read(NODE, within=5.0))
    impatient = asyncio.create_task(cache.read(NODE, within=5.0))
    await asyncio.sleep(0)
    impatient.cancel()  # a caller that goes away does not take the probe with it
    await asyncio.sleep(0)
    probes.gate.set()
    assert (await patient).reply.status is NodeStatus.OK
    assert probes.calls == 1
    assert cache.fresh("n1") is not None


async def test_a_check_newer_than_a_moment_starts_a_probe_even_with_a_reading_kept() -> None:
    clock, probes = Clock(), Probes()
    cache = HealthCache(probes, max_age=10.0, clock=clock)
    await cache.read(NODE, within=1.0)
    clock.now = 2.0
    assert cache.refresh(NODE) is None  # kept, and young enough
    task = cache.refresh(NODE, newer_than=1.0)
    assert task is not None
    assert cache.refresh(NODE, newer_than=1.5) is task  # the one under way started late enough
    reading = await task
    assert reading.started == 2.0 and probes.calls == 2


async def test_a_request_that_sees_otherwise_retires_the_kept_reading() -> None:
    probes = Probes()
    cache = HealthCache(probes, max_age=60.0, clock=Clock())
    await cache.read(NODE, within=1.0)
    cache.heard_from("n1", NodeStatus.REFUSED)  # an answer, as the reading said: kept
    cache.heard_from("n1", NodeStatus.TIMEOUT)  # one slow question says nothing of its health
    assert cache.fresh("n1") is not None
    cache.heard_from("n1", NodeStatus.DOWN)
    assert cache.fresh("n1") is None
    await cache.read(NODE, within=1.0)
    assert probes.calls == 2


async def test_the_node_list_never_says_up_for_a_node_a_request_just_found_down(tmp_path: Path) -> None:
    with ExitStack() as stack:
        nodes = [entry("good", stack.enter_context(fake_node("good")))]
        config = dataclasses.replace(hub_config(nodes, tmp_path, id="hub"), health_cache_seconds=600.0)
        app = create_hub_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            before = (await client.get("/api/nodes")).json()["nodes"]
            stack.close()  # the node stops
            count = await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})
            after = (await client.get("/api/nodes")).json()["nodes"]
    assert [n["health"] for n in before] == ["up"]
    assert count.status_code == 502 and "good: down" in count.json()["error"]["errorMessage"]
    assert [n["health"] for n in after] == ["down"]


async def test_a_probe_does_not_inherit_the_deadline_of_the_request_that_started_it() -> None:
    from pmbridge.beacon import time_left

    seen: list[float | None] = []

    async def probe(node: NodeEntry) -> NodeReply:
        seen.append(time_left())
        return NodeReply(node, NodeStatus.OK, 1.0)

    from pmbridge.beacon._admission import _DEADLINE

    token = _DEADLINE.set(asyncio.get_running_loop().time() + 0.05)
    try:
        await HealthCache(probe, max_age=1.0).read(NODE, within=1.0)
    finally:
        _DEADLINE.reset(token)
    assert seen == [None]  # the whole health deadline, not what the caller had left


Outcome = str  # "ok", "crash", "cancel", "hang"


@settings(max_examples=60, deadline=None)
@given(
    rounds=st.lists(
        st.tuples(st.sampled_from(["ok", "crash", "cancel", "hang"]), st.integers(1, 6)), max_size=8
    )
)
def test_a_lost_probe_never_hangs_its_callers_nor_sticks_in_the_cache(
    rounds: list[tuple[Outcome, int]],
) -> None:
    asyncio.run(_lost_probes(rounds))


async def _lost_probes(rounds: list[tuple[Outcome, int]]) -> None:
    clock = Clock()
    plan: list[Outcome] = []
    hung: list[asyncio.Event] = []

    async def probe(node: NodeEntry) -> NodeReply:
        what = plan.pop(0)
        if what == "crash":
            raise RuntimeError("probe crashed")
        if what == "cancel":
            asyncio.current_task().cancel()  # type: ignore[union-attr]
            await asyncio.sleep(0)
        if what == "hang":
            stuck = asyncio.Event()
            hung.append(stuck)
            await stuck.wait()
        return NodeReply(node, NodeStatus.OK, 1.0)

    cache = HealthCache(probe, max_age=5.0, clock=clock)
    for what, callers in rounds:
        clock.now += 10  # every round finds the last reading aged out
        plan.append(what)
        readers = [cache.read(NODE, within=0.05) for _ in range(callers)]
        readings = await asyncio.wait_for(asyncio.gather(*readers), timeout=30)  # none waits forever
        statuses = {r.reply.status for r in readings}
        kept = cache.fresh("n1")
        if what == "ok":
            assert statuses == {NodeStatus.OK} and kept is not None and kept.reply.status is NodeStatus.OK
        else:
            assert NodeStatus.OK not in statuses and all(not r.kept for r in readings)
            assert kept is None  # nothing lost is kept as a reading
        for stuck in hung:  # a hung probe comes back later; the next round must not join it
            stuck.set()
        hung.clear()
        await asyncio.sleep(0)
    await cache.aclose()


async def test_fifty_concurrent_node_lists_cost_each_node_one_health_check(tmp_path: Path) -> None:
    """The route: 50 callers of ``/api/nodes`` at once, then 50 more within the cache period: each
    node receives one ``GET /health``, and every reply says how old its reading is."""
    names = [f"n{i}" for i in range(5)]
    nodes = CountingNodes(names)
    for name in names:
        nodes.bodies[(name, "/health")] = {"status": "up", "datasets": [f"{name}-ds"]}
    entries = [
        NodeEntry(n, f"http://{n}", Jurisdiction.EU, "IT", public_key=nodes.keys[n].verifying_key)
        for n in names
    ]
    config = dataclasses.replace(hub_config(entries, tmp_path, id="hub"), health_cache_seconds=60.0)
    app = create_hub_app(config, transport=nodes)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        first = await asyncio.gather(*(client.get("/api/nodes") for _ in range(50)))
        second = await asyncio.gather(*(client.get("/api/nodes") for _ in range(50)))
    assert {r.status_code for r in [*first, *second]} == {200}
    assert nodes.health_checks == dict.fromkeys(names, 1)
    listed = second[-1].json()["nodes"]
    assert {n["id"]: n["health"] for n in listed} == dict.fromkeys(names, "up")
    assert all(isinstance(n["checkedSecondsAgo"], float) and n["checkedSecondsAgo"] >= 0 for n in listed)
    assert {n["breaker"]["state"] for n in listed} == {"closed"}


class CountingNodes(ScriptedNodes):
    """Scripted nodes that count the ``/health`` requests each receives."""

    def __init__(self, nodes: list[str]) -> None:
        super().__init__(nodes)
        self.health_checks: dict[str, int] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            host = request.url.host
            self.health_checks[host] = self.health_checks.get(host, 0) + 1
        return await super().handle_async_request(request)
