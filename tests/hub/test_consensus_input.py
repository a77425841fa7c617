"""Bad input to /api/consensus is refused with the field named and a hint, and refused whole: a batch of
answers with one bad answer saves none of them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.hub.consensus_hub import STUDIES, answer, consensus_hub, draft_study, links, passport, soon, texts

pytestmark = pytest.mark.anyio


def refused(reply: httpx.Response, status: int, code: str, *words: str) -> dict[str, str]:
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == code and error["hint"]
    for word in words:
        assert word in error["errorMessage"] + " " + error["hint"], (word, error)
    return error


async def test_a_study_s_drafting_input_is_checked(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        client, org = hub.client, await passport(hub.client)
        title = {"en": "T", "zh": "题"}
        refused(
            await client.post(STUDIES, json={"title": title}, headers=org), 400, "consensus_invalid", "rule"
        )
        refused(
            await client.post(STUDIES, json={"title": title, "rule": "delphi"}, headers=org),
            400,
            "consensus_invalid",
            "comet, panel_70, grade_bands",
        )
        refused(
            await client.post(STUDIES, json={"title": title, "rule": "comet", "k": 1}, headers=org),
            400,
            "consensus_invalid",
            "k",
        )
        refused(
            await client.post(STUDIES, json={"title": title, "rule": "comet", "rounds": 9}, headers=org),
            400,
            "consensus_invalid",
            "2 to 5",
        )
        refused(await client.post(STUDIES, json=[1], headers=org), 400, "consensus_invalid", "JSON object")
        refused(await client.get(f"{STUDIES}/st-nothing", headers=org), 404, "study_not_found")

        sid, _ = await draft_study(client, org, groups={"clin": 0}, items=())
        group = {"id": "has space", "name": {"en": "A", "zh": "甲"}}
        refused(
            await client.post(f"{STUDIES}/{sid}/groups", json=group, headers=org),
            400,
            "consensus_invalid",
            "plain id",
        )
        group["id"] = "clin"
        refused(
            await client.post(f"{STUDIES}/{sid}/groups", json=group, headers=org),
            400,
            "consensus_invalid",
            "exists",
        )

        item = {"texts": {"en": {"text": "Only English"}}, "links": []}
        refused(
            await client.post(f"{STUDIES}/{sid}/items", json=item, headers=org),
            400,
            "consensus_invalid",
            "'zh'",
        )
        item = {"texts": texts("A", "甲") | {"zh": {"text": "甲", "provenance": "robot"}}}
        refused(
            await client.post(f"{STUDIES}/{sid}/items", json=item, headers=org),
            400,
            "consensus_invalid",
            "provenance",
        )
        for link in ("policy:no-such-thing", "domain:big-data-ict"):
            item = {"texts": texts("A", "甲"), "links": [link]}
            refused(
                await client.post(f"{STUDIES}/{sid}/items", json=item, headers=org),
                400,
                "consensus_invalid",
                link,
                "/api/kb/search",
            )
        item = {"id": "it-gdpr", "texts": texts("A", "甲"), "links": ["policy:gdpr"]}
        added = await client.post(f"{STUDIES}/{sid}/items", json=item, headers=org)
        assert added.status_code == 201, added.text
        (shown,) = added.json()["study"]["items"]
        assert shown["links"][0]["id"] == "policy:gdpr" and shown["links"][0]["type"] == "Policy"
        assert shown["links"][0]["name"]["en"] and shown["links"][0]["name"]["zh"]

        people = [{"name": "A", "email": "a@panel.example", "group": "nurses", "language": "en"}]
        refused(
            await client.post(f"{STUDIES}/{sid}/panellists", json={"panellists": people}, headers=org),
            400,
            "consensus_invalid",
            "clin",
        )
        people[0] |= {"group": "clin", "email": "not an address"}
        refused(
            await client.post(f"{STUDIES}/{sid}/panellists", json={"panellists": people}, headers=org),
            400,
            "consensus_invalid",
            "mail address",
        )
        people[0]["email"] = "a@panel.example"
        refused(
            await client.post(f"{STUDIES}/{sid}/panellists", json={"panellists": people * 2}, headers=org),
            400,
            "consensus_invalid",
            "once",
        )
        assert links(tmp_path) == {}  # the refused batch queued no mail
        refused(
            await client.post(
                f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
            ),
            409,
            "study_not_locked",
            "lock",
        )


async def test_rounds_and_answers_are_checked(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        client, org = hub.client, await passport(hub.client)
        sid, people = await draft_study(client, org, groups={"clin": 3}, k=3)
        await client.post(f"{STUDIES}/{sid}/lock", headers=org)
        rounds = f"{STUDIES}/{sid}/rounds"
        naive = {"opens": "2026-12-07T09:00:00", "closes": soon(60)}
        refused(await client.post(rounds, json=naive, headers=org), 400, "consensus_invalid", "offset")
        backwards = {"opens": soon(60), "closes": soon(1)}
        refused(
            await client.post(rounds, json=backwards, headers=org), 400, "consensus_invalid", "close after"
        )
        assert (
            await client.post(rounds, json={"opens": soon(), "closes": soon(60)}, headers=org)
        ).status_code == 201
        refused(
            await client.post(rounds, json={"opens": soon(), "closes": soon(60)}, headers=org),
            409,
            "round_closed",
            "close",
        )

        token = links(tmp_path)[people["clin"][0]]
        refused(await answer(client, token, {"it-a": 10}), 400, "consensus_invalid", "1–9")
        refused(await answer(client, token, {"it-a": True}), 400, "consensus_invalid", "1–9")
        refused(await answer(client, token, {"it-a": 7, "it-zz": 7}), 400, "consensus_invalid", "it-zz")
        view = (await client.get("/api/consensus/panel", headers={"X-Panel-Token": token})).json()
        assert all(i["answer"] is None for i in view["items"]) and not view["submitted"]  # nothing saved

        assert (await answer(client, token, {"it-a": "unable", "it-b": 4}, submit=False)).status_code == 200
        changed = await answer(client, token, {"it-a": 6, "it-b": None})
        assert changed.status_code == 200
        assert [i["answer"] for i in changed.json()["items"]] == [{"score": 6, "comment": None}, None]
        assert changed.json()["submitted"] is True

        assert (await client.post(f"{rounds}/1/close", headers=org)).status_code == 200
        refused(await client.post(f"{rounds}/1/close", headers=org), 409, "round_closed", "not open")
        refused(await client.post(f"{rounds}/7/close", headers=org), 404, "study_not_found")
        refused(await answer(client, token, {"it-a": 9}), 409, "round_closed", "round")
        assert (await client.get("/api/consensus/panel", headers={"X-Panel-Token": token})).json()[
            "round"
        ] is None

        await client.post(rounds, json={"opens": soon(), "closes": soon(60)}, headers=org)
        proposal = [{"text": "late idea", "language": "en"}]
        refused(await answer(client, token, {}, proposals=proposal), 400, "consensus_invalid", "round 1")


async def test_a_round_with_nothing_left_to_ask_is_refused(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        client, org = hub.client, await passport(hub.client)
        sid, people = await draft_study(client, org, groups={"clin": 3}, k=3)
        await client.post(f"{STUDIES}/{sid}/lock", headers=org)
        await client.post(f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org)
        tokens = links(tmp_path)
        for email in people["clin"]:
            assert (await answer(client, tokens[email], {"it-a": 9, "it-b": 1})).status_code == 200
        await client.post(f"{STUDIES}/{sid}/rounds/1/close", headers=org)
        reply = await client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        refused(reply, 409, "round_closed", "reached consensus", "adopt a proposal")
