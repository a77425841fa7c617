"""The request audit that node and hub share (``pmbridge.web.AuditedRequests``): one entry per
request under /api, written before its reply leaves, with the rule a check admitted it by, or the
refusal a check or a limit decided, answered as a Beacon error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Scope

from pmbridge.audit import AuditEntry, AuditLog, RequestAudit, read_audit_log
from pmbridge.errors import PassportRejected, PMBridgeError
from pmbridge.hub import create_hub_app
from pmbridge.signing import generate_key_pair
from pmbridge.web import AuditedRequests
from tests.trust import hub_config

pytestmark = pytest.mark.anyio


def check(scope: Scope, body: bytes, audit: RequestAudit) -> str | PMBridgeError:
    """Admit a request unless it says ``refuse`` in its body."""
    if b"refuse" in body:
        audit.refuse("test:refused")
        return PassportRejected("expired", "the passport expired", hint="sign in again")
    return "test:ok"


@pytest.fixture
async def audited(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    app = FastAPI()

    @app.post("/api/echo")
    def echo() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    path = tmp_path / "audit.jsonl"
    with AuditLog(path, key=generate_key_pair()) as log:
        app.add_middleware(
            AuditedRequests, audit_log=lambda: log, role="node", name="t", beacon_id="org.test", check=check
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, path


def entries(path: Path) -> list[AuditEntry]:
    return [line.entry for line in read_audit_log(path) if line.entry is not None]


async def test_an_admitted_request_is_audited_with_the_rule_that_admitted_it(
    audited: tuple[httpx.AsyncClient, Path],
) -> None:
    client, path = audited
    assert (await client.post("/api/echo", json={"q": 1})).status_code == 200
    assert (await client.get("/health")).status_code == 200  # outside /api: no entry
    [entry] = entries(path)
    assert (entry.action, entry.rule, entry.released) == ("request", "test:ok", {"status": 200})
    assert entry.query.startswith("POST /api/echo sha256:")


async def test_a_refused_request_never_reaches_the_app_and_its_refusal_is_audited(
    audited: tuple[httpx.AsyncClient, Path],
) -> None:
    client, path = audited
    reply = await client.post("/api/echo", json={"please": "refuse"})
    assert reply.status_code == 401
    error = reply.json()["error"]
    assert error["code"] == "passport_rejected" and error["hint"] == "sign in again"
    [entry] = entries(path)
    assert (entry.action, entry.rule, entry.released) == ("refusal", "test:refused", {"status": 401})


async def test_an_oversized_body_is_refused_and_audited_before_any_check(
    audited: tuple[httpx.AsyncClient, Path],
) -> None:
    client, path = audited
    reply = await client.post("/api/echo", content=b"x" * (1_048_576 + 1))
    assert reply.status_code == 413 and reply.json()["error"]["code"] == "request_too_large"
    [entry] = entries(path)
    assert (entry.action, entry.rule) == ("refusal", "request_too_large")


SRC = Path(__file__).resolve().parents[2] / "src" / "pmbridge"


@pytest.mark.parametrize(
    ("call", "home"),
    [
        ("attach_request_audit(", "web/_audit.py"),  # the request audit middleware
        ("caller_from_headers(", "web/_caller.py"),  # the passport and purpose of a request
    ],
)
def test_node_and_hub_share_one_copy_of_their_web_plumbing(call: str, home: str) -> None:
    users = sorted(
        str(module.relative_to(SRC))
        for module in SRC.rglob("*.py")
        if call in module.read_text(encoding="utf-8").replace(f"def {call}", "")
    )
    assert users == [home]


def test_the_hub_audits_with_the_shared_middleware(tmp_path: Path) -> None:
    hub = create_hub_app(hub_config([], tmp_path))
    assert [m.cls for m in hub.user_middleware].count(AuditedRequests) == 1
