"""Hostile input at the node's trust boundary: a body nested past what a parser recurses through is
refused with a 400 naming the limit, before anything parses it, and the refusal leaves signed and
audited like every other reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.beacon import MAX_NESTING
from pmbridge.signing import KeyRing, sign_request, verify_reply
from tests.beacon_schemas import ERROR, errors
from tests.node.test_signed_exchange import NODE, entries, serving
from tests.trust import HUB_KEY

pytestmark = pytest.mark.anyio

DEEP = b'{"query": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize("signed", [True, False])
async def test_a_deeply_nested_body_is_a_signed_audited_400_naming_the_limit(
    node_dir: Path, signed: bool
) -> None:
    headers = {"content-type": "application/json"}
    if signed:
        headers |= sign_request(
            method="POST", target="/api/individuals", body=DEEP, key=HUB_KEY, audience=NODE
        )
    async with serving(node_dir) as served:
        reply = await served.client.post("/api/individuals", content=DEEP, headers=headers)
        last = entries(served.context)[-1]
        key = served.context.key.verifying_key
    assert reply.status_code == 400, reply.text
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert doc["error"]["errorMessage"].startswith(f"request body nests deeper than {MAX_NESTING} levels")
    assert verify_reply(reply, reply.content, keys=KeyRing({NODE: key})).owner == NODE
    assert (last.action, last.rule, last.released) == ("refusal", "request_too_deep", {"status": 400})
    assert last.query.startswith("POST /api/individuals sha256:")


async def test_a_body_at_the_limit_is_read_as_usual(node_dir: Path) -> None:
    nested = b'{"query": {"filters": []}, "x": ' + b"[" * (MAX_NESTING - 1) + b"]" * (MAX_NESTING - 1) + b"}"
    headers = sign_request(method="POST", target="/api/individuals", body=nested, key=HUB_KEY, audience=NODE)
    async with serving(node_dir) as served:
        reply = await served.client.post(
            "/api/individuals", content=nested, headers={**headers, "content-type": "application/json"}
        )
    assert reply.status_code != 500 and "nests deeper" not in reply.text
