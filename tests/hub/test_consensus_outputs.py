"""A closed round's outputs through the hub: the anonymised CSV, the report in both languages (HTML
and, with Chromium, PDF), and an agreed item updating the roadmap once a knowledge steward confirms."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from pmbridge.hub import HubConfig
from pmbridge.knowledge import KnowledgeSettings
from tests.hub.consensus_hub import (
    STUDIES,
    answer,
    consensus_config,
    consensus_hub,
    draft_study,
    links,
    passport,
    soon,
    texts,
)
from tests.hub.lone_hub import LoneHub, lone_hub

pytestmark = pytest.mark.anyio

STEWARD_TOKEN = "steward-token-for-the-consensus-tests-0123456789"
CI = os.environ.get("CI") == "true"


@dataclass(frozen=True, slots=True)
class ClosedStudy:
    hub: LoneHub
    org: dict[str, str]
    sid: str
    action: str
    people: dict[str, list[str]]


def with_steward(config: HubConfig) -> HubConfig:
    config = consensus_config(config)
    return replace(config, knowledge=KnowledgeSettings(steward_token=STEWARD_TOKEN, seed=True))


@pytest.fixture
async def closed(tmp_path: Path) -> AsyncIterator[ClosedStudy]:
    """Round 1 closed under the whole-panel 70 % rule: the panel (9 answered) agrees on it-act, which
    links a roadmap action; it-b splits it; only 2 of 3 regulators answer, so their group is pooled in
    the export and the report (under COMET a group of 2 < k could not decide at all)."""
    async with lone_hub(tmp_path, with_steward) as hub:
        client = hub.client
        org = await passport(client)
        found = await client.get("/api/kb/search", params={"type": "RoadmapAction", "limit": 1})
        action = found.json()["hits"][0]["id"]
        sid, people = await draft_study(
            client, org, groups={"clin": 4, "pat": 3, "reg": 3}, items=("it-b",), rule="panel_70", k=3
        )
        added = await client.post(
            f"{STUDIES}/{sid}/items",
            json={"id": "it-act", "texts": texts("Share genomic data", "共享基因组数据"), "links": [action]},
            headers=org,
        )
        assert added.status_code == 201, added.text
        tokens = links(tmp_path)
        assert (await client.post(f"{STUDIES}/{sid}/lock", headers=org)).status_code == 200
        opened = await client.post(
            f"{STUDIES}/{sid}/rounds", json={"opens": soon(), "closes": soon(60)}, headers=org
        )
        assert opened.status_code == 201, opened.text
        for group, emails in people.items():
            for n, email in enumerate(emails):
                if group == "reg" and n == 2:
                    continue
                scores = {"it-act": 9 if group != "reg" else 8, "it-b": 1 if group == "clin" else 9}
                reply = await answer(client, tokens[email], scores)
                assert reply.status_code == 200, reply.text
        closed_round = await client.post(f"{STUDIES}/{sid}/rounds/1/close", headers=org)
        assert closed_round.status_code == 200, closed_round.text
        yield ClosedStudy(hub, org, sid, action, people)


async def test_the_csv_export_names_nobody_and_pools_small_groups(closed: ClosedStudy) -> None:
    reply = await closed.hub.client.get(f"{STUDIES}/{closed.sid}/export.csv", headers=closed.org)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    text = reply.text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 9 * 2
    assert {r["group"] for r in rows} == {"clin", "pat and other groups"}  # 2 regulators: below k = 3
    assert {r["code"] for r in rows} == {f"P{n:03d}" for n in range(1, 10)}
    for emails in closed.people.values():
        for email in emails:
            assert email not in text and email.split("@")[0] not in text
    assert "pn-" not in text
    unauthorised = await closed.hub.client.get(f"{STUDIES}/{closed.sid}/export.csv")
    assert unauthorised.status_code == 401


async def test_the_report_is_bilingual_and_shows_the_lock_and_accord(closed: ClosedStudy) -> None:
    client = closed.hub.client
    study = (await client.get(f"{STUDIES}/{closed.sid}", headers=closed.org)).json()["study"]
    for lang, title, status in (("en", "Core outcomes", "in"), ("zh", "核心结局", "纳入")):
        reply = await client.get(f"{STUDIES}/{closed.sid}/report", params={"lang": lang}, headers=closed.org)
        assert reply.status_code == 200, reply.text
        page = reply.text
        assert f"<title>{title}" in page
        assert (
            study["lock"]["digest"] in page
            and f'<td id="audit-seq">{study["lock"]["audit_seq"]}</td>' in page
        )
        assert f'class="status-in">{status}</td>' in page
        assert "ACCORD" in page and "<svg" in page and "<script" not in page
        assert "panel.example" not in page  # no panellist's address, name or link
        assert "built-in" not in page and " object at 0x" not in page
        assert "<th>Items</th>" in page or "<th>条目数</th>" in page
    zh = (await client.get(f"{STUDIES}/{closed.sid}/report", params={"lang": "zh"}, headers=closed.org)).text
    assert "共享基因组数据" in zh and "(译文: 机器翻译)" in zh
    assert "pat + 其他群组 (n = 5)" in zh  # the two regulators who answered are pooled, never shown alone
    assert "reg (n =" not in zh
    assert re.search(r"pat \+ 其他群组：5 人中 \d 人评 7–9 分，\d 人评 1–3 分", zh)  # figures in 中文


@pytest.mark.skipif(shutil.which("chromium") is None and not CI, reason="needs Debian's chromium")
@pytest.mark.skipif(shutil.which("pdftotext") is None and not CI, reason="needs poppler-utils' pdftotext")
async def test_the_pdf_report_holds_the_chinese_title_and_a_status(
    closed: ClosedStudy, tmp_path: Path
) -> None:
    reply = await closed.hub.client.get(
        f"{STUDIES}/{closed.sid}/report", params={"format": "pdf", "lang": "zh"}, headers=closed.org
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.content.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(reply.content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "核心结局" in text
    assert "共享基因组数据" in text and "纳入" in text


async def test_no_chromium_answers_503_pdf_unavailable(
    closed: ClosedStudy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    reply = await closed.hub.client.get(
        f"{STUDIES}/{closed.sid}/report", params={"format": "pdf"}, headers=closed.org
    )
    assert reply.status_code == 503
    assert reply.json()["error"]["code"] == "pdf_unavailable"


async def test_an_agreed_item_updates_the_roadmap_once_a_steward_confirms(closed: ClosedStudy) -> None:
    client, sid = closed.hub.client, closed.sid
    refused = await client.post(
        f"{STUDIES}/{sid}/items/it-b/roadmap",
        json={"action": closed.action, "status": "done"},
        headers=closed.org,
    )
    assert (
        refused.status_code == 400 and "did not end with consensus" in refused.json()["error"]["errorMessage"]
    )
    unlinked = await client.post(
        f"{STUDIES}/{sid}/items/it-act/roadmap",
        json={"action": "policy:gdpr", "status": "done"},
        headers=closed.org,
    )
    assert unlinked.status_code == 400
    proposed = await client.post(
        f"{STUDIES}/{sid}/items/it-act/roadmap",
        json={"action": closed.action, "status": "in-progress", "note": "start in 2027"},
        headers=closed.org,
    )
    assert proposed.status_code == 201, proposed.text
    update = proposed.json()["update"]
    assert (update["state"], update["round"], update["item"]) == ("proposed", 1, "it-act")

    steward = {"Authorization": f"Bearer {STEWARD_TOKEN}"}
    listed = (await client.get("/api/consensus/roadmap-updates", headers=steward)).json()["updates"]
    assert [u["id"] for u in listed] == [update["id"]]
    assert (await client.get("/api/consensus/roadmap-updates")).status_code == 401
    organiser_cannot = await client.post(
        f"/api/consensus/roadmap-updates/{update['id']}/confirm", json={}, headers=closed.org
    )
    assert organiser_cannot.status_code in (401, 403)

    confirmed = await client.post(
        f"/api/consensus/roadmap-updates/{update['id']}/confirm",
        json={"steward": "Dr Steward"},
        headers=steward,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["update"]["state"] == "confirmed"
    entry = (await client.get(f"/api/kb/entities/{closed.action}")).json()
    last = entry["history"][-1]
    assert last["to"] == "in-progress" and last["by"] == "Dr Steward"
    assert f"Delphi study {sid}" in last["note"] and "it-act" in last["note"] and "round 1" in last["note"]
    again = await client.post(
        f"/api/consensus/roadmap-updates/{update['id']}/confirm",
        json={"steward": "Dr Steward"},
        headers=steward,
    )
    assert again.status_code == 400


async def test_the_client_reaches_every_output(closed: ClosedStudy) -> None:
    from pmbridge.client import AsyncHubClient

    token = closed.org["Authorization"].removeprefix("Bearer ")
    transport = httpx.ASGITransport(app=closed.hub.app)
    async with AsyncHubClient("http://hub", passport=token, transport=transport) as hub:
        results = await hub.study_results(closed.sid)
        assert results.final() == {"it-act": "in", "it-b": "no_consensus"}
        assert (await hub.study_export(closed.sid)).startswith(b"code,round,group,item,score")
        assert b"<svg" in await hub.study_report(closed.sid, lang="zh")
        assert (await hub.verify_study(closed.sid)).ok
        assert (await hub.roadmap_updates()).updates == []


async def test_a_draft_has_an_empty_export_and_a_report_saying_it_is_not_locked(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        exported = await hub.client.get(f"{STUDIES}/{sid}/export.csv", headers=org)
        assert exported.status_code == 200 and exported.text.splitlines() == ["code,round,group,item,score"]
        page = await hub.client.get(f"{STUDIES}/{sid}/report", headers=org)
        assert page.status_code == 200 and "The study is not locked." in page.text
        assert (await hub.client.get(f"{STUDIES}/st-nope/report", headers=org)).status_code == 404
