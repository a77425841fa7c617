"""The network Beacon over real in-process nodes: counts, booleans and records merged per node and dataset."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from pmbridge.beacon import ENTRY_TYPES
from pmbridge.hub import NodeEntry, create_hub_app
from pmbridge.model import Individual, Jurisdiction, PatientRecord, PhenotypicFeature, Sex, Variant
from pmbridge.node import NodeContext, create_node_app, open_node, parse_node_config
from pmbridge.store import NodeStore
from pmbridge.vocab import Hpo, locate_data_dir
from tests.beacon.walker import BOOLEAN, COLLECTIONS, COUNT, ERROR, RESULTSETS, walk
from tests.beacon_schemas import errors
from tests.node import records_node
from tests.node.records_node import ARACHNODACTYLY, SEIZURE, SNV_ID, SNV_POS
from tests.release import exact_release
from tests.trust import hub_config, node_public_key, trusted

pytestmark = pytest.mark.anyio

SNV = Variant("hg38", "chr15", SNV_POS, "G", "A", "FBN1")
OTHERS = {
    "cn-b": ("ds-b", "count", [("b1", ARACHNODACTYLY, (SNV,)), ("b2", SEIZURE, ())]),
    "cn-c": ("ds-c", "boolean", [("c9", SEIZURE, ())]),
}


def config_of(node: str) -> Mapping[str, object]:
    dataset, public, _ = OTHERS[node]
    return exact_release(  # query-logic tests: every count exact (tests/release.py)
        {
            "node": {"id": node, "name": f"Node {node}", "jurisdiction": "CN", "country": "CN"},
            "datasets": [{"id": dataset, "name": dataset.upper(), "release": {"public": public}}],
        }
    )


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, NodeContext]]:
    hpo = Hpo.load(locate_data_dir())
    root = tmp_path_factory.mktemp("eu-rec")
    records_node.build(root, hpo)
    opened = {
        "eu-rec": open_node(parse_node_config(trusted(records_node.CONFIG, root), base=root, where="test"))
    }
    open_config = copy.deepcopy(records_node.CONFIG)
    for dataset in open_config["datasets"]:  # type: ignore[attr-defined]
        dataset["release"] = {"public": "record"}
    open_config = trusted(open_config, root, node_id="eu-open")
    opened["eu-open"] = open_node(parse_node_config(open_config, base=root, where="test"))
    for node, (dataset, _, people) in OTHERS.items():
        home = tmp_path_factory.mktemp(node)
        config = parse_node_config(trusted(config_of(node), home), base=home, where="test")
        with NodeStore.open(config.store) as store, store.transaction():
            store.put_datasets(list(config.datasets))
            store.sync_closure(hpo.closure(), release=hpo.release)
            store.write_records(
                [
                    PatientRecord(
                        Individual(pid, Sex.FEMALE, 30), dataset, (PhenotypicFeature(term),), variants=calls
                    )
                    for pid, term, calls in people
                ]
            )
        opened[node] = open_node(config)
    yield opened
    for context in opened.values():
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
        NodeEntry(n, f"http://{n}", Jurisdiction.EU, "IT", public_key=node_public_key(contexts, n))
        for n in nodes
    ]
    with tempfile.TemporaryDirectory() as home:
        app = create_hub_app(hub_config(entries, Path(home)), transport=Nodes(contexts))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            yield client


def body(granularity: str, *filters: dict[str, object], **parameters: object) -> dict[str, object]:
    query: dict[str, object] = {"filters": list(filters), "requestedGranularity": granularity}
    if parameters:
        query["requestParameters"] = parameters
    return {"meta": {"apiVersion": "v2.0.1"}, "query": query}


def sets(doc: dict) -> dict[tuple[str, str], dict]:  # type: ignore[type-arg]
    return {(s["info"]["node"], s["id"]): s for s in doc["response"]["resultSets"]}


async def test_counts_are_merged_per_node_and_dataset(contexts: dict[str, NodeContext]) -> None:
    async with hub_over(["eu-rec", "cn-b", "down"], contexts) as hub:
        doc = (await hub.post("/api/individuals", json=body("count", {"id": ARACHNODACTYLY}))).json()
    assert errors(doc, COUNT) == [] and errors(doc, RESULTSETS) == []
    assert doc["meta"]["returnedGranularity"] == "count"
    assert {k: s["resultsCount"] for k, s in sets(doc).items()} == {
        ("eu-rec", "ds-rec"): 1,
        ("eu-rec", "ds-count"): 1,
        ("cn-b", "ds-b"): 1,
    }
    assert doc["responseSummary"] == {"exists": True, "numTotalResults": 3}
    assert {n["node"]: (n["status"], n["count"]) for n in doc["info"]["nodes"]} == {
        "eu-rec": ("ok", 2),
        "cn-b": ("ok", 1),
        "down": ("down", None),
    }
    assert doc["info"]["missingNodes"] == ["down"]


async def test_a_boolean_node_brings_the_network_down_to_yes_or_no(contexts: dict[str, NodeContext]) -> None:
    async with hub_over(["eu-rec", "cn-c"], contexts) as hub:
        doc = (await hub.post("/api/individuals", json=body("count", {"id": SEIZURE}))).json()
    assert errors(doc, BOOLEAN) == []
    assert doc["meta"]["returnedGranularity"] == "boolean"
    assert doc["responseSummary"] == {"exists": True}
    # a yes/no per node and dataset, in info: a Beacon result set would need a count
    assert "response" not in doc and "resultsCount" not in str(doc)
    found = {(s["info"]["node"], s["id"]): s["exists"] for s in doc["info"]["resultSets"]}
    assert found == {("eu-rec", "ds-rec"): True, ("cn-c", "ds-c"): True}
    assert [n["count"] for n in doc["info"]["nodes"]] == [None, None]


async def test_records_come_through_with_the_node_that_released_them(
    contexts: dict[str, NodeContext],
) -> None:
    async with hub_over(["eu-rec", "cn-b"], contexts) as hub:
        doc = (
            await hub.post(f"/api/g_variants/{SNV_ID}/individuals", json=body("record", datasets=["ds-rec"]))
        ).json()
        variants = (
            await hub.post("/api/g_variants", json=body("record", geneId="FBN1", datasets=["ds-rec"]))
        ).json()
    assert errors(doc, RESULTSETS) == []
    assert doc["meta"]["returnedGranularity"] == "record"
    (only,) = doc["response"]["resultSets"]
    assert (only["info"]["node"], only["id"], [r["id"] for r in only["results"]]) == (
        "eu-rec",
        "ds-rec",
        ["r1", "r2"],
    )
    for record in only["results"]:
        assert errors(record, records_node_schema("individuals")) == []
    assert any("not held here" in w for w in doc["info"]["warnings"])  # cn-b said it has no ds-rec
    assert doc["info"]["missingNodes"] == []
    assert [r["variantInternalId"] for r in variants["response"]["resultSets"][0]["results"]] == [
        SNV_ID,
        "GRCh38:chr15:48700000:C:T",
    ]


async def test_records_are_not_released_when_a_node_only_counts(contexts: dict[str, NodeContext]) -> None:
    async with hub_over(["eu-rec", "cn-b"], contexts) as hub:
        doc = (await hub.post("/api/individuals", json=body("record", datasets=["ds-rec", "ds-b"]))).json()
    assert doc["meta"]["returnedGranularity"] == "count"
    assert errors(doc, COUNT) == []
    assert all(s["results"] == [] for s in doc["response"]["resultSets"])
    assert doc["responseSummary"]["numTotalResults"] == 6


async def test_collections_are_listed_with_their_node(contexts: dict[str, NodeContext]) -> None:
    async with hub_over(["eu-rec", "cn-b", "down"], contexts) as hub:
        doc = (await hub.post("/api/datasets", json=body("record", datasets=["ds-rec"]))).json()
        counted = (await hub.get("/api/cohorts", params={"requestedGranularity": "count"})).json()
    assert errors(doc, COLLECTIONS) == []
    assert [(c["id"], c["info"]["node"]) for c in doc["response"]["collections"]] == [("ds-rec", "eu-rec")]
    assert errors(counted, COUNT) == []
    assert counted["responseSummary"] == {"exists": True, "numTotalResults": 3}


async def test_filters_a_node_cannot_apply_are_reported_per_node(contexts: dict[str, NodeContext]) -> None:
    async with hub_over(["eu-rec", "cn-b"], contexts) as hub:
        doc = (await hub.post("/api/individuals", json=body("count", {"id": "XYZ:1"}))).json()
    assert sorted(f["node"] for f in doc["info"]["unsupportedFilters"]) == ["cn-b", "eu-rec"]
    assert doc["responseSummary"]["numTotalResults"] == 7


async def test_a_malformed_request_is_refused_at_the_hub(contexts: dict[str, NodeContext]) -> None:
    bad_operator = body("count", {"id": "age", "operator": "~", "value": "3"})
    async with hub_over(["eu-rec", "cn-b", "down"], contexts) as hub:
        replies = [
            await hub.post("/api/g_variants", json=body("count", referenceName="15")),
            await hub.get("/api/individuals", params={"requestedGranularity": "all"}),
            await hub.post("/api/biosamples", json=bad_operator),
            await hub.post(
                "/api/individuals", json=body("count", {"id": "HP:9999999"})
            ),  # every node refuses
        ]
    for reply, fragment in zip(
        replies,
        ["referenceName was given without start", "requestedGranularity", "operator '~'", "unknown term"],
        strict=True,
    ):
        assert reply.status_code == 400, reply.text
        assert errors(reply.json(), ERROR) == []
        assert fragment in reply.json()["error"]["errorMessage"]


async def test_a_verifier_walk_of_the_network_finds_nothing_wrong(contexts: dict[str, NodeContext]) -> None:
    async with hub_over(["eu-open"], contexts) as hub:
        seen = await walk(hub, "http://hub")
    assert seen.problems == [], seen.report()
    assert set(seen.records) == {e.id for e in ENTRY_TYPES}


def records_node_schema(path: str) -> str:
    return next(e.schema_file for e in ENTRY_TYPES if e.path == path)
