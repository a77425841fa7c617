"""Who reaches what of a Delphi study: organisers by listed passport, panellists by personal link only;
the organiser never gets a token or (unless the protocol says so) a person's rating; the audit names
panellists "panellist" and keeps no digest of their answers."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.hub.consensus_hub import (
    STUDIES,
    answer,
    consensus_hub,
    draft_study,
    links,
    passport,
    soon,
    store,
)

pytestmark = pytest.mark.anyio


async def test_organiser_routes_need_a_listed_organiser_s_passport(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        bare = await hub.client.get(STUDIES)
        assert bare.status_code == 401 and bare.json()["error"]["code"] == "organiser_required"
        stranger = await hub.client.get(STUDIES, headers=await passport(hub.client, "cn-researcher"))
        assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "not_an_organiser"
        assert "consensus.organisers" in stranger.json()["error"]["hint"]
        created = await hub.client.post(
            STUDIES,
            json={"title": {"en": "T", "zh": "题"}, "rule": "comet"},
            headers=await passport(hub.client, "cn-researcher"),
        )
        assert created.status_code == 403
        org = await passport(hub.client)
        assert (await hub.client.get(STUDIES, headers=org)).json() == {"studies": []}


async def test_panel_routes_need_a_valid_personal_link(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        for headers in ({}, {"X-Panel-Token": "not-a-token"}):
            reply = await hub.client.get("/api/consensus/panel", headers=headers)
            assert reply.status_code == 401
            assert reply.json()["error"]["code"] == "panel_link_invalid"
            assert "invitation or reminder" in reply.json()["error"]["hint"]


async def test_invitations_need_mail(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path, mail=False) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 0}, k=3)
        person = {"name": "A", "email": "a@panel.example", "group": "clin", "language": "en"}
        reply = await hub.client.post(
            f"{STUDIES}/{sid}/panellists", json={"panellists": [person]}, headers=org
        )
        assert reply.status_code == 409
        assert (
            reply.json()["error"]["code"] == "mail_required"
            and "[access.smtp]" in reply.json()["error"]["hint"]
        )


async def test_ratings_are_private_unless_the_protocol_shows_them(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        for shown in (False, True):
            sid, people = await draft_study(
                hub.client, org, groups={"clin": 3}, k=3, organiser_sees_ratings=shown
            )
            await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)
            await hub.client.post(
                f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
            )
            tokens = links(tmp_path)
            for email in people["clin"]:
                assert (await answer(hub.client, tokens[email], {"it-a": 7})).status_code == 200
            await hub.client.post(f"{STUDIES}/{sid}/rounds/1/close", headers=org)
            reply = await hub.client.get(f"{STUDIES}/{sid}/ratings", headers=org)
            if shown:
                assert reply.status_code == 200
                assert sorted(r["score"] for r in reply.json()["ratings"]) == [7, 7, 7]
            else:
                assert reply.status_code == 403 and reply.json()["error"]["code"] == "ratings_private"


async def test_reminders_mint_a_new_link_and_the_old_one_still_works(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, people = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)
        await hub.client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        invited = links(tmp_path)
        done = people["clin"][0]
        assert (await answer(hub.client, invited[done], {"it-a": 8})).status_code == 200
        reminded = await hub.client.post(f"{STUDIES}/{sid}/remind", headers=org)
        assert reminded.json() == {"reminded": 2}
        reminders = links(tmp_path, kind="reminder")
        assert sorted(reminders) == sorted(people["clin"][1:])
        for email, token in reminders.items():
            assert token != invited[email]
            for link in (token, invited[email]):
                view = await hub.client.get("/api/consensus/panel", headers={"X-Panel-Token": link})
                assert view.status_code == 200 and view.json()["round"]["round"] == 1
        seen = (await hub.client.get(f"{STUDIES}/{sid}/participation", headers=org)).json()
        # who answered is per group: a named drop-out plus two rounds' figures would tell their answers
        assert seen["per_person"] is False and all(set(p) >= {"name", "email"} for p in seen["panellists"])
        assert all("rounds" not in p and p["mail"]["kind"] == "invitation" for p in seen["panellists"])
        assert seen["rounds"] == [
            {
                "round": 1,
                "invited": 3,
                "responded": 1,
                "retention": 0.3333,
                "groups": [{"group": "clin", "invited": 3, "responded": 1}],
            }
        ]
        assert "score" not in json.dumps(seen) and "comment" not in json.dumps(seen)


async def test_who_answered_is_shown_person_by_person_only_when_the_protocol_shows_ratings(
    tmp_path: Path,
) -> None:
    """The second review's repro, cut short: one of six drops out of round 2 and the others keep
    their scores; round 1's block less round 2's is the drop-out's score, so the organiser must not
    know who dropped out unless the protocol lets them see ratings anyway (said to the panel)."""
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        for open_protocol in (False, True):
            sid, people = await draft_study(
                hub.client, org, groups={"clin": 6}, k=5, organiser_sees_ratings=open_protocol
            )
            await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)
            await hub.client.post(
                f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
            )
            invited = {e: t for e, t in links(tmp_path).items() if e in people["clin"]}
            for email in people["clin"]:
                assert (await answer(hub.client, invited[email], {"it-a": 8})).status_code == 200
            seen = (await hub.client.get(f"{STUDIES}/{sid}/participation", headers=org)).json()
            assert seen["per_person"] is open_protocol
            assert all(("rounds" in p) is open_protocol for p in seen["panellists"])
            assert seen["rounds"][0]["groups"] == [{"group": "clin", "invited": 6, "responded": 6}]


async def test_the_organiser_never_gets_a_token_and_the_audit_keeps_no_answer(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, people = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        replies = [(await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)).text]
        replies.append(
            (
                await hub.client.post(
                    f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
                )
            ).text
        )
        tokens = links(tmp_path)
        for n, email in enumerate(people["clin"]):
            comment = {"text": f"secret words {n}", "language": "en"}
            body = {"answers": [{"item": "it-a", "score": 9, "comment": comment}], "submit": True}
            reply = await hub.client.put(
                "/api/consensus/panel/answers", json=body, headers={"X-Panel-Token": tokens[email]}
            )
            assert reply.status_code == 200
        replies.append((await hub.client.post(f"{STUDIES}/{sid}/remind", headers=org)).text)
        replies.append((await hub.client.post(f"{STUDIES}/{sid}/rounds/1/close", headers=org)).text)
        for url in ("", "/participation", "/results", "/proposals", "/comments?round=1", "/verify"):
            replies.append((await hub.client.get(f"{STUDIES}/{sid}{url}", headers=org)).text)
        replies.append((await hub.client.get(STUDIES, headers=org)).text)
        with sqlite3.connect(store(tmp_path)) as con:
            hashes = [r[0] for r in con.execute("SELECT hash FROM tokens")]
            ids = [r[0] for r in con.execute("SELECT id FROM panellists")]
        for text in replies:
            assert not any(t in text for t in [*tokens.values(), *hashes])
        comments = json.loads(replies[-3])["comments"]  # /comments?round=1: words, but no author
        shown = [c["texts"]["en"]["text"] for c in comments]  # in the order of their text's sha256
        assert shown == sorted(shown, key=lambda t: hashlib.sha256(t.encode()).hexdigest())
        assert sorted(shown) == [f"secret words {n}" for n in range(3)]
        assert not any(i in replies[-3] for i in ids)

        panel = [json.loads(line) for line in hub.audit_log.read_text().splitlines()]
        panel = [e for e in panel if "/api/consensus/panel" in e["query"]]
        assert panel and {e["actor"] for e in panel} == {"panellist"}
        assert all(not re.search(r"sha256:", e["query"]) for e in panel)
        assert all(
            e["query"] in ("PUT /api/consensus/panel/answers", "GET /api/consensus/panel") for e in panel
        )
