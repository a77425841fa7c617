"""Delivering notifications over the network for real: mail through a local SMTP server, signed
webhooks to a local receiver that checks them with the Standard Webhooks reference code."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from pmbridge.access._mail import render_mail
from pmbridge.access._notifications import Language, Notification, Recipient, notification_payload
from pmbridge.config import validated
from pmbridge.demo._mail import LocalMailServer
from pmbridge.errors import ConfigError, UpstreamError
from pmbridge.hub._delivery_settings import SmtpSettings, WebhookSettings
from pmbridge.hub._mailer import send_mail
from pmbridge.hub._webhooks import post_webhook

pytestmark = pytest.mark.anyio

SECRET = "whsec_" + base64.b64encode(b"pm-bridge test secret, 32 bytes!").decode()
TITLE = "共济失调队列 {SCA3} — Ataxia cohort"


def a_notification(lang: Language = Language.ZH) -> Notification:
    return Notification(
        id="nt-0007",
        recipient=Recipient("cn-steward", "王医生", "wang@example.cn", lang),
        kind="resource.return",
        request_id="ar-0001",
        resource_id="rs-0002",
        title=TITLE,
        params={"node": "shanghai", "dataset": "sh-rd", "reason": "请补充伦理批件 (ethics approval)"},
        link="/requests/ar-0001",
        created=datetime.now(UTC),
    )


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[LocalMailServer]:
    with LocalMailServer(tmp_path, ready_timeout=5.0) as server:
        yield server


def smtp_to(server: LocalMailServer, **changes: object) -> SmtpSettings:
    table: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "starttls": False,
        "timeout_seconds": 5.0,
    }
    return SmtpSettings.model_validate({**table, **changes})


# --- mail ----------------------------------------------------------------------------------------


async def test_a_chinese_mail_arrives_whole(mail_server: LocalMailServer) -> None:
    n = a_notification(Language.ZH)
    subject, body = render_mail(n, portal_url="http://127.0.0.1:8200")
    settings = smtp_to(mail_server, sender="PM Bridge <access@hub.example.org>")
    await send_mail(
        settings,
        to="wang@example.cn",
        to_name="王医生",
        subject=subject,
        body=body,
        language=n.recipient.language,
    )

    (mail,) = mail_server.messages()
    assert mail["Subject"] == subject
    assert TITLE in mail["Subject"]
    assert mail["To"] == "王医生 <wang@example.cn>"
    assert mail["To"].addresses[0].addr_spec == "wang@example.cn"
    assert mail["From"] == "PM Bridge <access@hub.example.org>"
    assert mail["Content-Language"] == "zh-Hans"
    assert mail["Message-ID"].endswith("@hub.example.org>")
    assert mail["Date"].datetime.tzinfo is not None
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    text = mail.get_content()
    assert text == body
    assert "请补充伦理批件 (ethics approval)" in text
    assert "http://127.0.0.1:8200/requests/ar-0001" in text
    assert [p.name for p in sorted(mail_server.mailbox.iterdir())] == ["0001.eml"]


async def test_mails_are_numbered_in_the_mailbox(mail_server: LocalMailServer) -> None:
    settings = smtp_to(mail_server)
    for number in range(3):
        await send_mail(
            settings,
            to="ana@example.org",
            to_name="Ana",
            subject=f"Mail {number}",
            body="Hello\n",
            language=Language.EN,
        )
    assert [m["Subject"] for m in mail_server.messages()] == ["Mail 0", "Mail 1", "Mail 2"]
    assert [p.name for p in sorted(mail_server.mailbox.glob("*.eml"))] == ["0001.eml", "0002.eml", "0003.eml"]
    first = (mail_server.mailbox / "0001.eml").read_bytes()
    assert b"Content-Language: en" in first
    assert mail_server.messages()[0].get_content() == "Hello\n"


async def test_a_header_cannot_be_split_by_a_name_or_subject(mail_server: LocalMailServer) -> None:
    await send_mail(
        smtp_to(mail_server),
        to="ana@example.org",
        to_name="Ana\r\nBcc: eve@example.org",
        subject="Hi\nBcc: eve@example.org",
        body="x\n",
        language=Language.EN,
    )
    (mail,) = mail_server.messages()
    assert mail["Bcc"] is None
    assert "\n" not in mail["Subject"]


async def test_smtp_down_names_the_server_and_the_settings() -> None:
    port = closed_port()
    settings = SmtpSettings(host="127.0.0.1", port=port, starttls=False, timeout_seconds=2.0)
    with pytest.raises(UpstreamError) as caught:
        await send_mail(
            settings, to="a@example.org", to_name="A", subject="s", body="b\n", language=Language.EN
        )
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "[access.smtp]" in caught.value.hint
    assert caught.value.status == 502


async def test_starttls_against_a_server_without_it_is_an_upstream_error(
    mail_server: LocalMailServer,
) -> None:
    with pytest.raises(UpstreamError, match=f"127.0.0.1:{mail_server.port}"):
        await send_mail(
            smtp_to(mail_server, starttls=True),
            to="a@x.org",
            to_name="A",
            subject="s",
            body="b",
            language=Language.EN,
        )
    assert mail_server.messages() == []


async def test_a_login_without_its_password_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PMBRIDGE_SMTP_PASSWORD", raising=False)
    settings = SmtpSettings(host="127.0.0.1", port=closed_port(), username="hub")
    with pytest.raises(ConfigError, match="PMBRIDGE_SMTP_PASSWORD"):
        await send_mail(settings, to="a@x.org", to_name="A", subject="s", body="b", language=Language.EN)


async def test_mail_off_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="host is empty"):
        await send_mail(
            SmtpSettings(), to="a@x.org", to_name="A", subject="s", body="b", language=Language.EN
        )


def test_the_mail_server_port_is_known_only_while_running(tmp_path: Path) -> None:
    server = LocalMailServer(tmp_path)
    with pytest.raises(ConfigError):
        _ = server.port
    server.start()
    try:
        assert server.port > 0
    finally:
        server.stop()


# --- settings ------------------------------------------------------------------------------------


def test_delivery_is_off_by_default() -> None:
    assert not SmtpSettings().enabled
    assert not WebhookSettings().enabled
    assert SmtpSettings(host="smtp.example.org").enabled
    assert WebhookSettings().wants("message")
    assert not WebhookSettings(kinds=["request.submit"]).wants("message")


@pytest.mark.parametrize(
    ("model", "table", "words"),
    [
        (SmtpSettings, {"password_env": "hunter2!"}, "password_env"),
        (SmtpSettings, {"port": 0}, "at least 1"),
        (WebhookSettings, {"url": "ftp://files.example.org/x"}, "url"),
        (WebhookSettings, {"url": "javascript:alert(1)"}, "url"),
        (WebhookSettings, {"kinds": ["resource.aprove"]}, "did you mean 'resource.approve'"),
        (WebhookSettings, {"secret": "whsec_abc"}, "did you mean 'secret_env'"),
    ],
)
def test_bad_delivery_settings_are_named(
    model: type[SmtpSettings | WebhookSettings], table: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError, match=words):
        validated(model, table, where="hub.toml", at=("access", "x"))


# --- webhooks ------------------------------------------------------------------------------------


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: keeps what it got, answers ``status``."""

    url: str
    status: int = 204
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            box.got.append(({k: v for k, v in self.headers.items()}, self.rfile.read(length)))
            self.send_response(box.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/secret-token-in-path"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PMBRIDGE_WEBHOOK_SECRET", SECRET)
    return SECRET


