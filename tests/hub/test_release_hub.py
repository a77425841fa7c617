"""The hub's release path: demo broker, passports checked at the hub, its own disclosure pass with
per-node provenance, totals that never fill in suppressed parts, aggregates and budgets."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from pmbridge.hub import HubReleaseSettings, NodeEntry, create_hub_app, load_broker_key
from pmbridge.model import Jurisdiction
from pmbridge.node import NodeContext, open_node, parse_node_config
from pmbridge.node._matching import node_matcher
from pmbridge.policy import DEMO_ISSUER, PURPOSE_HEADER, public_key_pem
from pmbridge.vocab import Hpo, locate_data_dir
from tests.beacon_schemas import RESULTSETS, errors
from tests.hub.test_network_entries import Nodes
from tests.node import release_node
from tests.release import bearer, passport
from tests.trust import hub_config, node_public_key, trusted

pytestmark = pytest.mark.anyio

NODES = {
    "eu-rel": ("EU", "IT", "rel-eu", {}),
    "eu-exact": ("EU", "DE", "rel-exact", {"privacy": {"noise": False}}),
    "cn-rel": ("CN", "CN", "rel-cn", {}),
}


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, NodeContext]]]:
    """Three nodes trusting the hub's broker key; the hub's state folder holds that key."""
    home = tmp_path_factory.mktemp("hub-home")
    key = load_broker_key(home / "hub-state")
    trust = {
        "audience": "pmbridge-demo-network",
        "issuers": [{"iss": DEMO_ISSUER, "public_key": public_key_pem(key).decode()}],
    }
    hpo = Hpo.load(locate_data_dir())
    contexts: dict[str, NodeContext] = {}
    for node, (jurisdiction, country, dataset, tables) in NODES.items():
        root = tmp_path_factory.mktemp(node)
        doc = {**release_node.config(node, jurisdiction, country, dataset, **tables), "passports": trust}
        full = release_node.build(root, doc, hpo)
        contexts[node] = open_node(parse_node_config(trusted(full, root), base=root, where="test"))
    yield home, contexts
    for context in contexts.values():
        context.close()
        context.release.close()


@asynccontextmanager
async def hub(network: tuple[Path, dict[str, NodeContext]]) -> AsyncIterator[httpx.AsyncClient]:
    home, contexts = network
    entries = [
        NodeEntry(n, f"http://{n}", Jurisdiction(j), c, public_key=node_public_key(contexts, n))
        for n, (j, c, _, _) in NODES.items()
    ]
    with tempfile.TemporaryDirectory() as keys:
        config = hub_config(entries, Path(keys), release=HubReleaseSettings(demo_broker=True))
        app = create_hub_app(replace(config, state_dir=home / "hub-state"), transport=Nodes(contexts))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client,
        ):
            yield client


def hub_key(network: tuple[Path, dict[str, NodeContext]]) -> ec.EllipticCurvePrivateKey:
    """The hub's broker key, to make passports for researchers the demo does not list."""
    return load_broker_key(network[0] / "hub-state")


def body(*filters: Mapping[str, object], granularity: str = "count") -> dict[str, object]:
    return {
        "meta": {"apiVersion": "v2.0.1"},
        "query": {"filters": list(filters), "requestedGranularity": granularity},
    }


def by_node(doc: Mapping[str, object]) -> dict[str, dict[str, object]]:
    return {s["info"]["node"]: s for s in doc["response"]["resultSets"]}  # type: ignore[index]


