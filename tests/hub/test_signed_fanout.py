"""The hub's side of the trust wiring: each request signed for its node, each reply checked against
that node's key only, its own audit log, and refusing to start without keys.

The nodes here answer through httpx's in-process transport but sign and verify for real; a real
node process that signs with the wrong key is in tests/e2e/test_trust.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pmbridge.audit import read_audit_log, verify_audit_log
from pmbridge.errors import ConfigError
from pmbridge.hub import (
    HubConfig,
    NodeEntry,
    NodeLinks,
    NodeStatus,
    create_hub_app,
    fan_out,
    parse_hub_config,
)
from pmbridge.model import Jurisdiction
from pmbridge.signing import (
    AUDIENCE_HEADER,
    KeyRing,
    Message,
    RequestVerifier,
    SignedRequests,
    SigningKey,
    generate_key_pair,
    sign_response,
)
from tests.hub.fake_nodes import count_reply
from tests.trust import HUB_KEY, hub_config

pytestmark = pytest.mark.anyio

KEYS = {node: generate_key_pair() for node in ("eu-a", "eu-b", "cn-c")}
VERIFIERS = {
    node: RequestVerifier(keys=KeyRing({"hub": HUB_KEY.verifying_key}), audience=node) for node in KEYS
}
Edit = Callable[[str, bytes, dict[str, str]], tuple[bytes, dict[str, str]]]


def entries(*nodes: str) -> list[NodeEntry]:
    return [
        NodeEntry(n, f"http://{n}", Jurisdiction.EU, "IT", public_key=KEYS[n].verifying_key) for n in nodes
    ]


def nodes(
    seen: list[httpx.Request],
    *,
    signer: Callable[[str], SigningKey] = KEYS.__getitem__,
    edit: Edit | None = None,
) -> httpx.MockTransport:
    """Nodes that check the hub's signature as a real node does and sign their replies."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        node = request.url.host
        target = request.url.raw_path.decode("ascii")
        verified = VERIFIERS[node].verify(
            method=request.method, target=target, headers=request.headers.multi_items(), body=request.content
        )
        body = count_reply(f"{node}-ds", 3) if verified.owner == "hub" else b"{}"
        asked = Message.request(request.method, target, request.headers.multi_items())
        headers = sign_response(status=200, body=body, key=signer(node), request=asked)
        if edit is not None:
            body, headers = edit(node, body, headers)
        return httpx.Response(200, content=body, headers={**headers, "content-type": "application/json"})

    return httpx.MockTransport(answer)


async def ask(transport: httpx.MockTransport, *names: str, headers: dict[str, str] | None = None) -> list:  # type: ignore[type-arg]
    async with httpx.AsyncClient(transport=transport, auth=SignedRequests(HUB_KEY)) as client:
        return await fan_out(
            "POST",
            "/api/individuals",
            nodes=entries(*names),
            json_body={"query": {"requestedGranularity": "count"}},
            deadline=5.0,
            max_reply_bytes=100_000,
            links=NodeLinks.over(client),
            headers=headers,
        )


async def test_each_node_gets_a_request_signed_for_it_alone_with_the_extra_headers() -> None:
    seen: list[httpx.Request] = []
    replies = await ask(nodes(seen), "eu-a", "eu-b", headers={"Authorization": "Bearer passport"})
    assert [r.status for r in replies] == [NodeStatus.OK, NodeStatus.OK]
    assert {r.node.id: r.signature.owner for r in replies} == {"eu-a": "eu-a", "eu-b": "eu-b"}
    assert {(r.url.host, r.headers[AUDIENCE_HEADER], r.headers["authorization"]) for r in seen} == {
        ("eu-a", "eu-a", "Bearer passport"),
        ("eu-b", "eu-b", "Bearer passport"),
    }


