"""Attacks on the release path, end to end: the demo network as real processes (three nodes and the
hub, signatures and passports on), plus one more process serving eu-rome's store with a tiny budget.

Researchers the demo does not list get passports from the hub's own broker key (read from its state
folder, as an attacker who registered would hold a genuine passport).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
import tomli_w
from cryptography.hazmat.primitives.asymmetric import ec

from pmbridge.demo import DEMO_NODES, HUB_KEY_NAME, DemoPaths, Supervisor, build_demo, start_network
from pmbridge.hub import load_broker_key
from pmbridge.policy import generate_issuer_key
from pmbridge.signing import SignedRequests, load_signing_key
from tests.release import bearer, passport

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 200
TINY = "eu-rome-tiny"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoPaths, dict[str, str]]]:
    paths = DemoPaths(tmp_path_factory.mktemp("attacks"))
    build_demo(paths, size=SIZE, workers=1, say=lambda _: None)
    with Supervisor(paths.root / "run") as supervisor:
        urls = start_network(supervisor, paths)
        tiny = supervisor.start(TINY, ["node", "serve", "--config", str(tiny_config(paths))])
        urls[TINY] = tiny.url
        yield paths, urls


def tiny_config(paths: DemoPaths) -> Path:
    """eu-rome's config over its own store and ledgers, with a budget of 3 and no differencing guard
    (so that only the budget can refuse), its own audit log."""
    rome = paths.node_config(next(n for n in DEMO_NODES if n.id == "eu-rome"))
    doc = tomllib.loads(rome.read_text())
    node = doc["node"]
    node["store"] = str(rome.parent / node["store"])
    node["private_key"] = str((rome.parent / node["private_key"]).resolve())
    node["audit_log"] = "audit.jsonl"
    doc["privacy"] = {"yearly_epsilon_budget": 3.0, "differencing_guard": False}
    for issuer in doc["passports"]["issuers"]:
        issuer["public_key"] = str((rome.parent / issuer["public_key"]).resolve())
    path = paths.root / TINY / "node.toml"
    path.parent.mkdir()
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def broker(paths: DemoPaths) -> ec.EllipticCurvePrivateKey:
    return load_broker_key(paths.root / "hub-state")


def as_hub(paths: DemoPaths, node: str) -> httpx.Auth:
    """Sign as the hub does, to ask a node directly (it answers nothing else under /api)."""
    return SignedRequests(load_signing_key(paths.private_key(HUB_KEY_NAME)), audience=node)


def ask(
    url: str,
    *filters: Mapping[str, object],
    token: str | None = None,
    auth: httpx.Auth | None = None,
    granularity: str = "count",
    datasets: tuple[str, ...] = (),
) -> httpx.Response:
    query: dict[str, object] = {"filters": list(filters), "requestedGranularity": granularity}
    if datasets:
        query["requestParameters"] = {"datasets": {"datasetIds": list(datasets)}}
    headers = bearer(token) if token else {}
    return httpx.post(f"{url}/api/individuals", json={"query": query}, headers=headers, auth=auth, timeout=60)


def node_line(doc: Mapping[str, object], node: str) -> dict[str, object]:
    return {n["node"]: n for n in doc["info"]["nodes"]}[node]  # type: ignore[index]


def oldest_age(paths: DemoPaths) -> float:
    """The age of eu-rome's oldest person, who must be the only one that old."""
    store = paths.root / "eu-rome" / "store.duckdb"
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            "SELECT age_years, count(*) FROM individuals WHERE age_years IS NOT NULL "
            "GROUP BY age_years ORDER BY age_years DESC LIMIT 1"
        ).fetchall()
    age, how_many = rows[0]
    assert how_many == 1, "the synthetic cohort's oldest age is shared; pick another target"
    return float(age)


def test_a_differencing_attack_learns_nothing(demo: tuple[DemoPaths, dict[str, str]]) -> None:
    """A, then A minus the oldest person: refused. A, then the very same people asked otherwise:
    refused alike. Whichever world the attacker is in, the second answer is the same refusal."""
    paths, urls = demo
    everyone = {"id": "age", "operator": ">", "value": "-1"}
    minus_one = {"id": "age", "operator": "<", "value": str(oldest_age(paths))}
    same = {"id": "age", "operator": "<", "value": "1000"}
    outcomes = []
    for attacker, second in (("attacker-1", minus_one), ("attacker-2", same)):
        token = passport(attacker, country="IT", key=broker(paths))
        first = ask(urls["hub"], everyone, token=token, datasets=("rome-rd",))
        assert first.status_code == 200, first.text
        assert first.json()["response"]["resultSets"][0]["info"]["count"]["how"] == "noised"
        reply = ask(urls["hub"], second, token=token, datasets=("rome-rd",))
        rome = node_line(reply.json(), "eu-rome")
        outcomes.append((reply.status_code, rome["status"], str(rome["detail"])))
        assert reply.json()["response"]["resultSets"] == []
        again = ask(urls["hub"], everyone, token=token, datasets=("rome-rd",))
        assert again.json()["response"]["resultSets"] == first.json()["response"]["resultSets"]
    # the very same refusal, word for word: its text says neither how close the cohorts are nor
    # whether they hold the same people
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][:2] == (200, "error") and "differencing_guard" in outcomes[0][2]


