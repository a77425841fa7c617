"""Hostile input at the hub: a body nested past what a parser recurses through is a 400 naming the
limit, in the Beacon error shape, audited as a refusal, before anything parses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmbridge.beacon import MAX_NESTING
from tests.beacon_schemas import ERROR, errors
from tests.hub.lone_hub import lone_hub

pytestmark = pytest.mark.anyio

DEEP = b'{"query": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize("path", ["/api/individuals", "/api/auth/token", "/api/match/contact", "/api/rank"])
async def test_a_deeply_nested_body_is_an_audited_400_naming_the_limit(tmp_path: Path, path: str) -> None:
    async with lone_hub(tmp_path) as hub:
        reply = await hub.client.post(path, content=DEEP, headers={"content-type": "application/json"})
        audit_log = hub.audit_log
    assert reply.status_code == 400, reply.text
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert doc["error"]["errorMessage"].startswith(f"request body nests deeper than {MAX_NESTING} levels")
    last = json.loads(audit_log.read_text().splitlines()[-1])
    assert (last["action"], last["rule"], last["released"]) == (
        "refusal",
        "request_too_deep",
        {"status": 400},
    )
