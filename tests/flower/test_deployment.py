"""Federated learning end to end on Flower's deployment runtime: the hub's API starts a training under
its signed grant on a real SuperLink; three SuperNodes (each with its pinned runner) run the nodes'
own ClientApp over real stores and ledgers. An EU researcher's training with a genetic feature is
refused by the CN node under X4 and trained by the others; the hub's record shows every round per
node. The same app with one field changed (another hash) is refused by every node, which never runs
it, and no other local process can take a node's tasks. The SuperLink serves TLS and admits only the
SuperNodes whose keys the hub registered: an unregistered or plain-HTTP SuperNode never joins."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import tomli_w
from flwr.proto.runtime_pb2 import AcquireTaskRequest
from flwr.supercore.constant import TaskType
from flwr.supercore.interceptors import RuntimeVersionHttpInterceptor
from flwr.supercore.runtime import RuntimeHttpClient

from pmbridge.flower import (
    TRAININGS_FILE,
    ControlLink,
    Service,
    SuperLink,
    TrainingRecord,
    build_bundle,
    pmbridge_bundle,
    register_nodes,
    start_run,
    start_superlink,
    start_supernode,
    stop_all,
    wait_for_run,
)
from pmbridge.flower._processes import flower_env
from pmbridge.hub import HubConfig, HubLearningSettings, NodeEntry
from pmbridge.model import Jurisdiction
from pmbridge.signing import ServerCertificate, local_certificates, new_supernode_key, parse_supernode_key
from tests.flower.apps import modified_app
from tests.flower.cohort import SEIZURE, write_store
from tests.hub.lone_hub import lone_hub
from tests.trust import node_key, trusted

NODES = {"rome": ("EU", "IT"), "lyon": ("EU", "FR"), "graz": ("EU", "AT"), "shanghai": ("CN", "CN")}
CN_ROUTE = {"cn_export_route": "standard_contract", "pipia_ref": "PIPIA-1", "separate_consent": True}
REQUEST = {
    "task": "binary",
    "features": ["age", "male", "tat"],
    "label": "seizure",
    "variables": {"seizure": {"phenotype": SEIZURE}, "tat": {"gene": "TAT"}},
    "rounds": 3,
    "learning_rate": 2.0,
}
RUN_SECONDS = 240.0
pytestmark = [pytest.mark.timeout(900), pytest.mark.anyio]


@dataclass(frozen=True)
class Federation:
    superlink: SuperLink
    services: list[Service]
    work: Path
    entries: tuple[NodeEntry, ...]
    tls: ServerCertificate

    @property
    def control(self) -> ControlLink:
        return ControlLink(self.superlink.control, self.tls.ca)

    def hub(self, config: HubConfig) -> HubConfig:
        settings = HubLearningSettings(
            enabled=True,
            control=self.superlink.control,
            root_certificates=str(self.tls.ca),
            round_timeout_seconds=60.0,
        )
        return dataclasses.replace(config, nodes=self.entries, learning=settings)


def node_toml(root: Path, name: str, seed: int) -> Path:
    jurisdiction, country = NODES[name]
    write_store(root / "store.duckdb", seed=seed, n=150)
    doc: dict[str, Any] = {
        "node": {"id": name, "name": name.title(), "jurisdiction": jurisdiction, "country": country,
                 "store": "store.duckdb"},
        "datasets": [{"id": "ds-train", "name": "Training data", "release": {"registered": "count"}}],
        "learning": {"enabled": True},
    }  # fmt: skip
    if jurisdiction == "CN":
        doc["policy"] = CN_ROUTE
    path = root / "node.toml"
    path.write_text(tomli_w.dumps(trusted(doc, root)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    work = tmp_path_factory.mktemp("federation")
    env = flower_env(work / "flwr-home")
    services: list[Service] = []
    entries = []
    tls = local_certificates(work / "tls")
    try:
        superlink = start_superlink(work, env=env, tls=tls)  # HTTPS; registered SuperNodes only
        services.append(superlink.service)
        for name, (jurisdiction, country) in NODES.items():
            root = work / name
            root.mkdir()
            key = node_key(root, name).verifying_key
            flower_key = parse_supernode_key(new_supernode_key(root / "supernode.key"), where=name)
            entry = NodeEntry(name, "http://127.0.0.1:9", Jurisdiction(jurisdiction), country, public_key=key)
            entries.append(dataclasses.replace(entry, flower_key=flower_key))
        # The hub registers its registry's keys (at its start and per training); then the nodes join.
        register_nodes(
            ControlLink(superlink.control, tls.ca), {e.id: e.flower_key for e in entries if e.flower_key}
        )
        for seed, name in enumerate(NODES):
            root = work / name
            node_config = {"name": name, "pmbridge-config": str(node_toml(root, name, seed))}
            services += start_supernode(
                work, name=name, superlink=superlink.fleet, node_config=node_config, allow=[], env=env,
                root_certificates=str(tls.ca), auth_key=root / "supernode.key",
            )  # fmt: skip
        yield Federation(superlink, services, work, tuple(entries), tls)
    finally:
        stop_all(services)


async def _finished(client: httpx.AsyncClient, training_id: str, auth: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        training: dict[str, Any] = (
            await client.get(f"/api/learning/trainings/{training_id}", headers=auth)
        ).json()
        if training["state"] in ("finished", "failed"):
            return training
        await anyio.sleep(0.5)
    raise AssertionError(f"training {training_id} did not finish within {RUN_SECONDS} s")


async def test_a_training_started_at_the_hub_runs_on_the_nodes_that_admit_it(
    federation: Federation, tmp_path: Path
) -> None:
    async with lone_hub(tmp_path, federation.hub) as hub:
        token = (await hub.client.post("/api/auth/token", json={"user": "eu-researcher"})).json()["passport"]
        auth = {"authorization": f"Bearer {token}"}
        started = await hub.client.post("/api/learning/trainings", json=REQUEST, headers=auth)
        assert started.status_code == 201, started.text
        training = await _finished(hub.client, started.json()["id"], auth)
    assert training["state"] == "finished", (training["detail"], federation.superlink.service.tail())
    trained = [r for r in training["rounds"] if r["stage"] == "train"]
    by_node = {(r["round"], r["node"]): r for r in trained}
    for round_ in (1, 2, 3):
        assert {by_node[(round_, n)]["status"] for n in ("rome", "lyon", "graz")} == {"ok"}
        refused = by_node[(round_, "shanghai")]
        assert refused["status"] == "refused" and refused["metrics"]["rule"] == "X4"
        assert by_node[(round_, None)]["metrics"]["trained"] == 3  # the hub's minimum of 3 contributors
    assert training["model"]["kind"] == "logistic" and len(training["model"]["array"]) == 4
    assert 0.0 <= training["metrics"]["auroc"] <= 1.0
    for bin_ in training["metrics"]["calibration"]:
        assert bin_[2] >= 5  # every released bin holds at least min_count people
    for name in ("rome", "lyon", "graz"):  # each admitting node keeps its ledger beside its store
        assert (federation.work / name / "privacy.sqlite").exists()


def test_a_modified_app_is_refused_by_every_node(federation: Federation, tmp_path: Path) -> None:
    foreign = build_bundle(modified_app(tmp_path, name="pmbridge-learning-custom"))
    assert foreign.sha256 != pmbridge_bundle().sha256
    record = TrainingRecord(tmp_path / TRAININGS_FILE)
    record.create(id="foreign", researcher="r", issuer="i", purpose="research", spec={}, nodes=tuple(NODES),
                  now=datetime.now(UTC))  # fmt: skip
    config = {"training": "foreign", "record": str(record.path), "spec": _spec_json(), "grant": "not-checked",
              "expected-nodes": len(NODES), "connect-timeout": 60.0, "round-timeout": 60.0}  # fmt: skip
    run_id = start_run(federation.control, config, bundle=foreign)
    wait_for_run(federation.control, run_id, seconds=RUN_SECONDS)
    rows = [r for r in record.get("foreign").rounds if r.node and r.stage == "train"]
    assert len(rows) == len(NODES)  # a node that refuses never ran the app, so it never named itself
    for row in rows:
        assert row.status == "failed"
        assert "refused by rule app_pin" in row.metrics["reason"] and foreign.sha256 in row.metrics["reason"]
    for name in NODES:
        log = (federation.work / f"{name}-runner.log").read_text()
        assert "refused a run" in log and foreign.sha256 in log


def test_no_other_local_process_can_take_a_node_s_tasks(federation: Federation) -> None:
    """Flower's own flwr-clientapp (or anything else on the machine) cannot acquire a task and run a
    FAB in the runner's place: AcquireTask needs the SuperNode's SuperExec auth secret."""
    node = next(s for s in federation.services if s.name == "rome")
    argv = [str(a) for a in node.process.args]  # type: ignore[union-attr]
    address = f"127.0.0.1:{argv[argv.index('--port') + 1]}"
    client = RuntimeHttpClient.from_server_address(
        server_address=address,
        insecure=True,
        root_certificates=None,
        interceptors=[RuntimeVersionHttpInterceptor(component_name="SuperExec")],
    )
    try:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            client.AcquireTask(AcquireTaskRequest(supported_task_types=[TaskType.CLIENT_APP]))
    finally:
        client.close()
    assert refused.value.response.status_code == 401  # Flower: RUNTIME_AUTHENTICATION_FAILED


def test_only_registered_supernodes_over_tls_join(federation: Federation, tmp_path: Path) -> None:
    """A SuperNode whose key the hub never registered, and one that will not speak TLS, give up
    without joining; the registered nodes stay the SuperLink's only nodes."""
    env = flower_env(tmp_path / "flwr-home")
    new_supernode_key(tmp_path / "stranger.key")
    config = {"name": "rome", "pmbridge-config": "/nonexistent"}  # claims to be a registered node
    stranger = start_supernode(
        tmp_path, name="stranger", superlink=federation.superlink.fleet, node_config=config, allow=[],
        env=env,
        root_certificates=str(federation.tls.ca), auth_key=tmp_path / "stranger.key", max_wait=5.0,
    )  # fmt: skip
    plain = start_supernode(
        tmp_path, name="plain", superlink=federation.superlink.fleet, node_config=config, allow=[], env=env,
        max_wait=5.0,
    )  # fmt: skip
    try:
        for node in (stranger[0], plain[0]):
            assert node.process.wait(timeout=60) != 0, node.tail()
    finally:
        stop_all([*stranger, *plain])
    known = register_nodes(
        federation.control, {e.id: e.flower_key for e in federation.entries if e.flower_key}
    )
    assert sorted(known.values()) == sorted(NODES)
    assert "Exit Code: 305" in stranger[0].tail()  # Flower: the SuperLink refused the unregistered key


def _spec_json() -> str:
    import json

    from pmbridge.learning import parse_training, spec_to_wire

    return json.dumps(spec_to_wire(parse_training({**REQUEST, "rounds": 1})))
