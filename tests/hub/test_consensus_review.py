"""What the review of the Delphi studies found, each kept fixed: no answer once a round's time is up,
a cap on proposals, proposals hidden while round 1 runs, no round that would invite nobody, and the
refusals and mails worded so that people can act on them."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pmbridge.hub._consensus_panel import MAX_PROPOSALS
from tests.hub.consensus_hub import STUDIES, answer, consensus_hub, draft_study, links, passport, soon, store
from tests.hub.lone_hub import LoneHub

pytestmark = pytest.mark.anyio


async def running_study(hub: LoneHub, root: Path, **protocol: object) -> tuple[str, dict[str, str]]:
    """A locked study (one group of 3, k 3) with round 1 open for an hour; its id and the links."""
    org = await passport(hub.client)
    sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3, **protocol)
    assert (await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)).status_code == 200
    opened = await hub.client.post(
        f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
    )
    assert opened.status_code == 201, opened.text
    return sid, links(root)


def error_of(reply: httpx.Response) -> dict[str, str]:
    found = reply.json()["error"]
    assert isinstance(found, dict)
    return found


async def test_a_round_past_its_closing_time_takes_no_answer_before_the_sweep_closes_it(
    tmp_path: Path,
) -> None:
    async with consensus_hub(tmp_path) as hub:
        sid, tokens = await running_study(hub, tmp_path)
        token = tokens["clin-0@panel.example"]
        assert (await answer(hub.client, token, {"it-a": 7}, submit=False)).status_code == 200
        past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        with sqlite3.connect(store(tmp_path)) as con:  # its time is up; the sweep has not run yet
            con.execute("UPDATE rounds SET closes = ? WHERE study = ? AND round = 1", (past, sid))

        late = await answer(hub.client, token, {"it-a": 9})
        assert late.status_code == 409, late.text
        refusal = error_of(late)
        assert refusal["code"] == "round_closed" and "closed at" in refusal["errorMessage"]
        assert "saved before it closed stays" in refusal["hint"]
        view = (await hub.client.get("/api/consensus/panel", headers={"X-Panel-Token": token})).json()
        assert view["round"]["state"] == "closed" and view["items"] == [] and not view["proposals_open"]
        with sqlite3.connect(store(tmp_path)) as con:
            assert con.execute("SELECT score, COUNT(*) FROM ratings").fetchone() == ("7", 1)
            assert con.execute("SELECT SUM(responded) FROM invitations").fetchone() == (0,)

        page = await hub.client.get(f"/delphi/p/{token}", follow_redirects=True)
        assert page.status_code == 200
        assert 'data-round-state="closed"' in page.text and 'name="score-it-a"' not in page.text


async def test_a_panellist_sends_at_most_ten_proposals_in_a_round_counting_earlier_ones(
    tmp_path: Path,
) -> None:
    async with consensus_hub(tmp_path) as hub:
        _, tokens = await running_study(hub, tmp_path)
        token = tokens["clin-1@panel.example"]

        def ideas(n: int, start: int = 0) -> list[dict[str, str]]:
            return [{"text": f"idea {start + i}", "language": "en"} for i in range(n)]

        assert (await answer(hub.client, token, {}, submit=False, proposals=ideas(6))).status_code == 200
        flood = await answer(hub.client, token, {}, submit=False, proposals=ideas(5, 6))
        assert flood.status_code == 400, flood.text
        assert "you have sent 6" in error_of(flood)["errorMessage"]
        assert "at most 4 more" in error_of(flood)["hint"]
        rest = ideas(MAX_PROPOSALS - 6, 6)
        assert (await answer(hub.client, token, {}, submit=False, proposals=rest)).status_code == 200
        one_more = await answer(hub.client, token, {}, submit=False, proposals=ideas(1, 99))
        assert one_more.status_code == 400 and "at most 0 more" in error_of(one_more)["hint"]
        other = tokens["clin-2@panel.example"]  # the cap is each panellist's own
        assert (await answer(hub.client, other, {}, submit=False, proposals=ideas(1))).status_code == 200
        with sqlite3.connect(store(tmp_path)) as con:
            counts = con.execute("SELECT COUNT(*) FROM proposals GROUP BY panellist ORDER BY 1").fetchall()
        assert counts == [(1,), (MAX_PROPOSALS,)]


async def test_the_organiser_sees_proposals_only_once_round_1_has_closed(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, tokens = await running_study(hub, tmp_path)
        proposal = [{"text": "Only I would write this", "language": "en"}]
        sent = await answer(hub.client, tokens["clin-0@panel.example"], {"it-a": 8}, proposals=proposal)
        assert sent.status_code == 200, sent.text
        listed = await hub.client.get(f"{STUDIES}/{sid}/proposals", headers=org)
        assert listed.status_code == 200 and listed.json()["proposals"] == []  # it would name its author
        assert (await hub.client.post(f"{STUDIES}/{sid}/rounds/1/close", headers=org)).status_code == 200
        (shown,) = (await hub.client.get(f"{STUDIES}/{sid}/proposals", headers=org)).json()["proposals"]
        assert shown["text"] == "Only I would write this"


async def test_no_next_round_after_a_round_nobody_answered(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await running_study(hub, tmp_path)
        assert (await hub.client.post(f"{STUDIES}/{sid}/rounds/1/close", headers=org)).status_code == 200
        second = await hub.client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        assert second.status_code == 409, second.text
        refusal = error_of(second)
        assert refusal["code"] == "round_closed" and "would invite nobody" in refusal["errorMessage"]
        assert "cannot continue" in refusal["hint"] and f"{sid}/results" in refusal["hint"]
        study = (await hub.client.get(f"{STUDIES}/{sid}", headers=org)).json()["study"]
        assert [r["round"] for r in study["rounds"]] == [1]


async def test_a_round_before_the_lock_is_refused_as_not_locked(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        early = await hub.client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        assert early.status_code == 409
        assert error_of(early)["code"] == "study_not_locked"
        assert f"POST /api/consensus/studies/{sid}/lock" in error_of(early)["hint"]


async def test_a_score_out_of_range_says_to_send_unable_as_the_api_spells_it(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        _, tokens = await running_study(hub, tmp_path)
        wrong = await answer(hub.client, tokens["clin-0@panel.example"], {"it-a": 10})
        assert wrong.status_code == 400
        assert '"unable"' in error_of(wrong)["hint"] and "UNABLE" not in error_of(wrong)["hint"]
        said = await answer(hub.client, tokens["clin-0@panel.example"], {"it-a": "unable"})
        assert said.status_code == 200


async def test_mails_give_the_closing_time_as_people_read_it_with_its_offset(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        assert (await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)).status_code == 200
        closes = "2030-12-07T19:57:00+08:00"
        body = {"opens": soon(), "closes": closes}
        assert (await hub.client.post(f"{STUDIES}/{sid}/rounds", json=body, headers=org)).status_code == 201
        with sqlite3.connect(store(tmp_path)) as con:
            mails = dict(
                con.execute("SELECT recipient, body FROM outbox WHERE kind = 'round_opened'").fetchall()
            )
        assert "is open until 7 December 2030, 19:57 UTC+08:00." in mails["clin-0@panel.example"]
        assert "截止时间 2030年12月7日 19:57 UTC+08:00。" in mails["clin-1@panel.example"]  # reads Chinese
        assert not any(re.search(r"\d{4}-\d\d-\d\dT", text) for text in mails.values())


async def test_the_page_of_an_unknown_link_does_not_say_links_expire(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        page = await hub.client.get("/delphi/p/not-a-token", follow_redirects=True)
        assert page.status_code == 401
        assert "does not know this link" in page.text and "系统无法识别此链接" in page.text
        assert "expired" not in page.text and "过期" not in page.text
