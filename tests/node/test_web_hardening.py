"""What every reply of the node carries: the security headers, added after the reply was signed
(so the signature still verifies), and a 405 that names in ``Allow`` every method its path takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.signing import KeyRing, sign_request, verify_reply
from tests.node.test_signed_exchange import COUNT, NODE, serving, signed_headers
from tests.trust import HUB_KEY

pytestmark = pytest.mark.anyio


async def test_a_signed_reply_carries_the_security_headers_and_still_verifies(node_dir: Path) -> None:
    async with serving(node_dir) as served:
        replies = [
            await served.client.post("/api/individuals", content=COUNT, headers=signed_headers()),
            await served.client.get("/health"),
            await served.client.post("/api/individuals", content=COUNT),  # unsigned: refused
        ]
        keys = KeyRing({NODE: served.context.key.verifying_key})
    for reply in replies:
        assert "default-src 'self'" in reply.headers["content-security-policy"]
        assert reply.headers["x-frame-options"] == "DENY"
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["referrer-policy"] == "same-origin"
        assert verify_reply(reply, reply.content, keys=keys).owner == NODE


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("DELETE", "/api/individuals", "GET, HEAD, POST"), ("PUT", "/api/info", "GET, HEAD")],
)
async def test_a_405_names_every_method_its_path_takes(
    node_dir: Path, method: str, path: str, allowed: str
) -> None:
    headers = sign_request(method=method, target=path, body=b"", key=HUB_KEY, audience=NODE)
    async with serving(node_dir) as served:
        reply = await served.client.request(method, path, headers=headers)
    assert reply.status_code == 405, reply.text
    assert reply.headers["allow"] == allowed
