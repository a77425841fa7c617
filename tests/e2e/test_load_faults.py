"""Steady load while nodes fail: the demo network as real processes (three nodes and the hub,
signatures and passports on), asked by a few researchers at once, without pause, while one node is
killed and restarted and another is frozen (SIGSTOP) and resumed.

Throughout, the hub answers every request within its deadline (plus a generous allowance for a
loaded two-core machine: this bounds a hang, it does not measure speed), names the nodes missing
from each answer and marks the total partial without them; afterwards it reaches every node again
and every audit log (the hub's and each node's) verifies. Every loop is bounded in count and time.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from pmbridge.audit import verify_audit_log
from pmbridge.demo import DEMO_NODES, HUB_KEY_NAME, DemoPaths, Supervisor, build_demo
from pmbridge.signing import load_verifying_key
from tests.e2e.network import start_side_by_side

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 200
DEADLINE = 2.0
"""The hub's deadline for its nodes, in seconds."""
ALLOWANCE = 6.0
"""How much longer than the deadline a reply may take on a loaded machine before it counts as hung."""
CLIENTS = 4
PHASE = 3.0
"""Seconds of load in each phase."""
FAULT = 3 * DEADLINE
"""Seconds of load while a node is out: long enough for requests sent and answered inside it."""
MAX_REQUESTS = 2_000
"""A bound on the requests of the whole run."""
QUESTION = {
    "query": {"requestedGranularity": "count"},
    "filters": [{"id": "NCIT:C16576"}],  # female
}


@dataclass(frozen=True, slots=True)
class Outcome:
    phase: str  # when the request was sent
    ended: str  # when its reply came
    status: int
    seconds: float
    missing: tuple[str, ...]
    partial: bool | None
    error: str = ""


@pytest.fixture(scope="module")
def network(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DemoPaths, Supervisor, dict[str, str]]]:
    paths = DemoPaths(tmp_path_factory.mktemp("load"))
    build_demo(paths, size=SIZE, workers=1, say=lambda _: None)
    with Supervisor(paths.root / "run") as supervisor:
        yield paths, supervisor, start_side_by_side(supervisor, paths, hub_deadline=DEADLINE)


class Load:
    """``CLIENTS`` threads asking the hub the same count without pause until stopped."""

    def __init__(self, hub: str, headers: dict[str, str]) -> None:
        self.hub, self.headers = hub, headers
        self.phase = "steady"
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=DEADLINE + ALLOWANCE + 5)

    def _run(self) -> None:
        with httpx.Client(timeout=DEADLINE + ALLOWANCE + 5) as client:
            while not self._stop.is_set() and len(self.outcomes) < MAX_REQUESTS:
                phase, started = self.phase, time.monotonic()
                reply = client.post(f"{self.hub}/api/individuals", json=QUESTION, headers=self.headers)
                seconds = time.monotonic() - started
                info = reply.json().get("info", {}) if reply.status_code == 200 else {}
                total = info.get("total") or {}
                outcome = Outcome(
                    phase,
                    self.phase,
                    reply.status_code,
                    seconds,
                    tuple(info.get("missingNodes", ())),
                    total.get("partial"),
                )
                with self._lock:
                    self.outcomes.append(outcome)

    def hold(self, phase: str, seconds: float = PHASE) -> None:
        self.phase = phase
        time.sleep(seconds)


def sign_in(hub: str) -> dict[str, str]:
    reply = httpx.post(f"{hub}/api/auth/token", json={"user": "eu-researcher"}, timeout=30)
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['passport']}"}


def settled(urls: dict[str, str]) -> None:
    """Wait until every node has built its matching index (it takes the CPU while it builds; bounded:
    60 tries, about 60 s)."""
    for _ in range(60):
        states = {httpx.get(f"{urls[n.id]}/health", timeout=30).json()["matchIndex"] for n in DEMO_NODES}
        if states == {"ready"}:
            return
        time.sleep(1)


def all_nodes_up(hub: str) -> dict[str, str]:
    """The nodes' health, asked until all are up (bounded: 30 tries, about 30 s)."""
    health: dict[str, str] = {}
    for _ in range(30):
        nodes = httpx.get(f"{hub}/api/nodes", timeout=30).json()["nodes"]
        health = {n["id"]: n["health"] for n in nodes}
        if set(health.values()) <= {"up", "slow"}:
            break
        time.sleep(1)
    return health


def test_under_steady_load_the_hub_rides_out_a_killed_and_a_frozen_node(
    network: tuple[DemoPaths, Supervisor, dict[str, str]],
) -> None:
    paths, supervisor, urls = network
    hub = urls["hub"]
    killed, frozen = DEMO_NODES[0].id, DEMO_NODES[1].id
    port = urlsplit(urls[killed]).port
    assert port is not None
    settled(urls)
    with Load(hub, sign_in(hub)) as load:
        load.hold("steady")
        supervisor.stop(killed, kill=True)
        load.hold("killed", FAULT)
        config = paths.node_config(DEMO_NODES[0])
        load.phase = "restarting"  # the node may answer as soon as it listens
        supervisor.start(killed, ["node", "serve", "--config", str(config)], port=port)
        load.hold("restarted")
        pid = supervisor.services[frozen].process.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            load.hold("frozen", FAULT)
        finally:
            load.phase = "resuming"  # replies already on their way may still count the node out
            os.kill(pid, signal.SIGCONT)
        load.hold("resumed")
    outcomes = load.outcomes
    assert len(outcomes) > 10
    assert {o.status for o in outcomes} == {200}, [o for o in outcomes if o.status != 200][:5]
    slowest = max(o.seconds for o in outcomes)
    assert slowest < DEADLINE + ALLOWANCE, f"a reply took {slowest:.1f} s"
    for phase, node in (("killed", killed), ("frozen", frozen)):
        during = [o for o in outcomes if o.phase == o.ended == phase]  # wholly inside the phase
        assert during, f"no request in the {phase} phase"
        unnamed = [o for o in during if node not in o.missing]
        assert unnamed == [], f"{node} not named as missing while {phase}"
        assert all(o.partial is True for o in during)
    assert all(o.partial is False for o in outcomes if not o.missing)
    assert set(all_nodes_up(hub).values()) <= {"up", "slow"}
    last = httpx.post(f"{hub}/api/individuals", json=QUESTION, headers=sign_in(hub), timeout=30).json()
    assert last["info"]["missingNodes"] == []


def test_every_audit_log_verifies_after_the_faults(
    network: tuple[DemoPaths, Supervisor, dict[str, str]],
) -> None:
    keys = [load_verifying_key(paths_key) for paths_key in _public_keys(network[0])]
    logs = sorted(network[0].root.rglob("audit.jsonl"))
    assert len(logs) == len(DEMO_NODES) + 1  # every node's and the hub's
    for log in logs:
        report = verify_audit_log(log, keys=keys)
        assert report.ok, f"{log}: {report}"


def _public_keys(paths: DemoPaths) -> list[Path]:
    return [paths.public_key(node.id) for node in DEMO_NODES] + [paths.public_key(HUB_KEY_NAME)]