async def test_the_demo_broker_lists_its_users_and_signs_their_passports(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    async with hub(network) as client:
        users = (await client.get("/api/auth/users")).json()
        token = (await client.post("/api/auth/token", json={"user": "eu-researcher"})).json()
        anonymous = (await client.post("/api/auth/token", json={"user": "anonymous"})).json()
        unknown = await client.post("/api/auth/token", json={"user": "mallory"})
        counted = await client.post("/api/individuals", json=body(), headers=bearer(token["passport"]))
    assert users["demo"] is True
    assert [u["id"] for u in users["users"]] == [
        "eu-researcher",
        "cn-researcher",
        "controlled-researcher",
        "kb-steward",
        "rome-steward",
        "berlin-steward",
        "shanghai-steward",
        "anonymous",
    ]
    assert (
        token["user"]["country"] == "IT"
        and token["passport"].count(".") == 2
        and token["expiresAt"].endswith("Z")
    )
    assert anonymous["passport"] is None and anonymous["expiresAt"] is None
    assert unknown.status_code == 400
    assert counted.status_code == 200
    assert counted.json()["meta"]["returnedGranularity"] == "count"  # the nodes accepted the hub's passport


async def test_the_hub_keeps_node_noise_adds_its_own_to_exact_counts_and_says_so(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    token = passport("hub-noise-1", country="IT", key=hub_key(network))
    async with hub(network) as client:
        doc = (await client.post("/api/individuals", json=body(), headers=bearer(token))).json()
    assert errors(doc, RESULTSETS) == []
    sets = by_node(doc)
    noised = sets["eu-rel"]["info"]
    assert noised["count"]["how"] == "noised" and noised["provenance"]["node"]["how"] == "noised"
    assert set(noised["provenance"]["node"]) == {
        "how",
        "threshold",
        "epsilon",
        "roundedTo",
        "rule",
    }  # no number
    exact = sets["eu-exact"]["info"]
    assert exact["provenance"]["node"]["how"] == "exact" and exact["count"]["how"] == "noised"
    assert sets["cn-rel"]["info"]["count"]["threshold"] == 11  # an Italian researcher at a Chinese node
    total = doc["info"]["total"]
    assert total["how"] == "noised" and total["partial"] is False and total["parts"] == 3
    assert (
        doc["responseSummary"]["numTotalResults"]
        == sum(s["resultsCount"] for s in sets.values())
        == total["value"]
    )


async def test_a_total_over_suppressed_parts_is_marked_and_never_includes_them(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    token = passport("hub-partial-1", country="IT", key=hub_key(network))
    eight = {"id": "age", "operator": "<", "value": "10"}  # 8 people per node: shown at home, not abroad
    async with hub(network) as client:
        doc = (await client.post("/api/individuals", json=body(eight), headers=bearer(token))).json()
    sets = by_node(doc)
    assert sets["cn-rel"]["info"]["count"]["how"] == "suppressed" and sets["cn-rel"]["resultsCount"] == 0
    total = doc["info"]["total"]
    assert total["partial"] is True and total["suppressedParts"] == ["cn-rel/rel-cn"]
    shown = sets["eu-rel"]["resultsCount"] + sets["eu-exact"]["resultsCount"]
    assert total["value"] == doc["responseSummary"]["numTotalResults"] == shown
    assert {n["node"]: n["count"] for n in doc["info"]["nodes"]}["cn-rel"] is None  # nothing released


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda key: passport("h-forged", country="IT"), "bad_signature"),  # the test broker, not the hub's
        (lambda key: passport("h-late", country="IT", key=key, age=timedelta(hours=2)), "expired"),
        (lambda key: passport("h-away", country="IT", key=key, audience="other"), "wrong_audience"),
    ],
)
async def test_the_hub_refuses_a_bad_passport_itself(
    network: tuple[Path, dict[str, NodeContext]], make: object, reason: str
) -> None:
    token = make(hub_key(network))  # type: ignore[operator]
    async with hub(network) as client:
        replies = [
            await client.post("/api/individuals", json=body(), headers=bearer(token)),
            await client.get("/api/budget", headers=bearer(token)),
            await client.post("/api/aggregates", json={}, headers=bearer(token)),
            await client.get("/api/filtering_terms", headers=bearer(token)),
            await client.post("/api/datasets/rel-cn/filtering_terms", json={}, headers=bearer(token)),
        ]
    for reply in replies:
        assert reply.status_code == 401
        assert reason in reply.json()["error"]["errorMessage"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/individuals"),
        ("GET", "/api/filtering_terms"),
        ("GET", "/api/datasets/rel-cn/filtering_terms"),
        ("POST", "/api/individuals/filtering_terms"),
    ],
)
async def test_the_hub_refuses_forbidden_purposes_before_asking_any_node(
    network: tuple[Path, dict[str, NodeContext]], method: str, path: str
) -> None:
    asked = {"json": body()} if path == "/api/individuals" else {"json": {}} if method == "POST" else {}
    async with hub(network) as client:
        reply = await client.request(method, path, headers={PURPOSE_HEADER: "law_enforcement"}, **asked)
    assert reply.status_code == 403
    assert reply.json()["error"]["errorMessage"].startswith("refused by rule X5")


