"""Conformance: a real node and a real hub answer every mapped endpoint, every granularity, GET and
POST, with documents valid against the official Beacon v2 schemas; and the walk fails when one is not.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping

import httpx
import pytest

from pmbridge.demo import Supervisor
from tests.beacon.network import NODE_ID, Network, start_network
from tests.beacon.walker import GRANULARITIES, REQUEST, Walk, request_for, walk
from tests.beacon_schemas import errors
from tests.trust import as_hub

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("conformance")
    with Supervisor(root / "run") as supervisor:
        yield start_network(supervisor, root)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as c:
        yield c


@pytest.fixture
async def node_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client that signs each request as the hub does: the node answers nothing else under /api."""
    async with httpx.AsyncClient(timeout=60, auth=as_hub(NODE_ID)) as c:
        yield c


def assert_conforms(seen: Walk) -> None:
    assert seen.problems == [], seen.report()
    entry_requests = [r for r in seen.requests if "filtering_terms" not in r]
    assert len(entry_requests) >= 2 * len(GRANULARITIES) * 5  # every entry type, both methods


async def test_the_node_conforms_at_every_endpoint_and_granularity(
    network: Network, node_client: httpx.AsyncClient
) -> None:
    assert_conforms(await walk(node_client, network.node))


async def test_the_hub_conforms_at_every_endpoint_and_granularity(
    network: Network, client: httpx.AsyncClient
) -> None:
    assert_conforms(await walk(client, network.hub))


class Tamper(httpx.AsyncBaseTransport):
    """Passes requests to the real server and rewrites chosen replies, as a broken Beacon would send."""

    def __init__(self, edits: Mapping[str, Callable[[dict], int]]) -> None:  # type: ignore[type-arg]
        self._inner = httpx.AsyncHTTPTransport()
        self._edits = edits

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        reply = await self._inner.handle_async_request(request)
        edit = self._edits.get(request.url.path)
        if edit is None:
            return reply
        doc = json.loads(await reply.aread())
        await reply.aclose()
        return httpx.Response(edit(doc), json=doc)

    async def aclose(self) -> None:
        await self._inner.aclose()


def drop_api_version(doc: dict) -> int:  # type: ignore[type-arg]
    del doc["response"]["apiVersion"]
    return 200


def lie_about_granularity(doc: dict) -> int:  # type: ignore[type-arg]
    doc["meta"]["returnedGranularity"] = "everything"
    doc.setdefault("responseSummary", {})["exists"] = "yes"
    return 200


def not_served(doc: dict) -> int:  # type: ignore[type-arg]
    doc.clear()
    doc["detail"] = "Not Found"
    return 404


async def test_the_walk_reports_invalid_documents_and_missing_endpoints(network: Network) -> None:
    edits = {
        "/api/info": drop_api_version,
        "/api/individuals": lie_about_granularity,
        "/api/cohorts": not_served,
    }
    async with httpx.AsyncClient(transport=Tamper(edits), timeout=60, auth=as_hub(NODE_ID)) as tampered:
        seen = await walk(
            tampered, network.node, granularities=["count"], entry_types={"individual", "cohort"}
        )
    problems = [str(p) for p in seen.problems]
    assert any(p.startswith(f"GET {network.node}/api/info: ") and "'apiVersion'" in p for p in problems)
    bad = [p for p in problems if f"{network.node}/api/individuals [count]" in p]
    assert any("returnedGranularity 'everything'" in p for p in bad), problems
    assert f"GET {network.node}/api/cohorts: HTTP 404 (a mapped endpoint is not served): " in "\n".join(
        problems
    )


def test_the_walk_itself_is_written_against_the_spec() -> None:
    for granularity in GRANULARITIES:
        assert errors(request_for(granularity), REQUEST) == []
    assert errors({"query": {"requestedGranularity": "all"}}, REQUEST)
