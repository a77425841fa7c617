"""The hub's training routes as a researcher meets them: a vetted request, a SuperLink that cannot be
reached (recorded as failed, answered 502), trainings seen only by whoever started them, and a hub
that does not offer learning."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pmbridge.flower._processes import free_port
from pmbridge.hub import HubConfig, HubLearningSettings
from tests.hub.lone_hub import LoneHub, lone_hub

pytestmark = pytest.mark.anyio
REQUEST = {
    "task": "binary",
    "features": ["age", "tat"],
    "label": "male",
    "variables": {"tat": {"gene": "TAT"}},
}


def learning_on(config: HubConfig) -> HubConfig:
    """Learning on, with a SuperLink Control API address where nothing listens."""
    settings = HubLearningSettings(enabled=True, control=f"127.0.0.1:{free_port()}")
    return dataclasses.replace(config, learning=settings)


async def signed_in(hub: LoneHub, user: str = "eu-researcher") -> dict[str, str]:
    token = (await hub.client.post("/api/auth/token", json={"user": user})).json()["passport"]
    return {"authorization": f"Bearer {token}"}


async def test_a_training_whose_superlink_is_down_is_recorded_failed_and_answered_502(tmp_path: Path) -> None:
    async with lone_hub(tmp_path, learning_on) as hub:
        auth = await signed_in(hub)
        started = await hub.client.post("/api/learning/trainings", json=REQUEST, headers=auth)
        assert started.status_code == 502
        assert "could not be started" in started.json()["error"]["errorMessage"]
        mine = (await hub.client.get("/api/learning/trainings", headers=auth)).json()["trainings"]
        assert [t["state"] for t in mine] == ["failed"]
        assert "SuperLink" in mine[0]["detail"] or "refused the run" in mine[0]["detail"]
        one = await hub.client.get(f"/api/learning/trainings/{mine[0]['id']}", headers=auth)
        assert one.status_code == 200 and one.json()["spec"]["features"][1]["name"] == "tat"
        other = await signed_in(hub, "cn-researcher")
        assert (
            await hub.client.get(f"/api/learning/trainings/{mine[0]['id']}", headers=other)
        ).status_code == 404
        assert (await hub.client.get("/api/learning/trainings", headers=other)).json()["trainings"] == []


async def test_a_bad_request_is_named_before_anything_starts(tmp_path: Path) -> None:
    async with lone_hub(tmp_path, learning_on) as hub:
        auth = await signed_in(hub)
        reply = await hub.client.post(
            "/api/learning/trainings", json={**REQUEST, "epsilon": 10}, headers=auth
        )
        assert reply.status_code == 400
        assert "training request: unknown key(s): epsilon" in reply.json()["error"]["errorMessage"]
        assert (await hub.client.get("/api/learning/trainings", headers=auth)).json()["trainings"] == []


async def test_a_training_needs_a_signed_in_researcher(tmp_path: Path) -> None:
    async with lone_hub(tmp_path, learning_on) as hub:
        reply = await hub.client.post("/api/learning/trainings", json=REQUEST)
        assert reply.status_code == 401
        assert "signed-in researcher" in reply.json()["error"]["errorMessage"]


async def test_a_hub_without_learning_says_so(tmp_path: Path) -> None:
    async with lone_hub(tmp_path) as hub:
        auth = await signed_in(hub)
        reply = await hub.client.post("/api/learning/trainings", json=REQUEST, headers=auth)
        assert reply.status_code == 404
        assert "does not offer federated learning" in reply.json()["error"]["errorMessage"]


async def test_secure_aggregation_over_too_few_nodes_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    def two_nodes(config: HubConfig) -> HubConfig:
        return dataclasses.replace(learning_on(config), nodes=config.nodes[:2])

    async with lone_hub(tmp_path, two_nodes) as hub:
        auth = await signed_in(hub)
        reply = await hub.client.post(
            "/api/learning/trainings", json={**REQUEST, "secure_aggregation": True}, headers=auth
        )
        assert reply.status_code == 400, reply.text
        assert "secure aggregation needs 3" in reply.json()["error"]["errorMessage"]
        assert (await hub.client.get("/api/learning/trainings", headers=auth)).json()["trainings"] == []
