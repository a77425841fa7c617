"""Secure aggregation on Flower's deployment runtime: the hub's API starts a training with
``secure_aggregation`` on the same SuperLink and SuperNodes as tests/flower/test_deployment.py (each
node's pinned runner keeps SecAgg+'s state between a round's four stages). The CN node refuses
under X4 after the keys were shared, and the others' sum still unmasks every round. ("ok" proves
the secure path: a secure training's node sits out, under rule secure_aggregation, a round asked
for in clear.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flower.test_deployment import REQUEST, Federation, _finished, federation
from tests.hub.lone_hub import lone_hub

__all__ = ["federation"]  # the module-scoped federation fixture, used here under its own name
pytestmark = [pytest.mark.timeout(900), pytest.mark.anyio, pytest.mark.slow]


async def test_a_secure_training_runs_on_the_nodes_that_admit_it(
    federation: Federation, tmp_path: Path
) -> None:
    async with lone_hub(tmp_path, federation.hub) as hub:
        token = (await hub.client.post("/api/auth/token", json={"user": "eu-researcher"})).json()["passport"]
        auth = {"authorization": f"Bearer {token}"}
        request = {**REQUEST, "secure_aggregation": True}
        started = await hub.client.post("/api/learning/trainings", json=request, headers=auth)
        assert started.status_code == 201, started.text
        training = await _finished(hub.client, started.json()["id"], auth)
    assert training["state"] == "finished", (training["detail"], federation.superlink.service.tail())
    by_node = {(r["round"], r["node"]): r for r in training["rounds"] if r["stage"] == "train"}
    for round_ in (1, 2, 3):
        assert {by_node[(round_, n)]["status"] for n in ("rome", "lyon", "graz")} == {"ok"}, by_node
        refused = by_node[(round_, "shanghai")]
        assert refused["status"] == "refused" and refused["metrics"]["rule"] == "X4"
        assert by_node[(round_, None)]["metrics"]["trained"] == 3
    assert training["model"]["kind"] == "logistic" and len(training["model"]["array"]) == 4
    assert 0.0 <= training["metrics"]["auroc"] <= 1.0
