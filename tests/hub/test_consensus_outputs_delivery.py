"""The consensus outbox over real mail and webhooks, and the studies' clock under a fake one: rounds
open and close on time, and non-responders get one reminder 3 days and one 1 day before a round closes."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from pmbridge.demo._mail import LocalMailServer
from pmbridge.hub import AccessTable, HubConfig
from pmbridge.hub._access_delivery import Delivery
from pmbridge.hub._consensus_delivery import deliver_consensus
from pmbridge.hub._consensus_desk import ConsensusDesk
from pmbridge.hub._consensus_sweep import sweep
from pmbridge.hub._delivery_settings import SmtpSettings, WebhookSettings
from tests.hub.consensus_hub import (
    STUDIES,
    answer,
    consensus_config,
    consensus_hub,
    draft_study,
    links,
    passport,
    store,
)
from tests.hub.lone_hub import lone_hub
from tests.hub.test_delivery import (  # noqa: F401  (fixtures)
    Receiver,
    closed_port,
    mail_server,
    receiver,
    secret,
    smtp_to,
)
from tests.portal.test_delphi_pages import sign_in

pytestmark = pytest.mark.anyio


def outbox(root: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(store(root)) as con:
        return con.execute(
            "SELECT recipient, kind, mail, body FROM outbox ORDER BY created, rowid"
        ).fetchall()


async def test_mail_goes_out_once_with_its_link_then_the_body_is_blanked(
    tmp_path: Path,
    mail_server: LocalMailServer,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    secret: str,  # noqa: F811
) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, people = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        tokens = links(tmp_path)
        desk = hub.app.state.consensus
        assert isinstance(desk, ConsensusDesk)
        delivery = Delivery(
            smtp=smtp_to(mail_server), webhooks=(WebhookSettings(url=receiver.url),), portal_url=""
        )
        async with httpx.AsyncClient(timeout=5.0) as client:
            sent = await deliver_consensus(desk.store, delivery, client, now=datetime.now(UTC))
            assert sent == 3
            assert await deliver_consensus(desk.store, delivery, client, now=datetime.now(UTC)) == 0

        mails = mail_server.messages()
        assert sorted(m["To"].addresses[0].addr_spec for m in mails) == sorted(people["clin"])
        by_address = {m["To"].addresses[0].addr_spec: m for m in mails}
        zh = by_address["clin-1@panel.example"]  # odd panellists read Chinese
        assert zh["Content-Language"] == "zh-Hans" and "核心结局" in zh["Subject"]
        for email, token in tokens.items():
            assert f"https://portal.example/delphi/p/{token}" in by_address[email].get_content()
        assert all(mail == "sent" and body == "" for _, _, mail, body in outbox(tmp_path))

        assert len(receiver.got) == 3
        for headers, raw in receiver.got:
            payload = Webhook(secret).verify(raw, headers)
            assert payload["type"] == "consensus.invitation"
            assert payload["data"] == {"kind": "invitation", "study": sid}
            assert not any(token in raw.decode() for token in tokens.values())
            assert "panel.example" not in raw.decode()


def mail_rows(root: Path) -> list[tuple[str, int, str, str]]:
    """Each mail's state, tries, last try and body."""
    with sqlite3.connect(store(root)) as con:
        return con.execute(
            "SELECT mail, tries, last_try, body FROM outbox ORDER BY created, rowid"
        ).fetchall()


async def test_a_mail_server_down_for_days_is_tried_later_and_later_and_given_up_after_3_days(
    tmp_path: Path,
) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        desk = hub.app.state.consensus
        down = SmtpSettings(host="127.0.0.1", port=closed_port(), starttls=False, timeout_seconds=2.0)
        delivery = Delivery(smtp=down, webhooks=(), portal_url="")
        start = datetime.now(UTC)
        tried_at: list[int] = []  # the minutes after the start at which the mails were tried
        async with httpx.AsyncClient(timeout=5.0) as client:
            for minute in range(64):
                before = mail_rows(tmp_path)[0][1]
                assert (
                    await deliver_consensus(
                        desk.store, delivery, client, now=start + timedelta(minutes=minute)
                    )
                    == 0
                )
                if mail_rows(tmp_path)[0][1] > before:
                    tried_at.append(minute)
            assert tried_at == [0, 1, 3, 7, 15, 31, 63]  # waits of 1, 2, 4 … minutes
            rows = mail_rows(tmp_path)
            assert {(state, tries) for state, tries, _, _ in rows} == {("pending", 7)}
            assert all(last == (start + timedelta(minutes=63)).isoformat() for _, _, last, _ in rows)

            # two days on (five tries used to be the end) the links are still there for the next try
            await deliver_consensus(desk.store, delivery, client, now=start + timedelta(days=2))
            assert all(
                state == "pending" and "/delphi/p/" in body for state, _, _, body in mail_rows(tmp_path)
            )
            seen = (await hub.client.get(f"{STUDIES}/{sid}/participation", headers=org)).json()
            mail = seen["panellists"][0]["mail"]
            assert mail["kind"] == "invitation" and mail["state"] == "pending" and mail["tries"] == 8
            assert "did not take the mail" in mail["error"] and "hint" not in mail
            await sign_in(hub.client)
            page = (await hub.client.get(f"/delphi/{sid}")).text
            assert page.count('data-mail-state="pending"') == 3 and "not sent yet, trying again" in page

            # three days after it was queued a failed mail is given up, and its link forgotten
            await deliver_consensus(desk.store, delivery, client, now=start + timedelta(days=3, minutes=1))
        assert all(state == "failed" and body == "" for state, _, _, body in mail_rows(tmp_path))
        seen = (await hub.client.get(f"{STUDIES}/{sid}/participation", headers=org)).json()
        for person in seen["panellists"]:
            assert person["mail"]["state"] == "failed" and "did not take the mail" in person["mail"]["error"]
            assert f"POST /api/consensus/studies/{sid}/remind" in person["mail"]["hint"]
        page = (await hub.client.get(f"/delphi/{sid}")).text
        assert (
            page.count('data-mail-state="failed"') == 3
            and "sends everyone who has not answered a fresh link" in page
        )
        chinese = (await hub.client.get(f"/delphi/{sid}", params={"lang": "zh"})).text
        assert chinese.count("未发送：") == 3 and "发送新的链接" in chinese


