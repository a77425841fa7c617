"""The hub reads a node's refusal from the code and rule of its Beacon error, never from its words,
and passes a network-wide refusal on with the same code, rule and a hint."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from pmbridge.beacon._openapi import ERROR_SCHEMA
from pmbridge.errors import PolicyRefused, error_from_wire
from tests.beacon_schemas import ERROR, errors
from tests.hub.fake_nodes import REFUSAL
from tests.hub.test_node_outcomes import network

pytestmark = pytest.mark.anyio


async def test_every_node_refusing_gives_the_code_and_rule_as_fields(tmp_path: Path) -> None:
    async with network(tmp_path, ["refuser", "down"]) as client:
        reply = await client.post("/api/individuals", json={"query": {"requestedGranularity": "record"}})
    assert reply.status_code == 403
    doc = reply.json()
    assert errors(doc, ERROR) == []
    said = doc["error"]
    assert (said["errorCode"], said["code"], said["rule"]) == (403, "policy_refused", "X1")
    assert said["hint"].startswith("see docs/policy.md")
    rebuilt = error_from_wire(said, status=403, fallback="")
    assert isinstance(rebuilt, PolicyRefused) and rebuilt.rule == "X1"


async def test_a_refusal_stated_only_in_words_names_no_rule(tmp_path: Path) -> None:
    """A node that writes "refused by rule X1" in its message but sends no code: the hub reports
    the refusal (its status says so) but invents no rule from the prose."""
    async with network(tmp_path, ["prose_refuser", "good"]) as client:
        doc = (
            await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})
        ).json()
    nodes = {n["node"]: n for n in doc["info"]["nodes"]}
    assert nodes["prose_refuser"]["status"] == "refused" and nodes["prose_refuser"]["detail"] == REFUSAL
    assert "rule" not in nodes["prose_refuser"]
    async with network(tmp_path, ["prose_refuser"]) as client:
        reply = await client.post("/api/individuals", json={"query": {"requestedGranularity": "count"}})
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "bad_request"  # not policy_refused


async def test_an_unknown_api_path_is_a_coded_beacon_404(tmp_path: Path) -> None:
    async with network(tmp_path, ["good"]) as client:
        reply = await client.get("/api/no-such-thing", headers={"accept": "text/html"})
    assert reply.status_code == 404 and reply.headers["content-type"] == "application/json"
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert doc["error"]["code"] == "not_found" and doc["error"]["hint"]
    jsonschema.validate(doc, ERROR_SCHEMA)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/aggregates", {"query": {}}),
        ("POST", "/api/match", {"phenotypes": ["HP:0001250"]}),
        ("GET", "/api/nodes", None),
        ("GET", "/api/configuration", None),
    ],
)
async def test_every_nodes_line_names_the_rule_a_node_refused_by(
    tmp_path: Path, method: str, path: str, body: dict[str, object] | None
) -> None:
    async with network(tmp_path, ["refuser", "good"]) as client:
        reply = await client.request(method, path, json=body)
    doc = reply.json()
    nodes = doc.get("nodes") or doc["info"]["nodes"]
    said = {line.get("node") or line.get("id"): line for line in nodes}
    assert said["refuser"]["rule"] == "X1" and said["refuser"]["status"] == "refused"
    assert "rule" not in said["good"]
