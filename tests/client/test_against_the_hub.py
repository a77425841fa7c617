"""AsyncHubClient against a real hub in-process (the portal tests' network: two nodes, one down),
and HubClient decoding the very same replies: typed answers, marks kept, tables without a false
number, and the hub's refusals raised as PM Bridge errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from pmbridge.client import AsyncHubClient, BeaconAnswer, HubClient
from pmbridge.errors import PassportRejected, PolicyRefused
from tests.portal.network import ARACHNODACTYLY, SEIZURE

pytestmark = pytest.mark.anyio


class Through(httpx.AsyncBaseTransport):
    """Sends the client's requests through the test's hub client (its in-process app), and keeps
    each answer's body so the blocking client can be given the very same."""

    def __init__(self, hub: httpx.AsyncClient) -> None:
        self.hub = hub
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = self.hub.build_request(
            request.method, request.url.path, params=request.url.params, content=request.content
        )
        sent.headers.update({k: v for k, v in request.headers.items() if k != "host"})
        answer = await self.hub.send(sent)
        self.bodies.append(await answer.aread())
        return httpx.Response(answer.status_code, headers=answer.headers, content=self.bodies[-1])


@pytest.fixture
def through(portal: httpx.AsyncClient) -> Through:
    return Through(portal)


@pytest.fixture
async def hub(through: Through) -> AsyncIterator[AsyncHubClient]:
    async with AsyncHubClient("http://hub", transport=through) as client:
        yield client


def replaying(body: bytes) -> HubClient:
    """A blocking client whose every call is answered with ``body``."""
    return HubClient("http://hub", transport=httpx.MockTransport(lambda _: httpx.Response(200, content=body)))


def no_false_number(answer: BeaconAnswer) -> None:
    """Every held-back count is a null with its mark, in the message and in the table."""
    for item, row in zip(answer.datasets, answer.to_arrow().to_pylist(), strict=True):
        if item.count is not None and item.count.how == "suppressed":
            assert item.count.value is None and row["value"] is None and row["mark"] == item.count.mark


async def test_an_anonymous_count_keeps_every_mark_and_names_the_node_that_is_down(
    hub: AsyncHubClient, through: Through
) -> None:
    answer = await hub.count([SEIZURE])
    assert answer.granularity == "count" and {d.node for d in answer.datasets} == {"eu-rome", "cn-shanghai"}
    assert all(d.count is not None and d.count.mark.startswith("≈") for d in answer.datasets)
    assert answer.total is not None and answer.total.partial and answer.total.absent_nodes == ["eu-down"]
    assert [n.status for n in answer.nodes if n.node == "eu-down"] == ["down"]
    with replaying(through.bodies[-1]) as blocking:
        assert blocking.count([SEIZURE]) == answer  # one core: the same reply decodes the same


async def test_a_small_count_is_a_null_with_its_mark_and_a_refusing_node_names_its_rule(
    hub: AsyncHubClient,
) -> None:
    answer = await hub.count(gene="FBN1", sex="female")
    (rome,) = answer.datasets
    assert rome.count is not None and rome.count.value is None and rome.count.mark == "<11"
    assert answer.total is not None and answer.total.value is None and answer.total.mark == "held back"
    assert {n.node: n.rule for n in answer.nodes if n.status == "refused"} == {"cn-shanghai": "X4"}
    no_false_number(answer)
    assert answer.to_arrow().column("value").to_pylist() == [None]


async def test_a_yes_no_answer_has_no_number(hub: AsyncHubClient) -> None:
    answer = await hub.exists([ARACHNODACTYLY])
    assert answer.granularity == "boolean" and answer.total is None
    assert {d.id: d.exists for d in answer.datasets} == {"rome-rd": True, "shanghai-rd": False}
    assert all(row["value"] is None for row in answer.to_arrow().to_pylist())


async def test_aggregates_keep_hidden_cells_hidden(hub: AsyncHubClient) -> None:
    aggregates = await hub.aggregates([SEIZURE], breakdowns=["sex", "ageBand"])
    rows = aggregates.to_arrow().to_pylist()
    assert {r["breakdown"] for r in rows} == {None, "sex", "ageBand"}
    held = [r for r in rows if r["how"] == "suppressed"]
    assert held and all(r["value"] is None and r["mark"] in ("hidden", "<11", "<5") for r in held)
    assert aggregates.missing_nodes == ["eu-down"]
    cost = await hub.cost([SEIZURE], breakdowns=["sex"])
    assert cost.epsilon == 0.0 and {d.tier for d in cost.datasets} == {"public"}  # anonymous: public tier


async def test_a_signed_in_researcher_asks_with_a_passport(hub: AsyncHubClient) -> None:
    signed = await hub.sign_in("eu-researcher")
    assert signed.passport and hub.passport == signed.passport and signed.user and signed.user.country == "IT"
    answer = await hub.count([SEIZURE])
    assert all(d.count is not None and d.count.epsilon == 1.0 for d in answer.datasets)
    matches = await hub.match([SEIZURE, ARACHNODACTYLY], limit=5)
    assert matches.missing_nodes == ["eu-down"] and matches.aggregates
    bands = matches.bands_to_arrow().to_pylist()
    assert all(r["value"] is None for r in bands if r["mark"] and r["mark"].startswith("<"))


async def test_refusals_are_raised_as_pmbridge_errors_read_from_their_code(through: Through) -> None:
    async with AsyncHubClient("http://hub", transport=through, purpose="law_enforcement") as police:
        with pytest.raises(PolicyRefused) as refused:
            await police.count([SEIZURE])
    assert refused.value.rule == "X5"
    async with AsyncHubClient("http://hub", transport=through, passport="not.a.passport") as forged:
        with pytest.raises(PassportRejected) as rejected:
            await forged.count([SEIZURE])
    assert rejected.value.refusal_rule == "passport:malformed"


async def test_rank_knowledge_and_nodes_decode_as_tables(hub: AsyncHubClient) -> None:
    ranking = await hub.rank([SEIZURE, ARACHNODACTYLY], limit=3)
    assert [r["rank"] for r in ranking.to_arrow().to_pylist()] == [1, 2, 3]
    found = await hub.search_knowledge("GDPR", limit=2)
    assert found.hits[0].id == "policy:gdpr" and found.to_arrow().num_rows == 2
    nodes = await hub.nodes()
    assert {n.id: n.health for n in nodes.nodes}["eu-down"] == "down"
    budget = await hub.request("GET", "/api/budget")
    assert json.loads(json.dumps(budget))["tier"] == "public"
