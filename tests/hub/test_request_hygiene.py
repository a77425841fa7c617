"""What the hub does with awkward requests: integers past what JSON carries exactly are a 400 naming
the parameter (not a 500 when forwarding), and an entry-id request is audited, at the hub and at
the node, by its route, never by the id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmbridge.node import NodeContext
from tests.beacon_schemas import ERROR, errors
from tests.hub.test_release_hub import hub, hub_key, network
from tests.release import bearer, passport

pytestmark = pytest.mark.anyio

__all__ = ["network"]  # the module-scoped network of three release nodes, shared with these tests


@pytest.mark.parametrize(
    ("method", "path", "payload", "named"),
    [
        ("GET", "/api/individuals?skip=99999999999999999999&limit=5", None, "skip"),
        ("GET", "/api/individuals/rel-eu-5/g_variants?limit=18446744073709551616", None, "limit"),
        (
            "POST",
            "/api/g_variants",
            {
                "query": {
                    "requestParameters": {"start": [0], "end": [10**30], "referenceName": "chr1"},
                    "requestedGranularity": "count",
                }
            },
            "end",
        ),
        ("GET", "/api/datasets/rel-eu/filtering_terms?skip=99999999999999999999", None, "skip"),
    ],
)
async def test_an_integer_past_what_json_carries_exactly_is_a_400_naming_it(
    network: tuple[Path, dict[str, NodeContext]], method: str, path: str, payload: object, named: str
) -> None:
    async with hub(network) as client:
        reply = await client.request(method, path, json=payload)
    assert reply.status_code == 400, reply.text
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert f"{named} must be an integer from 0 to 9007199254740991" in doc["error"]["errorMessage"]


async def test_an_entry_id_request_is_audited_by_route_at_the_hub_and_the_node(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    home, contexts = network
    token = passport("audit-route", country="IT", key=hub_key(network), grants=("rel-eu",))
    async with hub(network) as client:
        reply = await client.get("/api/individuals/rel-eu-5", headers=bearer(token))
        looked_up = await client.get("/api/individuals/rel-eu-5/g_variants", headers=bearer(token))
    assert reply.status_code == 200 and looked_up.status_code == 200
    logs = {"hub": home / "hub-state" / "audit.jsonl", "eu-rel": contexts["eu-rel"].config.trust.audit_log}
    for where, log in logs.items():
        text = log.read_text()
        assert "rel-eu-5" not in text, where
        queries = [json.loads(line)["query"] for line in text.splitlines()]
        # the hub asks the nodes with a POST of the same request
        assert any(" /api/individuals/{entry_id} entry_id=sha256:" in q for q in queries), where
        assert any(" /api/individuals/{entry_id}/g_variants entry_id=sha256:" in q for q in queries), where
