"""The Delphi pages in process, against the hub's real consensus API: an organiser runs a study from
the portal, a panellist answers through their personal link, and no page shows anyone else's rating."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pmbridge.portal._routes_delphi_panel import ACCESS_LOG, PANEL_COOKIE, hide_panel_links
from tests.hub.consensus_hub import answer, consensus_hub, draft_study, links, passport, soon
from tests.hub.lone_hub import LoneHub

pytestmark = pytest.mark.anyio

PAST, LATER = "2020-01-01T00:00", "2030-01-01T00:00"


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found is not None, "the page has no form token"
    return found.group(1)


def problem_of(page: str) -> str:
    return " ".join(re.findall(r"data-(?:problem|refusal)>(.*?)</p>", page, re.S))


async def sign_in(client: httpx.AsyncClient, user: str = "eu-researcher") -> None:
    page = (await client.get("/account")).text
    reply = await client.post("/account/sign-in", data={"user": user, "token": token_of(page)})
    assert reply.status_code == 303, reply.text


async def post(client: httpx.AsyncClient, path: str, page: str, **fields: object) -> httpx.Response:
    """Post a form of ``page`` (a path whose page carries the form token) as the browser would."""
    token = token_of((await client.get(page)).text)
    return await client.post(path, data={"token": token, **fields})


def browser(hub: LoneHub) -> httpx.AsyncClient:
    """Another browser (its own cookies) on the same hub."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url="http://hub")


@dataclass
class Study:
    hub: LoneHub
    root: Path
    sid: str
    items: tuple[str, ...]
    tokens: dict[str, str]  # mail address -> link token


@pytest.fixture
async def study(tmp_path: Path) -> AsyncIterator[Study]:
    """A running study (groups eu and cn of 3, k 3, COMET), round 1 open, set up through the API."""
    async with consensus_hub(tmp_path) as hub:
        headers = await passport(hub.client)
        sid, _ = await draft_study(hub.client, headers, groups={"eu": 3, "cn": 3}, k=3)
        locked = await hub.client.post(f"/api/consensus/studies/{sid}/lock", headers=headers)
        assert locked.status_code == 200, locked.text
        opened = await hub.client.post(
            f"/api/consensus/studies/{sid}/rounds",
            json={"opens": soon(), "closes": soon(600)},
            headers=headers,
        )
        assert opened.status_code == 201, opened.text
        yield Study(hub, tmp_path, sid, ("it-a", "it-b"), links(tmp_path))