def test_repeating_a_noisy_query_returns_the_cached_value_and_spends_once(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    paths, urls = demo
    token = passport("averager", country="IT", key=broker(paths))
    nervous = {"id": "HP:0000707"}
    replies = [ask(urls["hub"], nervous, token=token).json() for _ in range(4)]
    counts = [
        {(s["info"]["node"], s["id"]): s["info"]["count"] for s in r["response"]["resultSets"]}
        for r in replies
    ]
    assert all(c == counts[0] for c in counts)  # the identical answer, so there is nothing to average
    assert {c["how"] for c in counts[0].values()} == {"noised"}
    budget = httpx.get(f"{urls['hub']}/api/budget", headers=bearer(token), timeout=60).json()
    spent = {(n["node"], line["dataset"]): line["spent"] for n in budget["nodes"] for line in n["datasets"]}
    assert spent == {
        ("eu-rome", "rome-rd"): 1.0,
        ("eu-berlin", "berlin-gm"): 1.0,
        ("cn-shanghai", "shanghai-rd"): 1.0,
    }


def test_an_exhausted_budget_is_refused(demo: tuple[DemoPaths, dict[str, str]]) -> None:
    paths, urls = demo
    token = passport("spender", country="IT", key=broker(paths))
    auth = as_hub(paths, "eu-rome")
    questions = [{"id": "sex", "operator": "=", "value": s} for s in ("FEMALE", "MALE")]
    questions += [
        {"id": "age", "operator": "<", "value": "40"},
        {"id": "age", "operator": ">=", "value": "40"},
    ]
    replies = [ask(urls[TINY], q, token=token, auth=auth) for q in questions]
    assert [r.status_code for r in replies] == [200, 200, 200, 403]
    assert replies[3].json()["error"]["errorMessage"].startswith("refused by the budget rule")
    assert ask(urls[TINY], questions[0], token=token, auth=auth).status_code == 200  # cached: free
    budget = httpx.get(f"{urls[TINY]}/api/budget", headers=bearer(token), auth=auth, timeout=60).json()
    assert budget["datasets"] == [{"dataset": "rome-rd", "budget": 3.0, "spent": 3.0, "remaining": 0.0}]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda key: passport("forger", country="IT", key=generate_issuer_key()), "bad_signature"),
        (lambda key: passport("late", country="IT", key=key, age=timedelta(hours=2)), "expired"),
        (
            lambda key: passport("elsewhere", country="IT", key=key, audience="another-network"),
            "wrong_audience",
        ),
    ],
)
def test_forged_expired_and_wrong_audience_passports_are_refused_by_hub_and_nodes(
    demo: tuple[DemoPaths, dict[str, str]], make: object, reason: str
) -> None:
    paths, urls = demo
    token = make(broker(paths))  # type: ignore[operator]
    at_hub = ask(urls["hub"], token=token)
    at_node = ask(urls["cn-shanghai"], token=token, auth=as_hub(paths, "cn-shanghai"))
    for reply in (at_hub, at_node):
        assert reply.status_code == 401
        assert f"passport rejected ({reason})" in reply.json()["error"]["errorMessage"]


def test_an_eu_researchers_record_query_to_the_cn_node_is_refused_under_x1(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    paths, urls = demo
    token = passport("visitor", country="DE", grants=("shanghai-rd",), key=broker(paths))
    direct = ask(urls["cn-shanghai"], token=token, auth=as_hub(paths, "cn-shanghai"), granularity="record")
    assert direct.status_code == 403
    message = direct.json()["error"]["errorMessage"]
    assert message.startswith("refused by rule X1:") and "PIPL Art 38" in message
    network = ask(urls["hub"], token=token, granularity="record").json()
    assert "cn-shanghai" in network["info"]["missingNodes"]
    assert str(node_line(network, "cn-shanghai")["detail"]).startswith("refused by rule X1:")


def test_genetic_aggregates_stay_in_china_and_charts_come_through_the_hub(
    demo: tuple[DemoPaths, dict[str, str]],
) -> None:
    _, urls = demo
    signed_in = httpx.post(f"{urls['hub']}/api/auth/token", json={"user": "eu-researcher"}, timeout=60).json()
    token = signed_in["passport"]
    gene = ask(urls["hub"], {"id": "geneId", "operator": "=", "value": "FBN1"}, token=token).json()
    assert str(node_line(gene, "cn-shanghai")["detail"]).startswith("refused by rule X4:")
    body = {
        "query": {"filters": [{"id": "HP:0000118"}]},
        "breakdowns": ["sex", "ageBand", "phenotypeCategory"],
    }
    charts = httpx.post(f"{urls['hub']}/api/aggregates", json=body, headers=bearer(token), timeout=60).json()
    assert charts["missingNodes"] == []
    assert {(d["node"], d["dataset"]) for d in charts["datasets"]} == {
        ("eu-rome", "rome-rd"),
        ("eu-berlin", "berlin-gm"),
        ("cn-shanghai", "shanghai-rd"),
    }
    for entry in charts["datasets"]:
        assert entry["total"]["how"] == "noised"
        assert set(entry["breakdowns"]) == {"sex", "ageBand", "phenotypeCategory"}
