"""Who may change a roadmap action's status: a steward listed by passport (issuer and subject), or a
holder of the steward token; each change recorded under the steward's identity."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pmbridge.errors import ConfigError
from pmbridge.hub import HubConfig, create_hub_app, parse_hub_config
from pmbridge.knowledge import KnowledgeBase, KnowledgeSettings, Steward, parse_knowledge_settings
from pmbridge.policy import DEMO_ISSUER, DEMO_STEWARD
from pmbridge.signing import generate_key_pair, save_key_pair

from .conftest import SMALL

pytestmark = pytest.mark.anyio

TOKEN = "steward-token-for-tests-0123456789"
URL = "/api/kb/actions/action:federated-discovery/status"
STEWARDS = [{"issuer": DEMO_ISSUER, "subject": DEMO_STEWARD}]


def config(root: Path, **knowledge: object) -> HubConfig:
    save_key_pair(generate_key_pair(), directory=root / "keys", name="hub")
    doc = {
        "hub": {"id": "kb-hub", "state_dir": "state", "private_key": "keys/hub.key", "demo_broker": True},
        "knowledge": {"seed": False, **knowledge},
    }
    return parse_hub_config(doc, where="test", base=root)


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = config(tmp_path, steward_token=TOKEN, stewards=STEWARDS)
    KnowledgeBase(settings.knowledge.database(settings.state_dir)).import_files([SMALL])
    app = create_hub_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        yield client


async def passport(client: httpx.AsyncClient, user: str) -> dict[str, str]:
    token = (await client.post("/api/auth/token", json={"user": user})).json()["passport"]
    return {"Authorization": f"Bearer {token}"}


async def test_a_listed_steward_changes_a_status_under_their_passport_identity(
    hub: httpx.AsyncClient,
) -> None:
    headers = await passport(hub, DEMO_STEWARD)
    reply = await hub.post(URL, json={"status": "done", "steward": "Someone Else"}, headers=headers)
    assert reply.status_code == 200
    assert reply.json()["change"]["by"] == f"{DEMO_STEWARD} ({DEMO_ISSUER})"  # not the name sent


async def test_a_researcher_not_listed_is_forbidden_and_nothing_changes(hub: httpx.AsyncClient) -> None:
    reply = await hub.post(URL, json={"status": "done"}, headers=await passport(hub, "cn-researcher"))
    assert reply.status_code == 403
    assert "cn-researcher is not a knowledge-base steward" in reply.json()["error"]["errorMessage"]
    history = (await hub.get("/api/kb/entities/action:federated-discovery")).json()["history"]
    assert [h["to"] for h in history] == ["proposed"]


async def test_a_forged_passport_is_rejected(hub: httpx.AsyncClient) -> None:
    headers = await passport(hub, DEMO_STEWARD)
    forged = headers["Authorization"][:-4] + (
        "AAAA" if not headers["Authorization"].endswith("AAAA") else "BBBB"
    )
    reply = await hub.post(URL, json={"status": "done"}, headers={"Authorization": forged})
    assert reply.status_code == 401


async def test_the_token_still_works_for_api_clients_who_name_themselves(hub: httpx.AsyncClient) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    unnamed = await hub.post(URL, json={"status": "stalled"}, headers=bearer)
    assert (
        unnamed.status_code == 400 and "needs the steward's name" in unnamed.json()["error"]["errorMessage"]
    )
    named = await hub.post(URL, json={"status": "stalled", "steward": "Anna Rossi"}, headers=bearer)
    assert named.status_code == 200 and named.json()["change"]["by"] == "Anna Rossi"


async def test_stewards_without_a_token_are_enough_to_allow_changes(tmp_path: Path) -> None:
    settings = config(tmp_path, stewards=STEWARDS)
    KnowledgeBase(settings.knowledge.database(settings.state_dir)).import_files([SMALL])
    app = create_hub_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        wrong = await client.post(
            URL, json={"status": "done", "steward": "x"}, headers={"Authorization": "Bearer " + "x" * 20}
        )
        assert wrong.status_code == 401 and "not valid" in wrong.json()["error"]["errorMessage"]
        ok = await client.post(URL, json={"status": "done"}, headers=await passport(client, DEMO_STEWARD))
        assert ok.status_code == 200


def test_stewards_are_read_from_the_knowledge_table() -> None:
    settings = parse_knowledge_settings(
        {"stewards": [{"issuer": " https://a.example ", "subject": "kim"}]}, where="t"
    )
    assert settings.stewards == (Steward("https://a.example", "kim"),)
    assert settings.changes_allowed and not KnowledgeSettings().changes_allowed
    assert settings.steward("https://a.example", "kim") is not None
    assert settings.steward("https://b.example", "kim") is None  # a subject is unique only per issuer
    assert settings.steward(None, "kim") is None


@pytest.mark.parametrize(
    ("stewards", "message"),
    [
        ("kim", 'knowledge.stewards must be a list, e.g. ["a", "b"], not "kim"'),
        (["kim"], 'knowledge.stewards[1] must be a table, not "kim"'),
        ([{"subject": "kim"}], "required setting knowledge.stewards[1].issuer is missing"),
        (
            [{"issuer": "https://a.example", "subject": " "}],
            "knowledge.stewards[1].subject must be non-empty text",
        ),
        (
            [{"issuer": "https://a.example", "subject": "kim", "subjet": "k"}],
            "[[knowledge.stewards]] #1 has no setting 'subjet'; did you mean 'subject'?",
        ),
    ],
)
def test_a_bad_steward_list_is_a_config_error(stewards: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_knowledge_settings({"stewards": stewards}, where="t")
    assert caught.value.message.startswith(f"t: {message}")
