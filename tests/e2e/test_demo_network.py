"""The demo network as real processes: three nodes and a hub on 127.0.0.1 with ephemeral ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pmbridge.demo import DEMO_NODES, DemoPaths, Supervisor, build_demo, is_built, start_network

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 400
QUERIES = [
    [],
    [{"id": "HP:0000707"}],  # abnormality of the nervous system, with descendants
    [{"id": "HP:0000118"}, {"id": "sex", "operator": "=", "value": "FEMALE"}],
    [{"id": "age", "operator": "<", "value": "18"}],
]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    build_demo(DemoPaths(root), size=SIZE, workers=1, say=lambda _: None)
    return root


@pytest.fixture(scope="module")
def network(demo_root: Path) -> Iterator[tuple[Supervisor, dict[str, str]]]:
    with Supervisor(demo_root / "run-tests") as supervisor:
        yield supervisor, start_network(supervisor, DemoPaths(demo_root))


def count(url: str, filters: list[dict[str, str]]) -> dict:  # type: ignore[type-arg]
    body = {"query": {"filters": filters, "requestedGranularity": "count"}}
    reply = httpx.post(f"{url}/api/individuals", json=body, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_every_node_holds_its_own_cohort(demo_root: Path, network: tuple[Supervisor, dict[str, str]]) -> None:
    _, urls = network
    for node in DEMO_NODES:
        assert is_built(DemoPaths(demo_root), node, size=SIZE)
        doc = count(urls[node.id], [])
        assert doc["responseSummary"]["numTotalResults"] == SIZE


@pytest.mark.parametrize("filters", QUERIES)
def test_a_count_through_the_hub_equals_the_sum_of_the_nodes_own_counts(
    network: tuple[Supervisor, dict[str, str]], filters: list[dict[str, str]]
) -> None:
    _, urls = network
    hub = count(urls["hub"], filters)
    own = {
        node.id: count(urls[node.id], filters)["responseSummary"]["numTotalResults"] for node in DEMO_NODES
    }
    assert hub["responseSummary"]["numTotalResults"] == sum(own.values())
    assert {n["node"]: n["count"] for n in hub["info"]["nodes"]} == own
    assert hub["info"]["missingNodes"] == []


def test_the_eu_and_cn_cohorts_do_not_look_alike(network: tuple[Supervisor, dict[str, str]]) -> None:
    _, urls = network
    female = [{"id": "sex", "operator": "=", "value": "FEMALE"}]
    shares = {n.id: count(urls[n.id], female)["responseSummary"]["numTotalResults"] for n in DEMO_NODES}
    adults = [{"id": "age", "operator": ">=", "value": "18"}]
    adult = {n.id: count(urls[n.id], adults)["responseSummary"]["numTotalResults"] for n in DEMO_NODES}
    assert len(set(shares.values()) | set(adult.values())) > 2


def test_with_one_node_killed_the_hub_still_answers_and_names_it(
    network: tuple[Supervisor, dict[str, str]],
) -> None:
    supervisor, urls = network
    supervisor.stop("cn-shanghai", kill=True)
    hub = count(urls["hub"], [])
    assert hub["info"]["missingNodes"] == ["cn-shanghai"]
    assert hub["responseSummary"]["numTotalResults"] == 2 * SIZE
    statuses = {n["node"]: n["status"] for n in hub["info"]["nodes"]}
    assert statuses == {"eu-rome": "ok", "eu-berlin": "ok", "cn-shanghai": "down"}
    nodes = httpx.get(f"{urls['hub']}/api/nodes", timeout=30).json()["nodes"]
    assert {n["id"]: n["health"] for n in nodes}["cn-shanghai"] == "down"
    assert {n["id"]: n["hpoRelease"] for n in nodes}["eu-rome"] == "2025-01-16"


def test_the_demo_command_reuses_its_data_and_stops_everything_on_ctrl_c(demo_root: Path) -> None:
    stores = {n.id: DemoPaths(demo_root).store(n).stat().st_mtime for n in DEMO_NODES}
    command = [sys.executable, "-m", "pmbridge", "demo", "--dir", str(demo_root), "--size", str(SIZE)]
    command += ["--hub-port", "0", "--node-port-base", "0", "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Try:"):
            break
    assert any(line.startswith("hub") for line in lines), "".join(lines)
    hub_url = next(line.split()[1] for line in lines if line.startswith("hub"))
    assert count(hub_url, [])["responseSummary"]["numTotalResults"] == 3 * SIZE
    pids = [json.loads(p.read_text())["pid"] for p in (demo_root / "run").glob("*.ready.json")]
    assert len(pids) == 4
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    for pid in pids:
        assert not _alive(pid), f"process {pid} survived Ctrl-C"
    assert {n.id: DemoPaths(demo_root).store(n).stat().st_mtime for n in DEMO_NODES} == stores


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that its parent has not reaped yet is not running.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()
