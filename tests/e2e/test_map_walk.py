"""A walk of every endpoint a Beacon map lists, at the hub and at an EU and the CN node (real
processes: the hub's answer is the nodes' answers merged, and a node answers only the hub's signed
requests), × granularity (boolean, count, record) × GET and POST, in a seeded random order, from
an anonymous visitor, a registered EU researcher and a registered CN researcher.

A plain question (no filter, or one phenotype) is never refused and never fails: no 403 and no
5xx, with one exception that is policy, not disclosure control: genetic output (variants, and
what a variant's carriers are) does not leave the CN node for a caller abroad (rule X4, no HGR
filing in the demo), so there the node refuses, naming X4, and the hub answers without it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import duckdb
import httpx
import pytest

from pmbridge.demo import DEMO_NODES, HUB_KEY_NAME, DemoPaths, Supervisor, build_demo
from pmbridge.hub import load_broker_key
from pmbridge.signing import SignedRequests, load_signing_key
from pmbridge.store import variant_id
from tests.e2e.network import start_side_by_side
from tests.release import bearer, passport

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 120
SEED = 20260304
TIMEOUT = 60.0
PARALLEL = 4
GRANULARITIES = ("boolean", "count", "record")
WALKED = ("hub", "eu-rome", "cn-shanghai")
PLAIN_FILTERS: tuple[tuple[dict[str, str], ...], ...] = ((), ({"id": "HP:0000118"},))


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoPaths, dict[str, str]]]:
    paths = DemoPaths(tmp_path_factory.mktemp("map-walk"))
    build_demo(paths, size=SIZE, workers=1, say=lambda _: None)
    with Supervisor(paths.root / "run") as supervisor:
        yield paths, start_side_by_side(supervisor, paths)


def entry_ids(paths: DemoPaths) -> dict[str, dict[str, str]]:
    """One real id per entry type at each node, read from its store (datasets and cohorts: the
    node's dataset)."""
    ids: dict[str, dict[str, str]] = {}
    for node in DEMO_NODES:
        with duckdb.connect(str(paths.store(node)), read_only=True) as con:
            person, sample = con.execute(
                "SELECT i.id, b.id FROM individuals i JOIN biosamples b USING (ind) ORDER BY i.id LIMIT 1"
            ).fetchone()  # type: ignore[misc]
            variant = con.execute(
                "SELECT assembly, chromosome, position, reference, alternate FROM variants "
                "WHERE position IS NOT NULL ORDER BY position LIMIT 1"
            ).fetchone()
        assert variant is not None
        ids[node.id] = {
            "individuals": person,
            "biosamples": sample,
            "g_variants": variant_id(*variant),
            "datasets": node.dataset_id,
            "cohorts": node.dataset_id,
        }
    return ids


def templates(doc: Mapping[str, object], base: str) -> list[tuple[str, str]]:
    """(entry type path, URL template below ``base``) of every endpoint a Beacon map lists."""
    found: list[tuple[str, str]] = []
    sets = doc["response"]["endpointSets"]  # type: ignore[index]
    for endpoint in sets.values():
        owner = urlsplit(endpoint["rootUrl"]).path.rsplit("/", 1)[-1]
        urls = [endpoint["rootUrl"], endpoint["singleEntryUrl"]]
        urls += [e["url"] for e in endpoint["endpoints"].values()]
        urls += [endpoint["filteringTermsUrl"]] if "filteringTermsUrl" in endpoint else []
        for url in urls:
            assert url.startswith(base), (url, base)
            found.append((owner, url[len(base) :]))
    return found


@dataclass(frozen=True)
class Step:
    where: str
    caller: str
    method: str
    template: str
    path: str
    granularity: str
    filters: tuple[dict[str, str], ...]


def genetic(template: str) -> bool:
    """Whether the output is genetic-derived (rule X4): variants, or what a variant's carriers are."""
    return "g_variants" in template and not template.endswith("/filtering_terms")


def plan_walk(
    maps: Mapping[str, list[tuple[str, str]]], ids: Mapping[str, Mapping[str, str]], callers: list[str]
) -> list[Step]:
    """Every listed endpoint × method × granularity at each place walked, each step from one caller
    in turn (so every endpoint is asked by every caller), with its ids filled from any node's data
    (a node is asked about ids it does not hold too, as the hub forwards every question to every
    node), shuffled with a fixed seed."""
    chance = random.Random(SEED)
    steps: list[Step] = []
    turn = 0
    for where, listed in maps.items():
        for owner, template in listed:
            terms = template.endswith("filtering_terms")
            for method in ("GET", "POST"):
                for granularity in GRANULARITIES[:1] if terms else GRANULARITIES:
                    holder = chance.choice(sorted(ids))  # the hub forwards every id to every node
                    path = template.replace("{id}", quote(ids[holder][owner], safe=""))
                    filters = () if terms else chance.choice(PLAIN_FILTERS)
                    steps.append(
                        Step(
                            where, callers[turn % len(callers)], method, template, path, granularity, filters
                        )
                    )
                    turn += 1
    chance.shuffle(steps)
    return steps


def expected(step: Step, node: str, detail: str, *, status: int | None = None) -> bool:
    """Whether a node not answering ``step`` is policy, not a failure: the CN node keeps its genetic
    output from callers abroad (X4, a 403), and a node asked for the filtering terms of a dataset or
    cohort it does not hold says so (a 400 the hub reads as "not held here"). A question about a
    dataset or cohort the node does not hold has nothing of the node's to keep back: no refusal."""
    if status is not None and status >= 500:
        return False
    held = {n.id: n.dataset_id for n in DEMO_NODES}[node]
    collection = step.template.startswith(("/api/datasets/{id}", "/api/cohorts/{id}"))
    elsewhere = collection and f"/{held}" not in step.path
    if node == "cn-shanghai" and step.caller != "registered CN" and genetic(step.template) and not elsewhere:
        return status in (None, 403) and "refused by rule X4:" in detail
    if step.template.endswith("{id}/filtering_terms"):
        return status in (None, 400) and "unknown dataset" in detail and elsewhere
    return False


def send(client: httpx.Client, step: Step) -> httpx.Response:
    if step.template.endswith("filtering_terms"):
        return client.request(step.method, step.path)
    if step.method == "GET":
        params = {"requestedGranularity": step.granularity}
        if step.filters:
            params["filters"] = ",".join(f["id"] for f in step.filters)
        return client.get(step.path, params=params)
    query = {"filters": list(step.filters), "requestedGranularity": step.granularity}
    return client.post(step.path, json={"meta": {"apiVersion": "v2.0.1"}, "query": query})


def test_every_mapped_endpoint_answers_a_plain_question(network: tuple[DemoPaths, dict[str, str]]) -> None:
    paths, urls = network
    key = load_broker_key(paths.root / "hub-state")
    callers = {
        "anonymous": {},
        "registered EU": bearer(passport("walker-eu", country="IT", key=key)),
        "registered CN": bearer(passport("walker-cn", country="CN", key=key)),
    }
    hub_key = load_signing_key(paths.private_key(HUB_KEY_NAME))
    clients = {
        (where, caller): httpx.Client(
            base_url=urls[where],
            headers=headers,
            auth=None if where == "hub" else SignedRequests(hub_key, audience=where),
            timeout=TIMEOUT,
        )
        for where in WALKED
        for caller, headers in callers.items()
    }
    try:
        maps = {}
        for where in WALKED:
            doc = clients[(where, "anonymous")].get("/api/map")
            assert doc.status_code == 200, doc.text
            maps[where] = templates(doc.json(), urls[where])
        assert maps["hub"] == maps["eu-rome"] == maps["cn-shanghai"]  # the hub serves what its nodes do
        assert len(maps["hub"]) >= 20
        steps = plan_walk(maps, entry_ids(paths), list(callers))
        with ThreadPoolExecutor(PARALLEL) as pool:
            replies = list(
                pool.map(lambda step: (step, send(clients[(step.where, step.caller)], step)), steps)
            )
    finally:
        for client in clients.values():
            client.close()
    failures = []
    for step, reply in replies:
        if reply.status_code == 200:
            lines = reply.json().get("info", {}).get("nodes", []) if step.where == "hub" else []
            failures += [
                f"{step}: {line['node']} {line['status']} {line['detail']}"
                for line in lines
                if line["status"] != "ok" and not expected(step, line["node"], str(line["detail"]))
            ]
        elif not expected(step, step.where, reply.text, status=reply.status_code):
            failures.append(f"{step}: {reply.status_code} {reply.text[:400]}")
    assert not failures, "\n".join(failures)
    assert len(replies) == len(steps) >= 300


@pytest.mark.parametrize(
    ("node", "path", "granularity"),
    [
        ("eu-rome", "/api/datasets/berlin-gm/individuals", "record"),  # refused under X1 today
        ("eu-rome", "/api/cohorts/berlin-gm/individuals", "record"),  # X1
        ("cn-shanghai", "/api/datasets/rome-rd/g_variants", "count"),  # X4
    ],
)
def test_a_question_about_a_dataset_held_elsewhere_is_not_refused(
    network: tuple[DemoPaths, dict[str, str]], node: str, path: str, granularity: str
) -> None:
    """The hub forwards ``/datasets/berlin-gm/individuals`` to every node. A node that holds no such
    dataset reads and releases nothing, so it has nothing to keep back: it answers that it holds no
    match, rather than refusing (to an anonymous caller, abroad for every node) records (X1) or
    genetic output (X4) that it would not give anyway."""
    paths, urls = network
    auth = SignedRequests(load_signing_key(paths.private_key(HUB_KEY_NAME)), audience=node)
    body = {"meta": {"apiVersion": "v2.0.1"}, "query": {"requestedGranularity": granularity}}
    reply = httpx.post(f"{urls[node]}{path}", json=body, auth=auth, timeout=TIMEOUT)
    assert reply.status_code == 200, reply.text
    assert reply.json()["responseSummary"]["exists"] is False
