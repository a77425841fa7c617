"""The network Beacon's framework endpoints over two in-process nodes and a dead one."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.hub import NodeEntry, create_hub_app
from pmbridge.model import Individual, Jurisdiction, PatientRecord, PhenotypicFeature, Sex, Variant
from pmbridge.node import NodeContext, create_node_app, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.beacon.walker import CONFIGURATION, ERROR, FILTERING_TERMS, INFO, MAP, SERVICE_INFO
from tests.beacon_schemas import errors
from tests.release import exact_release
from tests.trust import hub_config, node_public_key, trusted

pytestmark = pytest.mark.anyio

NODES = {
    "eu-a": (
        "ds-a",
        "count",
        [("a1", Sex.FEMALE, "HP:0001250", "SCN1A"), ("a2", Sex.MALE, "HP:0001166", "FBN1")],
    ),
    "cn-b": ("ds-b", "boolean", [("b1", Sex.FEMALE, "HP:0001250", "SCN2A")]),
}


def node_config(node: str, root: Path) -> Mapping[str, object]:
    dataset, public, _ = NODES[node]
    return exact_release(  # query-logic tests: every count exact (tests/release.py)
        {
            "node": {"id": node, "name": f"Node {node}", "jurisdiction": "EU", "country": "IT"},
            "datasets": [{"id": dataset, "name": dataset.upper(), "release": {"public": public}}],
        }
    )


@pytest.fixture(scope="module")
def node_contexts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, NodeContext]]:
    hpo = Hpo.load(locate_data_dir())
    contexts: dict[str, NodeContext] = {}
    for node, (dataset, _, people) in NODES.items():
        root = tmp_path_factory.mktemp(node)
        config = parse_node_config(trusted(node_config(node, root), root), base=root, where="test")
        records = [
            PatientRecord(
                Individual(pid, sex, age_years=10),
                dataset,
                phenotypic_features=(PhenotypicFeature(term),),
                variants=(Variant(gene_symbol=gene),),
            )
            for pid, sex, term, gene in people
        ]
        with NodeStore.open(config.store) as store, store.transaction():
            store.put_datasets(list(config.datasets))
            store.sync_closure(hpo.closure(), release=hpo.release)
            store.write_records(records)
        contexts[node] = open_node(config)
    yield contexts
    for context in contexts.values():
        context.close()


class Nodes(httpx.AsyncBaseTransport):
    """Routes the hub's calls to in-process node apps by host; unknown hosts are down."""

    def __init__(self, contexts: Mapping[str, NodeContext]) -> None:
        self._apps = {node: httpx.ASGITransport(app=create_node_app(c)) for node, c in contexts.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        app = self._apps.get(request.url.host)
        if app is None:
            raise httpx.ConnectError("connection refused", request=request)
        return await app.handle_async_request(request)


@asynccontextmanager
async def hub_over(nodes: list[str], contexts: Mapping[str, NodeContext]) -> AsyncIterator[httpx.AsyncClient]:
    entries = [
        NodeEntry(
            n, f"http://{n}", Jurisdiction.EU, "IT", name=f"Node {n}", public_key=node_public_key(contexts, n)
        )
        for n in nodes
    ]
    with tempfile.TemporaryDirectory() as home:
        config = hub_config(entries, Path(home), name="Example network")
        app = create_hub_app(config, transport=Nodes(contexts))
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
        ):
            yield client


@pytest.fixture
async def hub(node_contexts: dict[str, NodeContext]) -> AsyncIterator[httpx.AsyncClient]:
    async with hub_over([*NODES, "down"], node_contexts) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api", INFO),
        ("/api/info", INFO),
        ("/api/service-info", SERVICE_INFO),
        ("/api/map", MAP),
        ("/api/configuration", CONFIGURATION),
        ("/api/filtering_terms", FILTERING_TERMS),
        ("/api/datasets/ds-b/filtering_terms", FILTERING_TERMS),
    ],
)
async def test_every_framework_document_of_the_network_is_valid(
    hub: httpx.AsyncClient, path: str, schema: str
) -> None:
    reply = await hub.get(path)
    assert reply.status_code == 200, reply.text
    assert errors(reply.json(), schema) == []