async def test_a_record_query_abroad_is_refused_by_the_cn_node_under_x1_and_the_hub_says_so(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    token = passport("h-grant", country="DE", grants=("rel-cn", "rel-eu"), key=hub_key(network))
    async with hub(network) as client:
        doc = (
            await client.post("/api/individuals", json=body(granularity="record"), headers=bearer(token))
        ).json()
    assert doc["info"]["missingNodes"] == ["cn-rel"]
    cn = {n["node"]: n for n in doc["info"]["nodes"]}["cn-rel"]
    assert cn["status"] == "refused" and cn["rule"] == "X1" and cn["detail"].startswith("refused by rule X1:")


async def test_network_aggregates_keep_each_nodes_account_beside_the_hubs(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    token = passport("hub-charts-1", country="IT", key=hub_key(network))
    request = {"query": {"filters": []}, "breakdowns": ["sex", "ageBand", "phenotypeCategory"]}
    async with hub(network) as client:
        doc = (await client.post("/api/aggregates", json=request, headers=bearer(token))).json()
        budget = (await client.get("/api/budget", headers=bearer(token))).json()
    assert doc["missingNodes"] == [] and {n["node"] for n in doc["nodes"]} == set(NODES)
    datasets = {d["node"]: d for d in doc["datasets"]}
    assert set(datasets) == set(NODES)
    exact = datasets["eu-exact"]
    assert exact["dataset"] == "rel-exact" and exact["total"]["how"] == "noised"
    assert exact["provenance"]["node"]["total"]["how"] == "exact"
    assert list(exact["breakdowns"]["sex"]["cells"]) == ["female", "male", "other", "unknown"]
    assert (
        "total" in exact["breakdowns"]["ageBand"] and "total" not in exact["breakdowns"]["phenotypeCategory"]
    )
    for entry in datasets.values():
        for part in entry["breakdowns"].values():
            for count in part["cells"].values():
                assert count["value"] is None or count["value"] == 0 or count["value"] >= count["threshold"]
    assert budget["researcher"] == "hub-charts-1" and budget["missingNodes"] == []
    lines = {n["node"]: n["datasets"] for n in budget["nodes"]}
    assert lines["eu-rel"][0]["dataset"] == "rel-eu" and lines["eu-rel"][0]["spent"] > 0
    assert lines["eu-exact"][0]["spent"] == 0.0  # that node does not noise; the hub did, and charged its own
    assert [d["dataset"] for d in budget["hub"]["datasets"]] == ["eu-exact/rel-exact"]


async def test_match_band_counts_pass_the_hubs_own_disclosure_with_each_nodes_account(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    """A researcher in China gets score bands from the EU nodes (X1). eu-exact sends exact counts,
    which the hub noises itself; eu-rel's noise is kept; no band shows 1 to the hub's k-1."""
    token = passport("hub-match-1", country="CN", key=hub_key(network), grants=("rel-cn",))
    body = {"phenotypes": [release_node.SEIZURE], "limit": 5}
    for context in network[1].values():  # in process there is no node lifespan to build the index
        node_matcher(context)  # before the hub's 5 s deadline starts
    async with hub(network) as client:
        reply = await client.post("/api/match", json=body, headers=bearer(token))
        again = await client.post("/api/match", json=body, headers=bearer(token))
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    aggregates = {a["node"]: a for a in doc["aggregates"]}
    assert set(aggregates) == {"eu-rel", "eu-exact"}  # cn-rel is at home, with a grant: per-patient
    hows = {}
    for node, aggregate in aggregates.items():
        for band in aggregate["bands"]:
            count, told = band["count"], band["provenance"]["node"]
            assert count["value"] is None or count["value"] == 0 or count["value"] >= 11
            assert band["exists"] == (None if count["value"] is None else count["value"] > 0)
            hows[node, band["band"], told["how"]] = count["how"]
    exact_bands = [how for (node, _, told), how in hows.items() if node == "eu-exact" and told == "exact"]
    assert "noised" in exact_bands and set(exact_bands) <= {"noised", "exact"}  # exact: only zeros
    assert {how for (node, _, told), how in hows.items() if node == "eu-rel" and told == "noised"} <= {
        "noised",
        "suppressed",
    }
    assert again.json()["aggregates"] == doc["aggregates"]  # the hub's noise is cached per question


async def test_near_cohorts_through_the_hub_repeat_the_answer_in_the_same_words(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    """After the 20 people with seizures, the same 20 asked otherwise (0 apart), 3 fewer (age
    known) and 4 fewer (age known and under 56) all get the seizures answer again, free, in words
    that do not say which: same people, same answer, and no refusal to read a difference from."""
    token = passport("hub-guard-1", country="IT", key=hub_key(network))
    seizure = {"id": "HP:0001250"}
    closer = [
        [seizure, {"id": "HP:0000707"}],  # its ancestor: the very same people
        [seizure, {"id": "age", "operator": ">=", "value": "0"}],
        [seizure, {"id": "age", "operator": "<", "value": "56"}],
    ]
    async with hub(network) as client:
        first = await client.post("/api/individuals", json=body(seizure), headers=bearer(token))
        again = [
            await client.post("/api/individuals", json=body(*filters), headers=bearer(token))
            for filters in closer
        ]
    assert first.status_code == 200 and {r.status_code for r in again} == {200}
    base = {n: s["info"]["count"] for n, s in by_node(first.json()).items()}  # type: ignore[index]
    for reply in again:
        counts = {n: s["info"]["count"] for n, s in by_node(reply.json()).items()}  # type: ignore[index]
        assert {n: c["value"] for n, c in counts.items()} == {n: c["value"] for n, c in base.items()}
        assert {n: c["how"] for n, c in counts.items()} == {n: c["how"] for n, c in base.items()}
        assert "same people" in counts["eu-rel"]["reason"]  # the hub keeps a noised node's words


async def test_the_cost_of_a_chart_is_said_before_and_matches_what_it_spends(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    token = passport("hub-cost-1", country="IT", key=hub_key(network))
    request = {"query": {"filters": [{"id": release_node.SEIZURE}]}, "breakdowns": ["sex", "ageBand"]}
    async with hub(network) as client:
        before = (await client.post("/api/aggregates/cost", json=request, headers=bearer(token))).json()
        budget = (await client.get("/api/budget", headers=bearer(token))).json()
        doc = (await client.post("/api/aggregates", json=request, headers=bearer(token))).json()
        again = (await client.post("/api/aggregates/cost", json=request, headers=bearer(token))).json()
    assert budget["nodes"] and all(line["spent"] == 0.0 for n in budget["nodes"] for line in n["datasets"])
    priced = {(d["node"], d["dataset"]): d for d in before["datasets"]}
    spent = {(d["node"], d["dataset"]): d["spent"] for d in doc["datasets"]}
    assert set(priced) == set(spent) and before["missingNodes"] == []
    for key, line in priced.items():
        assert line["tier"] == "researcher" and line["refusal"] is None
        assert line["epsilon"] == spent[key]["epsilon"], key  # what was said is what was spent
    assert any(line["epsilon"] > 0 for line in priced.values())
    assert all(line["epsilon"] == 0.0 for line in again["datasets"])  # asked again: free


async def test_a_gene_filter_abroad_is_priced_as_the_refusal_it_would_meet(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    token = passport("hub-cost-2", country="IT", key=hub_key(network))
    request = {"query": {"filters": [{"id": "gene:FBN1"}]}, "breakdowns": []}
    async with hub(network) as client:
        doc = (await client.post("/api/aggregates/cost", json=request, headers=bearer(token))).json()
    cn = [d for d in doc["datasets"] if d["node"] == "cn-rel"]
    assert cn and cn[0]["refusal"]["rule"] == "X4" and cn[0]["epsilon"] == 0.0


async def test_anonymous_callers_share_the_public_tier_at_the_hub_and_spend_nothing(
    network: tuple[Path, dict[str, NodeContext]],
) -> None:
    request = {"query": {"filters": []}, "breakdowns": ["sex"]}
    async with hub(network) as client:
        first = (await client.post("/api/aggregates", json=request)).json()
        again = (await client.post("/api/aggregates", json=request, headers={"User-Agent": "another"})).json()
        price = (await client.post("/api/aggregates/cost", json=request)).json()
        budget = (await client.get("/api/budget")).json()
    assert first["datasets"] == again["datasets"]
    assert {d["tier"] for d in price["datasets"]} == {"public"} and {
        d["epsilon"] for d in price["datasets"]
    } == {0.0}
    assert budget["tier"] == "public" and budget["hub"]["budget"] is None and budget["hub"]["datasets"] == []
    assert all(line["budget"] is None for n in budget["nodes"] for line in n["datasets"])
