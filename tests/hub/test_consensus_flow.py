"""A Delphi study end to end through /api/consensus: draft, invite, lock, two rounds with feedback,
proposals adopted into round 2, results from closed rounds only, in blocks of at least k."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pmbridge.hub._consensus_rounds import close_due, open_due
from tests.hub.consensus_hub import (
    STUDIES,
    answer,
    consensus_hub,
    draft_study,
    links,
    passport,
    soon,
    store,
    texts,
)

pytestmark = pytest.mark.anyio


async def test_a_study_runs_two_rounds_with_feedback_proposals_and_results(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        client = hub.client
        org = await passport(client)
        sid, people = await draft_study(client, org, groups={"clin": 4, "pat": 3}, k=3)
        invited = links(tmp_path)
        assert len(invited) == 7
        locked = await client.post(f"{STUDIES}/{sid}/lock", headers=org)
        assert locked.status_code == 200, locked.text
        assert locked.json()["digest"].startswith("sha256:")
        opened = await client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        assert opened.status_code == 201, opened.text
        assert opened.json()["study"]["state"] == "running"

        view = (
            await client.get(
                "/api/consensus/panel", headers={"X-Panel-Token": invited["clin-0@panel.example"]}
            )
        ).json()
        assert [i["id"] for i in view["items"]] == ["it-a", "it-b"]
        assert view["round"]["round"] == 1 and view["proposals_open"] and view["items"][0]["previous"] is None

        # clinicians agree on it-a, patients too; it-b is split; one clinician does not submit
        for n, email in enumerate(people["clin"]):
            reply = await answer(
                client,
                invited[email],
                {"it-a": 9, "it-b": 1 + 4 * (n % 3)},
                submit=n < 3,
                proposals=[{"text": "Quality of life", "language": "en"}] if n == 0 else [],
            )
            assert reply.status_code == 200, reply.text
        for email in people["pat"]:
            comment = {"text": f"comment by {email}", "language": "en"}
            reply = await client.put(
                "/api/consensus/panel/answers",
                json={
                    "answers": [
                        {"item": "it-a", "score": 8},
                        {"item": "it-b", "score": "unable", "comment": comment},
                    ],
                    "submit": True,
                },
                headers={"X-Panel-Token": invited[email]},
            )
            assert reply.status_code == 200, reply.text
        assert (await client.get(f"{STUDIES}/{sid}/results", headers=org)).json()[
            "rounds"
        ] == []  # none closed

        closed = await client.post(f"{STUDIES}/{sid}/rounds/1/close", headers=org)
        assert closed.status_code == 200, closed.text
        results = (await client.get(f"{STUDIES}/{sid}/results", headers=org)).json()
        (first,) = results["rounds"]
        assert (first["invited"], first["responded"], first["retention"]) == (7, 6, 0.8571)
        by_item = {i["item"]: i for i in first["items"]}
        assert by_item["it-a"]["status"] == "in"
        assert by_item["it-b"]["status"] == "no_consensus"
        assert all(b["respondents"] >= 3 for i in first["items"] for b in i["groups"])
        assert by_item["it-a"]["panel"]["counts"][8] == 3 and by_item["it-a"]["panel"]["counts"][7] == 3

        (proposal,) = (await client.get(f"{STUDIES}/{sid}/proposals", headers=org)).json()["proposals"]
        assert proposal["text"] == "Quality of life" and "panellist" not in proposal
        adopted = await client.post(
            f"{STUDIES}/{sid}/proposals/{proposal['id']}/adopt",
            json={"id": "it-qol", "texts": texts("Quality of life", "生活质量"), "links": []},
            headers=org,
        )
        assert adopted.status_code == 201, adopted.text

        # an adopted item's texts may still be corrected until its round opens; a comment gets its
        # other language from the organiser, marked as a translation
        qol_zh = f"{STUDIES}/{sid}/items/it-qol/texts/zh"
        fixed = await client.put(
            qol_zh, json={"text": "生活质量（已审校）", "provenance": "reviewed"}, headers=org
        )
        assert fixed.status_code == 200, fixed.text
        (comment,) = [
            c
            for c in (await client.get(f"{STUDIES}/{sid}/comments?round=1", headers=org)).json()["comments"]
            if c["texts"]["en"]["text"] == "comment by pat-0@panel.example"
        ]
        translate = f"{STUDIES}/{sid}/comments/{comment['id']}/texts/zh"
        own_words = await client.put(translate, json={"text": "x", "provenance": "author"}, headers=org)
        assert own_words.status_code == 400
        translated = await client.put(
            translate, json={"text": "患者意见", "provenance": "machine"}, headers=org
        )
        assert translated.status_code == 200, translated.text

        second = await client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        assert second.status_code == 201, second.text
        late = await client.put(qol_zh, json={"text": "太晚", "provenance": "reviewed"}, headers=org)
        assert late.status_code == 409 and late.json()["error"]["code"] == "study_locked"
        assert second.json()["study"]["rounds"][1]["items"] == ["it-b", "it-qol"]
        assert second.json()["study"]["rounds"][1]["invited"] == 6  # previous respondents only

        reopened = links(tmp_path, kind="round_opened")
        view = (
            await client.get(
                "/api/consensus/panel", headers={"X-Panel-Token": reopened["pat-0@panel.example"]}
            )
        ).json()
        item_b = next(i for i in view["items"] if i["id"] == "it-b")
        assert item_b["previous"]["own_score"] == "unable"
        assert sum(b["respondents"] for b in item_b["previous"]["blocks"]) == 6
        assert sorted(c["texts"]["en"]["text"] for c in item_b["previous"]["comments"]) == [
            f"comment by pat-{n}@panel.example" for n in range(3)
        ]
        qol = next(i for i in view["items"] if i["id"] == "it-qol")
        assert qol["previous"] is None and qol["texts"]["zh"]["text"] == "生活质量（已审校）"
        mine = next(c for c in item_b["previous"]["comments"] if c["id"] == comment["id"])
        assert mine["texts"]["zh"] == {"text": "患者意见", "provenance": "machine"}
        assert mine["original_language"] == "en" and mine["texts"]["en"]["provenance"] == "author"
        # the old invitation link still works; the one who did not submit is not in round 2
        left_out = await client.get(
            "/api/consensus/panel", headers={"X-Panel-Token": invited["clin-3@panel.example"]}
        )
        assert left_out.status_code == 200 and left_out.json()["round"] is None

        with sqlite3.connect(store(tmp_path)) as con:
            tokens = [r[0] for r in con.execute("SELECT hash FROM tokens")]
            assert invited["clin-0@panel.example"] not in tokens and len(tokens[0]) == 64
            assert con.execute("SELECT COUNT(*) FROM ratings WHERE round = 1").fetchone()[0] == 14


async def test_rounds_open_and_close_on_their_own_time(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        desk = hub.app.state.consensus
        sid, people = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)
        opens, closes = soon(60), soon(120)
        scheduled = await hub.client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": opens, "closes": closes}, headers=org
        )
        assert scheduled.json()["study"]["rounds"][0]["state"] == "scheduled"
        token = links(tmp_path)[people["clin"][0]]
        early = await answer(hub.client, token, {"it-a": 9})
        assert early.status_code == 409 and early.json()["error"]["code"] == "round_closed"

        now = datetime.fromisoformat(opens)
        assert open_due(desk, now - timedelta(seconds=1)) == []
        assert open_due(desk, now) == [(sid, 1)]
        assert len(links(tmp_path, kind="round_opened")) == 3
        for email in people["clin"]:
            reply = await answer(hub.client, links(tmp_path)[email], {"it-a": 9, "it-b": 5})
            assert reply.status_code == 200
        assert close_due(desk, datetime.fromisoformat(closes) - timedelta(seconds=1)) == []
        assert close_due(desk, datetime.fromisoformat(closes)) == [(sid, 1)]
        (first,) = (await hub.client.get(f"{STUDIES}/{sid}/results", headers=org)).json()["rounds"]
        assert [i["status"] for i in first["items"]] == ["in", "no_consensus"]

        # a study whose lock broke is logged and left by the sweep, which goes on with the others
        later, last = soon(180), soon(240)
        second = await hub.client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": later, "closes": last}, headers=org
        )
        assert second.json()["study"]["rounds"][1]["items"] == ["it-b"]
        with sqlite3.connect(store(tmp_path)) as con:
            con.execute("UPDATE studies SET lock_snapshot = lock_snapshot || ' '")
        assert open_due(desk, datetime.fromisoformat(later)) == []
        broken = await hub.client.get(f"{STUDIES}/{sid}/results", headers=org)
        assert broken.json()["error"]["code"] == "lock_broken"