async def test_info_and_map_describe_the_network_under_the_hubs_url(hub: httpx.AsyncClient) -> None:
    info = (await hub.get("/api/info")).json()["response"]
    assert info["id"] == "org.example.hub"
    assert [n["id"] for n in info["info"]["nodes"]] == ["eu-a", "cn-b", "down"]
    sets = (await hub.get("/api/map")).json()["response"]["endpointSets"]
    assert sets["datasetEndpoints"]["rootUrl"] == "http://hub/api/datasets"


async def test_the_default_granularity_is_the_least_any_node_gives(hub: httpx.AsyncClient) -> None:
    doc = (await hub.get("/api/configuration")).json()
    assert doc["response"]["securityAttributes"]["defaultGranularity"] == "boolean"
    assert doc["info"]["missingNodes"] == ["down"]


async def test_network_terms_are_the_union_of_the_nodes_terms(hub: httpx.AsyncClient) -> None:
    doc = (await hub.get("/api/filtering_terms")).json()
    ids = [t["id"] for t in doc["response"]["filteringTerms"]]
    ontology = ["HP:0001250", "HP:0001166", "NCIT:C16576", "NCIT:C20197"]
    genes = ["gene:FBN1", "gene:SCN1A", "gene:SCN2A"]
    assert sorted(ids) == sorted([*ontology, *genes, "age", "sex", "geneId"])
    assert len(ids) == len(set(ids))
    seizure = next(t for t in doc["response"]["filteringTerms"] if t["id"] == "HP:0001250")
    assert seizure["labels"] == {"en": "Seizure", "zh": "癫痫发作"}
    assert {r["id"]: r.get("version") for r in doc["response"]["resources"]} == {
        "hp": "2025-01-16",
        "ncit": None,
    }
    assert doc["info"]["missingNodes"] == ["down"]
    assert {n["node"]: n["status"] for n in doc["info"]["nodes"]} == {
        "eu-a": "ok",
        "cn-b": "ok",
        "down": "down",
    }


async def test_a_datasets_terms_come_from_the_node_that_holds_it(hub: httpx.AsyncClient) -> None:
    doc = (
        await hub.post("/api/datasets/ds-b/filtering_terms", json={"meta": {"apiVersion": "v2.0.1"}})
    ).json()
    assert sorted(t["id"] for t in doc["response"]["filteringTerms"]) == sorted(
        ["HP:0001250", "NCIT:C16576", "gene:SCN2A", "age", "sex", "geneId"]
    )
    # eu-a does not hold ds-b: that is not a missing node; the dead one is.
    assert doc["info"]["missingNodes"] == ["down"]


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "fragment"),
    [
        ("GET", "/api/filtering_terms?skip=x", None, 400, "skip must be an integer"),
        ("POST", "/api/filtering_terms", b"{nope", 400, "not valid JSON"),
        ("POST", "/api/cohorts/ds-a/filtering_terms", b'{"query": []}', 400, "$.query must be a JSON object"),
        ("PUT", "/api/configuration", b"{}", 405, "Method Not Allowed"),
    ],
)
async def test_bad_input_gets_a_4xx_beacon_error_from_the_hub(
    hub: httpx.AsyncClient, method: str, path: str, payload: bytes | None, status: int, fragment: str
) -> None:
    headers = {"content-type": "application/json"} if payload is not None else {}
    reply = await hub.request(method, path, content=payload, headers=headers)
    assert reply.status_code == status
    doc = reply.json()
    assert errors(doc, ERROR) == []
    assert fragment in doc["error"]["errorMessage"]


async def test_an_entry_no_node_holds_is_a_400_unless_a_node_did_not_answer(
    node_contexts: dict[str, NodeContext], hub: httpx.AsyncClient
) -> None:
    async with hub_over(list(NODES), node_contexts) as everyone_up:
        reply = await everyone_up.get("/api/datasets/nowhere/filtering_terms")
    assert reply.status_code == 400
    assert errors(reply.json(), ERROR) == []
    assert "no node holds 'nowhere'" in reply.json()["error"]["errorMessage"]
    # With a node down, the entry may be there: an empty answer that names the missing node.
    doc = (await hub.get("/api/datasets/nowhere/filtering_terms")).json()
    assert doc["response"]["filteringTerms"] == []
    assert doc["info"]["missingNodes"] == ["down"]