async def test_a_node_cannot_answer_with_another_nodes_key() -> None:
    replies = await ask(nodes([], signer=lambda node: KEYS["eu-b"]), "eu-a", "eu-b")
    status = {r.node.id: (r.status, r.detail) for r in replies}
    assert status["eu-b"] == (NodeStatus.OK, "")
    assert status["eu-a"][0] is NodeStatus.ERROR
    assert status["eu-a"][1].startswith("reply signature invalid: signature rejected (unknown_key)")


def change_body(node: str, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return (body.replace(b'"resultsCount": 3', b'"resultsCount": 300') if node == "cn-c" else body), headers


def drop_signature(node: str, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return body, ({k: v for k, v in headers.items() if k != "Signature"} if node == "cn-c" else headers)


@pytest.mark.parametrize(("edit", "reason"), [(change_body, "digest_mismatch"), (drop_signature, "unsigned")])
async def test_a_reply_changed_or_unsigned_on_the_way_is_an_error_outcome(edit: Edit, reason: str) -> None:
    replies = await ask(nodes([], edit=edit), "eu-a", "cn-c")
    status = {r.node.id: (r.status, r.detail) for r in replies}
    assert status["eu-a"][0] is NodeStatus.OK
    assert status["cn-c"][0] is NodeStatus.ERROR
    assert status["cn-c"][1].startswith(f"reply signature invalid: signature rejected ({reason})")


async def test_the_hub_audits_each_request_and_each_refused_reply(tmp_path: Path) -> None:
    config = hub_config(entries("eu-a", "cn-c"), tmp_path)
    app = create_hub_app(config, transport=nodes([], edit=change_body))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
    ):
        reply = await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})
        await client.get("/health")  # outside /api: not a question, not audited
    assert reply.status_code == 200, reply.text
    assert {n["node"]: n["status"] for n in reply.json()["info"]["nodes"]} == {"eu-a": "ok", "cn-c": "error"}
    log = [line.entry for line in read_audit_log(config.audit_log) if line.entry is not None]
    [refusal] = [e for e in log if e.action == "refusal"]
    [request] = [e for e in log if e.action == "request"]
    assert (refusal.actor, refusal.action, refusal.rule) == ("cn-c", "refusal", "signature:digest_mismatch")
    assert (request.action, request.released) == ("request", {"status": 200})
    assert request.query.startswith("POST /api/individuals sha256:")
    assert verify_audit_log(config.audit_log, keys=[HUB_KEY.verifying_key]).ok


def test_a_hub_without_its_key_refuses_to_start(tmp_path: Path) -> None:
    config = HubConfig("hub", "Hub", 5.0, 1000, tuple(entries("eu-a")), state_dir=tmp_path)
    with pytest.raises(ConfigError, match="hub.private_key"):
        create_hub_app(config)


def registry(**node: object) -> dict[str, object]:
    entry = {"id": "eu-a", "url": "http://eu-a", "jurisdiction": "EU", "country": "IT"}
    return {"hub": {"private_key": "keys/hub.key"}, "nodes": [{**entry, **node}]}


def test_every_node_in_the_registry_needs_its_own_public_key() -> None:
    with pytest.raises(ConfigError, match="public_key"):
        parse_hub_config(registry(), where="hub.toml")
    with pytest.raises(ConfigError, match="public_key"):
        parse_hub_config(registry(public_key="ed25519:short"), where="hub.toml")
    doc = registry(public_key=KEYS["eu-a"].verifying_key.text)
    twice = {**doc, "nodes": [*doc["nodes"], {**doc["nodes"][0], "id": "eu-b"}]}  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="same key id"):
        parse_hub_config(twice, where="hub.toml")
    config = parse_hub_config(doc, where="hub.toml", base=Path("/srv/hub"))
    assert config.nodes[0].public_key == KEYS["eu-a"].verifying_key
    assert config.private_key == Path("/srv/hub/keys/hub.key")
    assert config.audit_log == Path("/srv/hub/hub-state/audit.jsonl")
