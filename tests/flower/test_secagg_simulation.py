"""Secure aggregation on Flower's own simulation runtime: a training with SecAgg+ on ends with the
model the same training has with it off, to quantisation error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flwr.app import Context
from flwr.simulation import run_simulation

from pmbridge.flower import _wire as w
from pmbridge.flower._client_app import make_client_app
from pmbridge.flower._node_round import NodeData
from pmbridge.flower._progress import read_lines
from pmbridge.flower._server_app import make_server_app
from pmbridge.learning import TrainingSpec, parse_training, spec_to_wire
from tests.flower.test_secagg import BINARY, node_data

NODES = {"rome": 120, "lyon": 80, "kiel": 200}


def simulate(spec: TrainingSpec, work: Path, name: str) -> tuple[np.ndarray, list[dict[str, Any]]]:
    fixed = {
        w.SPEC: json.dumps(spec_to_wire(spec)),
        w.RUN_DIGEST: "run-1",
        w.PROGRESS_PATH: str(work / f"{name}-progress.jsonl"),
        w.RESULT_PATH: str(work / f"{name}-result.jsonl"),
        w.MIN_NODES: len(NODES),
        w.CONNECT_TIMEOUT: 120.0,
        w.ROUND_TIMEOUT: 120.0,
    }
    data = {i: node_data(spec, name, n) for i, (name, n) in enumerate(NODES.items())}

    def load(context: Context, _spec: TrainingSpec) -> NodeData:
        return data[int(context.node_config["partition-id"])]

    run_simulation(
        server_app=make_server_app(fixed=fixed),
        client_app=make_client_app(load, fixed=fixed),
        num_supernodes=len(NODES),
        backend_config={
            "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
            "init_args": {"logging_level": "ERROR"},
        },
    )
    result = read_lines(work / f"{name}-result.jsonl")[-1]
    return np.asarray(result["model"]["array"]), read_lines(work / f"{name}-progress.jsonl")


@pytest.mark.slow  # two runs on ray: about a minute alone, three on a loaded two-core machine
def test_a_secure_simulation_ends_with_the_plain_simulation_s_model(tmp_path: Path) -> None:
    plain, _ = simulate(parse_training(BINARY), tmp_path, "plain")
    secure, progress = simulate(parse_training({**BINARY, "secure_aggregation": True}), tmp_path, "secure")
    rounds = [row for row in progress if row.get("event") == "round"]
    assert len(rounds) == BINARY["rounds"] and all(row["trained"] == len(NODES) for row in rounds), rounds
    np.testing.assert_allclose(secure, plain, atol=0.01)
