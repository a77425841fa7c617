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

from pmbridge.client import HubClient
from pmbridge.demo import (
    DEMO_NODES,
    DEMO_ORGANISER,
    HUB_KEY_NAME,
    DemoPaths,
    Supervisor,
    build_demo,
    is_built,
    start_network,
)
from pmbridge.hub import load_broker_key
from pmbridge.signing import SignedRequests, load_signing_key
from tests.release import passport

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 400
NOISE = 30
"""Counts are noised (discrete Laplace, ε 1, per node): a draw beyond ±30 has odds of about e^-30."""
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


def count(  # type: ignore[type-arg]
    url: str, filters: list[dict[str, str]], auth: httpx.Auth | None = None, token: str | None = None
) -> dict:
    body = {"query": {"filters": filters, "requestedGranularity": "count"}}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    reply = httpx.post(f"{url}/api/individuals", json=body, timeout=30, auth=auth, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


def near(value: int, exact: int, *, parts: int = 1) -> bool:
    """Whether a released count is the exact one up to the noise of ``parts`` noised counts."""
    return abs(value - exact) <= NOISE * parts


def researcher(demo_root: Path, name: str) -> str:
    """A registered researcher's passport from the demo hub's broker key: the differencing guard
    and the noise cache are per researcher, so each test asks as its own."""
    return passport(name, country="IT", key=load_broker_key(demo_root / "hub-state"))


def as_hub(demo_root: Path, node: str) -> httpx.Auth:
    """Sign as the demo hub does: a node answers nothing else under /api."""
    key = load_signing_key(DemoPaths(demo_root).private_key(HUB_KEY_NAME))
    return SignedRequests(key, audience=node)


def test_every_node_holds_its_own_cohort(demo_root: Path, network: tuple[Supervisor, dict[str, str]]) -> None:
    _, urls = network
    for node in DEMO_NODES:
        assert is_built(DemoPaths(demo_root), node, size=SIZE)
        doc = count(urls[node.id], [], as_hub(demo_root, node.id))
        assert near(doc["responseSummary"]["numTotalResults"], SIZE)
        assert doc["response"]["resultSets"][0]["info"]["count"]["how"] == "noised"


@pytest.mark.parametrize("filters", QUERIES)
def test_a_count_through_the_hub_equals_the_sum_of_the_nodes_own_counts(
    demo_root: Path, network: tuple[Supervisor, dict[str, str]], filters: list[dict[str, str]]
) -> None:
    _, urls = network
    hub = count(urls["hub"], filters)
    own = {
        node.id: count(urls[node.id], filters, as_hub(demo_root, node.id))["responseSummary"][
            "numTotalResults"
        ]
        for node in DEMO_NODES
    }
    assert hub["responseSummary"]["numTotalResults"] == sum(own.values())
    assert {n["node"]: n["count"] for n in hub["info"]["nodes"]} == own
    assert hub["info"]["missingNodes"] == []


def test_the_eu_and_cn_cohorts_do_not_look_alike(
    demo_root: Path, network: tuple[Supervisor, dict[str, str]]
) -> None:
    _, urls = network

    token = researcher(demo_root, "cohort-watcher")  # anonymous has asked for women with any phenotype

    def total(node: str, filters: list[dict[str, str]]) -> int:
        doc = count(urls[node], filters, as_hub(demo_root, node), token)
        return int(doc["responseSummary"]["numTotalResults"])

    female = [{"id": "sex", "operator": "=", "value": "FEMALE"}]
    shares = {n.id: total(n.id, female) for n in DEMO_NODES}
    adults = [{"id": "age", "operator": ">=", "value": "18"}]
    adult = {n.id: total(n.id, adults) for n in DEMO_NODES}
    assert len(set(shares.values()) | set(adult.values())) > 2


def test_with_one_node_killed_the_hub_still_answers_and_names_it(
    network: tuple[Supervisor, dict[str, str]],
) -> None:
    supervisor, urls = network
    supervisor.stop("cn-shanghai", kill=True)
    hub = count(urls["hub"], [])
    assert hub["info"]["missingNodes"] == ["cn-shanghai"]
    assert near(hub["responseSummary"]["numTotalResults"], 2 * SIZE, parts=2)
    statuses = {n["node"]: n["status"] for n in hub["info"]["nodes"]}
    assert statuses == {"eu-rome": "ok", "eu-berlin": "ok", "cn-shanghai": "down"}
    nodes = httpx.get(f"{urls['hub']}/api/nodes", timeout=30).json()["nodes"]
    assert {n["id"]: n["health"] for n in nodes}["cn-shanghai"] == "down"
    assert {n["id"]: n["hpoRelease"] for n in nodes}["eu-rome"] == "2025-01-16"


def test_the_demo_command_reuses_its_data_and_stops_everything_on_ctrl_c(
    demo_root: Path, network: tuple[Supervisor, dict[str, str]]
) -> None:
    network[0].stop_all()  # each node writes its own audit log: one process per node folder
    keys = _files(DemoPaths(demo_root).keys_dir)  # signing keys, SuperNode keys, the local CA
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
        if line.startswith("Delphi:"):  # after the study is seeded
            break
    assert any(line.startswith("hub") for line in lines), "".join(lines)
    hub_url = next(line.split()[1] for line in lines if line.startswith("hub"))
    assert near(count(hub_url, [])["responseSummary"]["numTotalResults"], 3 * SIZE, parts=3)
    _the_demo_study_is_drafted_with_its_panel_invited(hub_url)
    pids = [json.loads(p.read_text())["pid"] for p in (demo_root / "run").glob("*.ready.json")]
    assert len(pids) == 4
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    for pid in pids:
        assert not _alive(pid), f"process {pid} survived Ctrl-C"
    assert {n.id: DemoPaths(demo_root).store(n).stat().st_mtime for n in DEMO_NODES} == stores
    assert _files(DemoPaths(demo_root).keys_dir) == keys  # reused, the TLS certificate too


def _the_demo_study_is_drafted_with_its_panel_invited(hub_url: str) -> None:
    with HubClient(hub_url, timeout=30.0) as anonymous:
        passport = anonymous.sign_in(str(DEMO_ORGANISER["id"])).passport
    with HubClient(hub_url, passport=passport, timeout=30.0) as hub:
        (listed,) = hub.studies().studies
        study = hub.study(str(listed["id"]))
        participation = hub.participation(study.id)
    assert study.state == "draft" and study.title["zh"].startswith("中欧基因组数据共享")
    assert [g["panellists"] for g in study.groups] == [4, 4, 4, 4] and len(study.items) == 4
    assert study.protocol["k"] == 3  # three of a group answering decide
    assert all(link["name"]["en"] != link["id"] for item in study.items for link in item["links"])
    assert len(participation.panellists) == 16


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that its parent has not reaped yet is not running.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()