def reminders(root: Path) -> list[str]:
    return [recipient for recipient, kind, _, _ in outbox(root) if kind == "reminder"]


async def test_the_clock_opens_reminds_twice_and_closes(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        tokens = links(tmp_path)
        assert (await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)).status_code == 200
        start = datetime.now(UTC).replace(microsecond=0)
        opens, closes = start + timedelta(hours=1), start + timedelta(days=10)
        body = {"opens": opens.isoformat(), "closes": closes.isoformat()}
        assert (await hub.client.post(f"{STUDIES}/{sid}/rounds", json=body, headers=org)).status_code == 201
        desk = hub.app.state.consensus

        early = sweep(desk, start)
        assert (early.opened, early.closed, early.reminded) == ([], [], [])
        assert sweep(desk, opens).opened == [(sid, 1)]
        assert len([k for _, k, _, _ in outbox(tmp_path) if k == "round_opened"]) == 3
        reply = await answer(hub.client, tokens["clin-0@panel.example"], {"it-a": 9, "it-b": 5})
        assert reply.status_code == 200, reply.text

        assert sweep(desk, closes - timedelta(days=4)).reminded == []
        assert sweep(desk, closes - timedelta(days=3)).reminded == [(sid, 1, 2)]
        assert sweep(desk, closes - timedelta(days=2)).reminded == []  # once each
        assert sorted(reminders(tmp_path)) == ["clin-1@panel.example", "clin-2@panel.example"]
        assert sweep(desk, closes - timedelta(hours=23)).reminded == [(sid, 1, 2)]
        assert sweep(desk, closes - timedelta(hours=1)).reminded == []
        assert len(reminders(tmp_path)) == 4

        done = sweep(desk, closes)
        assert (done.closed, done.reminded) == ([(sid, 1)], [])
        study = (await hub.client.get(f"{STUDIES}/{sid}", headers=org)).json()["study"]
        assert study["rounds"][0]["state"] == "closed"
        assert sweep(desk, closes + timedelta(days=1)).closed == []


async def test_a_late_sweep_reminds_once_and_a_short_round_not_at_its_start(tmp_path: Path) -> None:
    async with consensus_hub(tmp_path) as hub:
        org = await passport(hub.client)
        sid, _ = await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        assert (await hub.client.post(f"{STUDIES}/{sid}/lock", headers=org)).status_code == 200
        start = datetime.now(UTC).replace(microsecond=0)
        closes = start + timedelta(days=2)  # opens now: the 3-day reminder day fell before it
        body = {"opens": start.isoformat(), "closes": closes.isoformat()}
        assert (await hub.client.post(f"{STUDIES}/{sid}/rounds", json=body, headers=org)).status_code == 201
        desk = hub.app.state.consensus
        assert sweep(desk, start + timedelta(minutes=5)).reminded == []
        # the hub was down from the start until 12 hours before the close: one reminder, not a burst
        assert sweep(desk, closes - timedelta(hours=12)).reminded == [(sid, 1, 3)]
        assert sweep(desk, closes - timedelta(hours=11)).reminded == []
        assert len(reminders(tmp_path)) == 3


async def test_the_hubs_own_loop_sends_the_invitations_when_kicked(
    tmp_path: Path,
    mail_server: LocalMailServer,  # noqa: F811
) -> None:
    def local_mail(config: HubConfig) -> HubConfig:
        config = consensus_config(config)
        return replace(config, access=AccessTable(smtp=smtp_to(mail_server)))

    async with lone_hub(tmp_path, local_mail) as hub:
        org = await passport(hub.client)
        await draft_study(hub.client, org, groups={"clin": 3}, k=3)
        hub.app.state.consensus_loop.kick()
        for _ in range(100):  # at most 10 s
            if len(mail_server.messages()) == 3 and all(body == "" for *_, body in outbox(tmp_path)):
                break
            await asyncio.sleep(0.1)
        assert len(mail_server.messages()) == 3
        assert all(mail == "sent" and body == "" for _, _, mail, body in outbox(tmp_path))
