"""Signing over real HTTP plumbing: httpx signs, a FastAPI app verifies and signs its reply, in process.

The small app here shows how a node integrates the pure core: the target is the raw path and
query from the ASGI scope (as sent, percent-encoding kept), the body is the raw bytes.
"""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from pmbridge.errors import SignatureRejected
from pmbridge.signing import (
    KeyRing,
    Message,
    RequestVerifier,
    SignedRequests,
    SigningKey,
    generate_key_pair,
    sign_response,
    verify_reply,
)

pytestmark = pytest.mark.anyio


def node_app(node_key: SigningKey, hub_ring: KeyRing) -> FastAPI:
    app = FastAPI()
    verifier = RequestVerifier(keys=hub_ring, audience="eu-rome")

    @app.post("/api/individuals")
    async def individuals(request: Request) -> Response:
        raw_path = request.scope["raw_path"].decode("ascii")
        query = request.scope["query_string"].decode("ascii")
        target = raw_path + (f"?{query}" if query else "")
        body = await request.body()
        asked = Message.request(request.method, target, request.headers.items())
        try:
            who = verifier.verify(
                method=request.method, target=target, headers=request.headers.items(), body=body
            )
        except SignatureRejected as exc:
            reply, status = json.dumps({"error": exc.to_dict()}).encode(), exc.status
        else:
            reply, status = json.dumps({"count": 40, "asked_by": who.owner}).encode(), 200
        headers = sign_response(status=status, body=reply, key=node_key, request=asked)
        return Response(reply, status_code=status, headers=headers, media_type="application/json")

    return app


async def test_signed_request_and_signed_reply_over_asgi(
    hub_key: SigningKey, node_key: SigningKey, hub_ring: KeyRing, node_ring: KeyRing
) -> None:
    transport = httpx.ASGITransport(node_app(node_key, hub_ring))
    async with httpx.AsyncClient(transport=transport, base_url="http://eu-rome.test") as client:
        reply = await client.post(
            "/api/individuals?skip=0&x=a%20b",
            json={"query": {"filters": [{"id": "HP:0001250"}]}},
            auth=SignedRequests(hub_key, audience="eu-rome"),
        )
        assert reply.status_code == 200, reply.text
        assert reply.json() == {"count": 40, "asked_by": "hub"}
        verified = verify_reply(reply, reply.content, keys=node_ring)
        assert verified.owner == "eu-rome"

        # The same signed request sent again is refused by the node, and that refusal is signed too.
        again = await client.send(reply.request)
        assert again.status_code == 401
        assert again.json()["error"]["code"] == "signature_rejected"
        assert "replayed" in again.json()["error"]["message"]
        verify_reply(again, again.content, keys=node_ring)

        unsigned = await client.post("/api/individuals", json={})
        assert unsigned.status_code == 401
        assert "unsigned" in unsigned.json()["error"]["message"]

        for_other_node = await client.post(
            "/api/individuals", json={}, auth=SignedRequests(hub_key, audience="cn-sh")
        )
        assert "wrong_audience" in for_other_node.json()["error"]["message"]


async def test_hub_detects_a_reply_signed_by_the_wrong_node(
    hub_key: SigningKey, hub_ring: KeyRing, node_ring: KeyRing
) -> None:
    impostor = generate_key_pair()
    transport = httpx.ASGITransport(node_app(impostor, hub_ring))
    async with httpx.AsyncClient(transport=transport, base_url="http://eu-rome.test") as client:
        reply = await client.post(
            "/api/individuals", json={}, auth=SignedRequests(hub_key, audience="eu-rome")
        )
    with pytest.raises(SignatureRejected) as caught:
        verify_reply(reply, reply.content, keys=node_ring)
    assert caught.value.reason == "unknown_key"
    with pytest.raises(SignatureRejected) as caught:
        verify_reply(reply, reply.content + b" ", keys=KeyRing({"eu-rome": impostor.verifying_key}))
    assert caught.value.reason == "digest_mismatch"
