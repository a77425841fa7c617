"""The node's trust boundary in process: every request under /api must carry the hub's signature,
every reply is signed, and every request leaves one entry in the node's audit log.

The same checks against a real node process are in tests/e2e/test_trust.py.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request

from pmbridge.audit import AuditEntry, read_audit_log, request_audit, verify_audit_log
from pmbridge.errors import ConfigError
from pmbridge.node import NodeContext, create_node_app, open_node, parse_node_config
from pmbridge.signing import KeyRing, SigningKey, generate_key_pair, sign_request, verify_reply
from tests.node.conftest import CONFIG
from tests.trust import HUB_KEY, as_hub, trusted

pytestmark = pytest.mark.anyio

NODE = "eu-test"
COUNT = orjson.dumps({"query": {"filters": [], "requestedGranularity": "count"}})


@dataclass(frozen=True, slots=True)
class Served:
    client: httpx.AsyncClient
    context: NodeContext
    app: FastAPI


@asynccontextmanager
async def serving(
    node_dir: Path, edit: Callable[[dict[str, object]], None] | None = None
) -> AsyncIterator[Served]:
    doc = trusted(CONFIG, node_dir)
    if edit is not None:
        edit(doc["node"])  # type: ignore[arg-type]
    context = open_node(parse_node_config(doc, base=node_dir, where="test"))
    app = create_node_app(context)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://node"
        ) as client:
            yield Served(client, context, app)
    finally:
        context.close()


def entries(context: NodeContext) -> list[AuditEntry]:
    return [line.entry for line in read_audit_log(context.config.trust.audit_log) if line.entry is not None]


def signed_headers(
    *, key: SigningKey = HUB_KEY, audience: str = NODE, created: int | None = None
) -> dict[str, str]:
    """Headers of ``POST /api/individuals`` with body ``COUNT``, signed as the hub would."""
    headers = sign_request(
        method="POST", target="/api/individuals", body=COUNT, key=key, audience=audience, created=created
    )
    return {**headers, "content-type": "application/json"}


def unsigned() -> tuple[str, bytes, dict[str, str]]:
    return "/api/individuals", COUNT, {"content-type": "application/json"}


def unknown_key() -> tuple[str, bytes, dict[str, str]]:
    return "/api/individuals", COUNT, signed_headers(key=generate_key_pair())


def body_changed() -> tuple[str, bytes, dict[str, str]]:
    return "/api/individuals", COUNT.replace(b"count", b"boolean"), signed_headers()


def path_changed() -> tuple[str, bytes, dict[str, str]]:
    return "/api/biosamples", COUNT, signed_headers()


def stale() -> tuple[str, bytes, dict[str, str]]:
    return "/api/individuals", COUNT, signed_headers(created=int(time.time()) - 120)


def for_another_node() -> tuple[str, bytes, dict[str, str]]:
    return "/api/individuals", COUNT, signed_headers(audience="cn-shanghai")


def malformed() -> tuple[str, bytes, dict[str, str]]:
    headers = signed_headers()
    headers["Signature"] = "pmbridge=not-a-byte-sequence"
    return "/api/individuals", COUNT, headers


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (unsigned, "unsigned"),
        (unknown_key, "unknown_key"),
        (body_changed, "digest_mismatch"),
        (path_changed, "bad_signature"),
        (stale, "stale"),
        (for_another_node, "wrong_audience"),
        (malformed, "malformed"),
    ],
)
async def test_a_request_the_hub_did_not_sign_as_sent_is_refused_signed_and_audited(
    node_dir: Path, make: Callable[[], tuple[str, bytes, dict[str, str]]], reason: str
) -> None:
    path, body, headers = make()
    async with serving(node_dir) as served:
        client, context = served.client, served.context
        reply = await client.post(path, content=body, headers=headers)
        assert reply.status_code == 401
        error = reply.json()["error"]
        assert error["errorCode"] == 401
        assert error["errorMessage"].startswith(f"signature rejected ({reason})")
        assert (
            verify_reply(reply, reply.content, keys=KeyRing({NODE: context.key.verifying_key})).owner == NODE
        )
        last = entries(context)[-1]
    assert (last.action, last.rule, last.released) == ("refusal", f"signature:{reason}", {"status": 401})
    assert last.query.startswith(f"POST {path} sha256:")


async def test_a_replayed_request_is_refused_the_second_time(node_dir: Path) -> None:
    headers = signed_headers()
    async with serving(node_dir) as served:
        client, context = served.client, served.context
        first = await client.post("/api/individuals", content=COUNT, headers=headers)
        again = await client.post("/api/individuals", content=COUNT, headers=headers)
        log = entries(context)[-2:]
    assert first.status_code != 401, first.text
    assert again.status_code == 401
    assert again.json()["error"]["errorMessage"].startswith("signature rejected (replayed)")
    assert [(e.action, e.rule) for e in log] == [
        ("request", "signature:ok"),
        ("refusal", "signature:replayed"),
    ]
    assert log[1].actor == f"key {HUB_KEY.key_id}"  # claimed, not proven: the signature was not accepted


async def test_health_stays_open_and_every_reply_is_signed(node_dir: Path) -> None:
    async with serving(node_dir) as served:
        client, context = served.client, served.context
        before = len(entries(context))
        health = await client.get("/health")
        info = await client.get("/api/info")
        signed_info = await client.get("/api/info", auth=as_hub(NODE))
        ring = KeyRing({NODE: context.key.verifying_key})
        for reply in (health, info, signed_info):
            verify_reply(reply, reply.content, keys=ring)
        log = entries(context)[before:]
    assert (health.status_code, info.status_code, signed_info.status_code) == (200, 401, 200)
    assert [(e.action, e.actor, e.query) for e in log] == [
        ("refusal", "anonymous", "GET /api/info"),
        ("request", "hub", "GET /api/info"),
    ]


async def test_routes_name_the_researcher_and_record_releases_in_the_same_trail(node_dir: Path) -> None:
    async with serving(node_dir) as served:
        client, context = served.client, served.context

        async def released(request: Request) -> dict[str, str]:
            audit = request_audit(request.scope)
            assert audit is not None
            audit.researcher = "researcher:eu-alice"
            audit.record_release(rule="min_count", granularity="count", released={"results": 1, "noised": 1})
            return {"ok": "yes"}

        served.app.router.add_api_route("/api/test-release", released, methods=["POST"])
        reply = await client.post("/api/test-release", json={"query": {}}, auth=as_hub(NODE))
        release, request = entries(context)[-2:]
    assert reply.status_code == 200, reply.text
    assert (release.action, release.actor, release.rule) == ("release", "researcher:eu-alice", "min_count")
    assert release.released == {"granularity": "count", "results": 1, "noised": 1}
    assert (request.action, request.actor, request.released) == (
        "request",
        "researcher:eu-alice",
        {"status": 200},
    )
    assert release.query == request.query


async def test_an_oversized_body_is_refused_before_it_is_read_whole(node_dir: Path) -> None:
    async with serving(node_dir) as served:
        client, context = served.client, served.context
        reply = await client.post("/api/individuals", content=b" " * 2_000_000, auth=as_hub(NODE))
        verify_reply(reply, reply.content, keys=KeyRing({NODE: context.key.verifying_key}))
        last = entries(context)[-1]
    assert reply.status_code == 413
    assert (last.action, last.rule) == ("refusal", "request_too_large")


async def test_with_signatures_off_the_node_answers_anyone_and_says_so_in_its_log(node_dir: Path) -> None:
    def off(node: dict[str, object]) -> None:
        node["require_signatures"] = False
        del node["hub_public_key"]

    async with serving(node_dir, off) as served:
        client, context = served.client, served.context
        reply = await client.get("/api/info")
        last = entries(context)[-1]
    assert reply.status_code == 200
    assert (last.actor, last.rule) == ("anonymous", "signature:not_required")


@pytest.mark.parametrize(
    ("missing", "named"),
    [("hub_public_key", "node.hub_public_key"), ("private_key", "node.private_key")],
)
def test_a_node_without_its_keys_refuses_to_start_naming_the_setting(
    node_dir: Path, missing: str, named: str
) -> None:
    doc = trusted(CONFIG, node_dir)
    del doc["node"][missing]  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=named):
        open_node(parse_node_config(doc, base=node_dir, where="test"))


def test_a_bad_hub_key_or_skew_is_a_config_error_naming_the_setting(node_dir: Path) -> None:
    bad: list[Mapping[str, object]] = [
        {"hub_public_key": "ed25519:not-a-key"},
        {"max_clock_skew_seconds": 0},
        {"require_signatures": "no"},
    ]
    for change in bad:
        doc = trusted(CONFIG, node_dir)
        doc["node"] = {**doc["node"], **change}  # type: ignore[dict-item]
        with pytest.raises(ConfigError, match=f"node.{next(iter(change))}"):
            parse_node_config(doc, base=node_dir, where="test")


async def test_the_log_of_many_concurrent_requests_is_one_intact_chain(node_dir: Path) -> None:
    import asyncio

    async with serving(node_dir) as served:
        client, context = served.client, served.context
        before = len(entries(context))
        replies = await asyncio.gather(
            *(client.post("/api/individuals", content=COUNT, headers=signed_headers()) for _ in range(30))
        )
        report = verify_audit_log(context.config.trust.audit_log, keys=[context.key.verifying_key])
    assert all(r.status_code != 401 for r in replies)
    assert report.ok, report.problem
    assert report.entries >= before + 30