async def test_an_organiser_sets_up_locks_and_opens_a_study_from_the_portal(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        client = hub.client
        assert (await client.get("/delphi")).status_code == 401  # not signed in: asked to sign in
        await sign_in(client)
        listed = await client.get("/delphi?lang=zh")
        assert listed.status_code == 200 and "创建研究" in listed.text
        await client.get("/delphi?lang=en")  # the cookie remembers the language: back to English
        fields = {
            "title-en": "Core outcomes",
            "title-zh": "核心结局",
            "rule": "grade_bands",
            "k": "3",
        }  # no description
        stale = await client.post("/delphi", data={**fields, "token": "forged"})
        assert stale.status_code == 403 and 'value="Core outcomes"' in stale.text  # kept, not created
        created = await post(client, "/delphi", "/delphi", **fields, previous_respondents_only="1")
        assert created.status_code == 303, problem_of(created.text)
        sid = created.headers["location"].split("/")[2].split("?")[0]
        page = f"/delphi/{sid}"
        shown = (await client.get(created.headers["location"])).text
        assert "The study was created." in shown and "GRADE_BANDS" in shown
        assert "at least 70 % of scorers rate 4–6" in shown  # the rule as sentences
        for group, en, zh in (
            ("eu", "EU clinicians", "欧盟临床医生"),
            ("cn", "CN clinicians", "中国临床医生"),
        ):
            added = await post(
                client, f"{page}/groups", page, **{"group-id": group, "group-en": en, "group-zh": zh}
            )
            assert added.status_code == 303, problem_of(added.text)
        item = {
            "text-en": "Report adverse events",
            "prov-en": "author",
            "text-zh": "报告不良事件",
            "prov-zh": "machine",
        }
        added = await post(client, f"{page}/items", page, **item)
        assert added.status_code == 303, problem_of(added.text)
        iid = re.findall(r'data-edit-texts="([^"]+)"', (await client.get(page)).text)[0]
        assert 'data-provenance="machine">报告不良事件' in (await client.get(page)).text
        reviewed = {f"{iid}-{key}": value for key, value in item.items()} | {f"{iid}-prov-zh": "reviewed"}
        changed = await post(client, f"{page}/items/{iid}/texts", page, **reviewed)
        assert changed.status_code == 303, problem_of(changed.text)
        assert 'data-provenance="reviewed">报告不良事件' in (await client.get(page)).text
        people = "\n".join(
            f"P{g}{n}, {g}{n}@panel.example, {g}, {'zh' if n else 'en'}"
            for g in ("eu", "cn")
            for n in range(3)
        )
        invited = await post(client, f"{page}/panellists", page, panellists=people)
        assert invited.status_code == 303, problem_of(invited.text)
        refused = await post(client, f"{page}/lock", page, confirm="1")
        assert refused.status_code == 400 and "description" in problem_of(refused.text)  # the hub's hint
        texts = {**fields, "description-en": "Which outcomes matter", "description-zh": "哪些结局重要"}
        edited = await post(client, f"{page}/edit", page, **texts, previous_respondents_only="1")
        assert edited.status_code == 303, problem_of(edited.text)
        assert "哪些结局重要" in (await client.get(page)).text
        unconfirmed = await post(client, f"{page}/lock", page)
        assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
        assert (await client.get(page)).text.count("data-lock-form") == 1  # still a draft
        locked = await post(client, f"{page}/lock", page, confirm="1")
        assert locked.status_code == 303, problem_of(locked.text)
        shown = (await client.get(locked.headers["location"])).text
        assert "sha256:" in shown and "data-lock-form" not in shown and "data-add-item" not in shown
        assert "data-edit-texts" not in shown and "data-edit-study" not in shown  # all fixed now
        refused = await client.post(f"{page}/items", data={**item, "token": token_of(shown)})
        assert refused.status_code == 409 and "locked" in problem_of(refused.text)  # the hub's words
        scheduled = await post(client, f"{page}/rounds", page, opens=PAST, closes=LATER, offset="+08:00")
        assert scheduled.status_code == 303, problem_of(scheduled.text)
        shown = (await client.get(page)).text
        assert 'data-round-state="open"' in shown and "Pcn2" in shown and "cn2@panel.example" in shown
        assert 'data-table="participation"' in shown and "shown per group only" in shown
        table = shown.split('data-table="participation"', 1)[1].split("</table>", 1)[0]
        assert 'data-round-group="1-' in shown and "data-round=" not in table  # no per-person rounds


async def test_a_panellist_answers_in_chinese_through_the_link_and_sees_only_their_own(study: Study) -> None:
    email = "cn-1@panel.example"  # invited in Chinese
    token = study.tokens[email]
    async with browser(study.hub) as panellist:
        opened = await panellist.get(f"/delphi/p/{token}")
        assert opened.status_code == 303
        assert opened.headers["location"] == "/delphi/panel?lang=zh"  # the token leaves the address
        cookie = opened.headers["set-cookie"]
        assert cookie.startswith(f"{PANEL_COOKIE}={token};")
        assert all(part in cookie for part in ("HttpOnly", "Path=/delphi", "SameSite=lax"))
        assert (
            opened.headers["cache-control"] == "no-store"
            and opened.headers["referrer-policy"] == "no-referrer"
        )
        page = await panellist.get(opened.headers["location"])
        assert page.status_code == 200 and token not in page.text
        assert (
            "核心结局" in page.text and "结局 it-a" in page.text and "†" in page.text
        )  # machine translation marked
        assert "Outcome it-a" in page.text  # the other language, one click away
        items = re.findall(r'name="item" value="([^"]+)"', page.text)
        assert items == list(study.items)
        fields = {"item": items, "score-it-a": "8", "score-it-b": "unable", "comment-it-a": "对患者很重要"}
        forged = await panellist.post("/delphi/panel", data={**fields, "token": "forged", "action": "save"})
        assert forged.status_code == 403 and 'value="8" checked' in forged.text  # not saved, not lost
        saved = await panellist.post(
            "/delphi/panel", data={**fields, "token": token_of(page.text), "action": "save"}
        )
        assert saved.status_code == 303 and saved.headers["location"] == "/delphi/panel?done=saved"
        again = (await panellist.get(saved.headers["location"])).text
        assert 'value="8" checked' in again and 'value="unable" checked' in again and "对患者很重要" in again
        assert "data-submitted" not in again
        submitted = await panellist.post(
            "/delphi/panel", data={**fields, "token": token_of(again), "action": "submit"}
        )
        assert submitted.headers["location"] == "/delphi/panel?done=submitted"
        assert "data-submitted" in (await panellist.get(submitted.headers["location"])).text
    # the rest of the panel answers through the API; round 1 closes and round 2 opens
    others = {address: value for address, value in study.tokens.items() if address != email}
    for n, other in enumerate(sorted(others.values())):
        replied = await answer(study.hub.client, other, {"it-a": 2 + n, "it-b": 5})
        assert replied.status_code == 200, replied.text
    headers = await passport(study.hub.client)
    base = f"/api/consensus/studies/{study.sid}"
    assert (await study.hub.client.post(f"{base}/rounds/1/close", headers=headers)).status_code == 200
    async with browser(study.hub) as panellist:  # a form left open past the round's end
        await panellist.get(f"/delphi/p/{token}")
        closed = (await panellist.get("/delphi/panel?lang=en")).text
        assert "data-no-round" in closed and "data-panel-form" not in closed
        late = await panellist.post(
            "/delphi/panel",
            data={
                "item": "it-a",
                "score-it-a": "9",
                "token": token_of((await panellist.get("/account")).text),
                "action": "save",
            },
        )
        assert late.status_code == 409 and "Your answers were not saved:" in late.text
    second = await study.hub.client.post(
        f"{base}/rounds", json={"opens": soon(), "closes": soon(600)}, headers=headers
    )
    assert second.status_code == 201, second.text
    async with browser(study.hub) as panellist:
        await panellist.get(f"/delphi/p/{token}")
        page = (await panellist.get("/delphi/panel?lang=zh")).text
    assert 'data-round="2"' in page
    assert "您在第 1 轮的评分：8。" in page and "您在第 1 轮的回答：无法评分。" in page  # own score, in words
    own = re.findall(r'<g class="[^"]*dist-bar--own[^"]*" data-score="([^"]+)" data-count="(\d+)"', page)
    assert sorted(own) == [("8", "1"), ("?", "1")]  # highlighted in their own group's block only
    assert 'value="8" checked' in page and "data-carried" in page  # pre-selected, as Welphi does
    assert "对患者很重要" in page  # comments, without names
    for address in study.tokens:
        assert address not in page and address.split("@")[0] not in page  # nobody else is named


async def test_an_unknown_link_or_no_link_gets_a_page_in_both_languages(study: Study) -> None:
    async with browser(study.hub) as visitor:
        for path in ("/delphi/p/" + "x" * 43, "/delphi/p/short", "/delphi/panel"):
            reply = await visitor.get(path)
            assert reply.status_code == 401 and PANEL_COOKIE not in reply.headers.get("set-cookie", "")
            assert "This panel link does not work" in reply.text and "此专家链接无法使用" in reply.text
            assert (
                "latest invitation or reminder mail" in reply.text and "最近一封邀请或提醒邮件" in reply.text
            )
        posted = await visitor.post("/delphi/panel", data={"item": "it-a", "score-it-a": "9"})
        assert posted.status_code == 401
        visitor.cookies.set(PANEL_COOKIE, "y" * 43, path="/delphi")  # a link replaced or never valid
        stale = await visitor.get("/delphi/panel")
        assert stale.status_code == 401 and f'{PANEL_COOKIE}=""' in stale.headers["set-cookie"]  # forgotten


async def test_results_show_statuses_and_charts_and_a_proposal_is_adopted(study: Study) -> None:
    scores: Mapping[int, int] = {0: 8, 1: 9, 2: 7, 3: 8, 4: 9, 5: 8}  # it-a: in for both groups
    for n, token in enumerate(sorted(study.tokens.values())):
        extra = {"proposals": [{"text": "随访一年", "language": "zh"}]} if n == 0 else {}
        replied = await answer(study.hub.client, token, {"it-a": scores[n], "it-b": 5}, **extra)
        assert replied.status_code == 200, replied.text
    commented = await study.hub.client.put(
        "/api/consensus/panel/answers",
        json={
            "answers": [{"item": "it-a", "score": 8, "comment": {"text": "风险须告知", "language": "zh"}}],
            "submit": True,
        },
        headers={"X-Panel-Token": sorted(study.tokens.values())[1]},
    )
    assert commented.status_code == 200, commented.text
    client = study.hub.client
    await sign_in(client)
    page = f"/delphi/{study.sid}"
    closed = await post(client, f"{page}/rounds/1/close", page)
    assert closed.status_code == 303, problem_of(closed.text)
    results = (await client.get(f"{page}/results")).text
    assert re.search(r'data-item="it-a">.*?data-status="in"', results, re.S)
    assert re.search(r'data-item="it-b">.*?data-status="no_consensus"', results, re.S)
    assert "6 of 6 invited panellists answered." in results and "100 %" in results
    assert results.count('class="dist-chart"') == 4  # two blocks (eu, cn) for each item
    chinese = (await client.get(f"{page}/results", params={"lang": "zh"})).text
    row = re.search(r'data-item="it-a">.*?</tr>', chinese, re.S)
    assert row is not None
    said = re.findall(r"<span class=\"delphi-figures\" data-figures>(.*?)</span>", row.group(0))
    assert len(said) == 2 and all("3 人中 3 人评 7–9 分，0 人评 1–3 分" in s for s in said), said
    assert "规则的原文（英文）" in row.group(0)  # the core's English reason, behind a disclosure
    await client.get(f"{page}/results", params={"lang": "en"})  # ?lang= is remembered: back to English
    assert "随访一年" in results and "data-adopt" in results
    cid = re.search(r'data-comment="([^"]+)"', results)
    assert cid is not None and "风险须告知" in results
    translated = await post(
        client,
        f"{page}/comments/{cid.group(1)}/texts",
        f"{page}/results",
        lang="en",
        text="Risks must be told",
        provenance="machine",
    )
    assert translated.status_code == 303, problem_of(translated.text)
    results = (await client.get(f"{page}/results")).text
    assert 'data-provenance="machine">Risks must be told' in results
    pid = re.search(r'data-proposal="([^"]+)"', results)
    assert pid is not None
    fields = {
        f"{pid.group(1)}-text-en": "Follow up for one year",
        f"{pid.group(1)}-prov-en": "reviewed",
        f"{pid.group(1)}-text-zh": "随访一年",
        f"{pid.group(1)}-prov-zh": "author",
    }
    adopted = await post(client, f"{page}/proposals/{pid.group(1)}/adopt", f"{page}/results", **fields)
    assert adopted.status_code == 303, problem_of(adopted.text)
    after = (await client.get(adopted.headers["location"])).text
    assert "The proposal was adopted" in after and "data-adopted" in after
    assert "Follow up for one year" in (await client.get(page)).text
    for address in study.tokens:
        assert address not in results  # results never name a panellist
    exported = await client.get(f"{page}/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "@" not in exported.text  # anonymised codes, no addresses
    report = await client.get(f"{page}/report?format=html&lang=zh")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")


async def test_a_researcher_who_organises_nothing_sees_the_hubs_refusal(study: Study) -> None:
    async with browser(study.hub) as other:
        await sign_in(other, "cn-researcher")
        listed = await other.get("/delphi")
        assert listed.status_code == 403 and problem_of(listed.text)
        shown = await other.get(f"/delphi/{study.sid}")
        assert shown.status_code == 403 and "Core outcomes" not in shown.text


def test_the_access_log_never_keeps_a_personal_link() -> None:
    hide_panel_links()
    hide_panel_links()  # installed once, however often the portal is
    logger = logging.getLogger(ACCESS_LOG)
    assert sum(type(f).__name__ == "HiddenPanelLinks" for f in logger.filters) == 1
    record = logging.LogRecord(
        ACCESS_LOG,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/delphi/p/SECRET-token-1234567890", "1.1", 303),
        None,
    )
    assert all(f.filter(record) for f in logger.filters)
    assert "SECRET" not in record.getMessage() and "/delphi/p/…" in record.getMessage()