async def test_a_webhook_verifies_with_the_reference_code(receiver: Receiver, secret: str) -> None:
    payload = notification_payload(a_notification())
    async with httpx.AsyncClient(timeout=5.0) as client:
        await post_webhook(
            client, WebhookSettings(url=receiver.url), payload, message_id="nt-0007", now=datetime.now(UTC)
        )
    ((headers, body),) = receiver.got
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "nt-0007"
    assert Webhook(secret).verify(body, headers) == payload
    assert json.loads(body)["data"]["title"] == TITLE
    assert "wang@example.cn" not in body.decode()


async def test_a_tampered_webhook_fails_verification(receiver: Receiver, secret: str) -> None:
    async with httpx.AsyncClient(timeout=5.0) as client:
        await post_webhook(
            client,
            WebhookSettings(url=receiver.url),
            {"type": "message"},
            message_id="nt-1",
            now=datetime.now(UTC),
        )
    ((headers, body),) = receiver.got
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"message", b"massage"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "nt-2"})
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)


async def test_a_refusing_receiver_is_an_upstream_error_without_its_token(
    receiver: Receiver, secret: str
) -> None:
    receiver.status = 401
    async with httpx.AsyncClient(timeout=5.0) as client:
        with pytest.raises(UpstreamError, match="HTTP 401") as caught:
            await post_webhook(
                client,
                WebhookSettings(url=receiver.url),
                {"type": "message"},
                message_id="nt-1",
                now=datetime.now(UTC),
            )
    assert "secret-token-in-path" not in str(caught.value)
    assert "PMBRIDGE_WEBHOOK_SECRET" in caught.value.hint


async def test_an_unreachable_receiver_is_an_upstream_error(secret: str) -> None:
    settings = WebhookSettings(url=f"http://127.0.0.1:{closed_port()}/hook", timeout_seconds=2.0)
    async with httpx.AsyncClient() as client:
        with pytest.raises(UpstreamError, match="could not be reached") as caught:
            await post_webhook(
                client, settings, {"type": "message"}, message_id="nt-1", now=datetime.now(UTC)
            )
    assert "[access.webhook]" in caught.value.hint


@pytest.mark.parametrize("value", [None, "", "whsec_"])
async def test_a_missing_secret_is_a_config_error(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("PMBRIDGE_WEBHOOK_SECRET", raising=False)
    else:
        monkeypatch.setenv("PMBRIDGE_WEBHOOK_SECRET", value)
    async with httpx.AsyncClient(timeout=5.0) as client:
        with pytest.raises(ConfigError, match="PMBRIDGE_WEBHOOK_SECRET"):
            await post_webhook(
                client,
                WebhookSettings(url=receiver.url),
                {"type": "message"},
                message_id="nt-1",
                now=datetime.now(UTC),
            )
    assert receiver.got == []


async def test_only_http_addresses_are_posted_to(secret: str) -> None:
    unchecked = WebhookSettings.model_construct(
        url="file:///etc/passwd", secret_env="PMBRIDGE_WEBHOOK_SECRET"
    )
    async with httpx.AsyncClient(timeout=5.0) as client:
        with pytest.raises(ConfigError, match="http"):
            await post_webhook(
                client, unchecked, {"type": "message"}, message_id="nt-1", now=datetime.now(UTC)
            )


async def test_the_outbox_sends_each_step_to_the_webhook_once_and_keeps_a_failure_for_later(
    receiver: Receiver, secret: str, tmp_path: Path
) -> None:
    """A desk step's notifications reach an institutional receiver, signed; a receiver that is down
    leaves them pending (the step itself is stored), and the next round delivers them once."""
    from datetime import timedelta

    from pmbridge.access import parse_draft
    from pmbridge.audit import AuditLog
    from pmbridge.hub._access_delivery import Delivery, deliver, pending
    from pmbridge.hub._access_desk import AccessDesk
    from pmbridge.hub._access_parties import NodeDesk, Steward, Who
    from pmbridge.hub._access_steps import Channels
    from pmbridge.hub._access_store import AccessStore
    from pmbridge.signing import generate_key_pair

    issuer = "https://broker.example"
    desks = {
        "rome": NodeDesk(
            "rome",
            "Rome",
            "https://rome.example/dac",
            (Steward("rome-steward", "Marco", None, Language.EN, issuer),),
        )
    }
    delivery = Delivery(
        smtp=None, webhooks=(WebhookSettings(url=receiver.url),), portal_url="https://pm.example"
    )
    now = datetime.now(UTC)  # receivers refuse a webhook-timestamp more than 5 minutes off
    with AuditLog(tmp_path / "audit.jsonl", key=generate_key_pair()) as audit:
        desk = AccessDesk(
            AccessStore(tmp_path / "access.sqlite"),
            audit=audit,
            desks=desks,
            channels=Channels(mail=False, hooks=True),
        )
        body = {
            "title": TITLE,
            "abstract": "a",
            "name": "G",
            "email": "g@uni.example",
            "purpose": {"category": "research", "use": "HMB"},
            "until": "2027-01-31",
            "datasets": [{"node": "rome", "dataset": "rome-rd"}],
        }
        body["until"] = (now.date() + timedelta(days=30)).isoformat()
        draft = parse_draft(body, today=now.date())
        check = {
            "id": "rome-rd",
            "send": True,
            "granularity": {"requested": "count", "sent": "count"},
            "duo": {"verdict": "APPROVE", "checks": [], "releases": {"duo": "x", "mondo": "y"}},
            "rules": [],
            "summary": "",
        }
        made = desk.create(Who(issuer, "eu-researcher", "G"), draft, {}, now)
        receiver.status = 503
        desk.submit(Who(issuer, "eu-researcher", "G"), made.id, {"rome/rome-rd": check}, now)
        async with httpx.AsyncClient(timeout=5.0) as client:
            assert await deliver(desk.store, delivery, client, now=now) == 0
            assert {n.kind for n, _, _ in pending(desk.store)} == {"request.submit", "request.approve"}
            receiver.status = 204
            failed_tries = len(receiver.got)
            assert await deliver(desk.store, delivery, client, now=now) == 2
            assert await deliver(desk.store, delivery, client, now=now) == 0  # nothing twice
    delivered = receiver.got[failed_tries:]
    assert sorted(Webhook(secret).verify(b, h)["type"] for h, b in delivered) == [
        "request.approve",
        "request.submit",
    ]
