"""Matchmaking and ranking through a real hub and real nodes: an EU node and a CN node with the same
patients, a researcher in Italy holding a controlled-access grant for ``ds-a`` (per-patient matches
need record-level access). Matches come from the EU node only (the CN node answers with band
counts: rule X1), the hub merges them, relays a contact request to the steward's inbox, and ranks
diseases in the order the library does."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import tomli_w

from pmbridge.audit import AuditEntry, read_audit_log
from pmbridge.demo import Supervisor
from pmbridge.similarity import PhenotypeQuery, load_disease_ranker
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import match_node
from tests.node.match_node import GRANTS, MARFAN
from tests.release import bearer, passport, trusting
from tests.trust import hub_key_file, node_key

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NODES = (("eu-rome", "EU", "IT"), ("cn-shanghai", "CN", "CN"))
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Supervisor, dict[str, str], Path]]:
    root = tmp_path_factory.mktemp("matchmaking")
    hpo = Hpo.load(locate_data_dir())
    with Supervisor(root / "run") as supervisor:
        entries = []
        for node_id, jurisdiction, country in NODES:
            folder = root / node_id
            config = match_node.build(
                folder, hpo, node_id=node_id, jurisdiction=jurisdiction, country=country
            )
            (folder / "node.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
            service = supervisor.start(node_id, ["node", "serve", "--config", str(folder / "node.toml")])
            entries.append(
                {
                    "id": node_id,
                    "url": service.url,
                    "jurisdiction": jurisdiction,
                    "country": country,
                    "public_key": node_key(folder, node_id).verifying_key.text,
                }
            )
        hub = {
            "hub": {
                "id": "org.example.match-hub",
                "deadline_seconds": TIMEOUT,  # a node builds its index on its first match
                "private_key": str(hub_key_file(root)),
                "data_dir": str(locate_data_dir().path.resolve()),
            },
            "nodes": entries,
        }
        (root / "hub.toml").write_text(tomli_w.dumps(trusting(hub)), encoding="utf-8")
        service = supervisor.start("hub", ["hub", "serve", "--config", str(root / "hub.toml")])
        urls = {"hub": service.url, **{e["id"]: e["url"] for e in entries}}
        yield supervisor, urls, root


def at_home(user: str = "alice") -> dict[str, str]:
    return bearer(passport(user, country="IT", grants=GRANTS))


def post(url: str, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(url, json=body, headers=headers or {}, timeout=TIMEOUT + 10)


def test_the_hub_ranks_the_eu_nodes_matches_and_the_cn_node_answers_with_counts(
    network: tuple[Supervisor, dict[str, str], Path],
) -> None:
    _, urls, _ = network
    reply = post(f"{urls['hub']}/api/match", {"phenotypes": list(MARFAN)}, at_home())
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert doc["missingNodes"] == []
    assert {n["node"]: n["status"] for n in doc["nodes"]} == {"eu-rome": "ok", "cn-shanghai": "ok"}
    assert {m["node"] for m in doc["matches"]} == {"eu-rome"}  # person-level output stays in the EU
    assert doc["matches"][0]["rank"] == 1 and doc["matches"][0]["score"] == 1.0
    assert [m["score"] for m in doc["matches"]] == sorted((m["score"] for m in doc["matches"]), reverse=True)
    assert {a["node"] for a in doc["aggregates"]} == {"eu-rome", "cn-shanghai"}  # ds-b (yes/no) and X1
    cn = next(n for n in doc["nodes"] if n["node"] == "cn-shanghai")
    assert cn["release"]["crossBorder"] is True and cn["matches"] == 0


def test_a_gene_keeps_the_cn_node_out_without_an_hgr_filing(
    network: tuple[Supervisor, dict[str, str], Path],
) -> None:
    _, urls, _ = network
    doc = post(f"{urls['hub']}/api/match", {"phenotypes": list(MARFAN), "gene": "FBN1"}, at_home()).json()
    assert doc["matches"][0]["score"] == 1.5  # the phenotype and the gene
    assert doc["missingNodes"] == ["cn-shanghai"]
    cn = next(n for n in doc["nodes"] if n["node"] == "cn-shanghai")
    assert cn["status"] == "refused" and "X4" in cn["detail"]  # a refusal, not a failure


def test_a_contact_request_reaches_the_stewards_inbox_and_nothing_else(
    network: tuple[Supervisor, dict[str, str], Path],
) -> None:
    _, urls, root = network
    best = post(f"{urls['hub']}/api/match", {"phenotypes": list(MARFAN)}, at_home()).json()["matches"][0]
    body = {
        "node": best["node"],
        "dataset": best["dataset"],
        "matchId": best["matchId"],
        "researcher": {"name": "Alice Rossi", "email": "alice@uni.example", "organisation": "Sapienza"},
        "message": "Our patient has the same features; could we compare notes?",
    }
    reply = post(f"{urls['hub']}/api/match/contact", body, at_home())
    assert reply.status_code == 200, reply.text
    assert set(reply.json()) == {"requestId", "node", "status"} and reply.json()["node"] == "eu-rome"
    config = root / "eu-rome" / "node.toml"
    listed = subprocess.run(
        [sys.executable, "-m", "pmbridge", "node", "contacts", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    mine = next(e for e in entries if e["request_id"] == reply.json()["requestId"])
    assert mine["individual_id"] == "p-marfan" and mine["researcher_email"] == "alice@uni.example"
    wrong = post(f"{urls['hub']}/api/match/contact", {**body, "matchId": "m-" + "f" * 32}, at_home())
    assert wrong.status_code == 404 and wrong.json()["error"]["errorCode"] == 404
    someone_else = post(f"{urls['hub']}/api/match/contact", body, at_home("bob"))  # alice's id, not bob's
    assert someone_else.status_code == 404
    anonymous = post(f"{urls['hub']}/api/match/contact", body)
    assert anonymous.status_code == 401 and "missing" in anonymous.json()["error"]["errorMessage"]
    elsewhere = post(f"{urls['hub']}/api/match/contact", {**body, "node": "nowhere"}, at_home())
    assert elsewhere.status_code == 400


def test_ranking_through_the_api_is_the_librarys_ranking(
    network: tuple[Supervisor, dict[str, str], Path],
) -> None:
    _, urls, _ = network
    body = {
        "phenotypes": ["Arachnodactyly", "HP:0001083"],
        "excluded": ["HP:0001250"],
        "gene": "FBN1",
        "limit": 8,
    }
    reply = post(f"{urls['hub']}/api/rank", body)
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    ranker = load_disease_ranker(locate_data_dir())
    expected = ranker.rank(PhenotypeQuery(("HP:0001166", "HP:0001083"), ("HP:0001250",), ("FBN1",)), top=8)
    assert [d["id"] for d in doc["diseases"]] == [d.id for d in expected]
    assert [d["rank"] for d in doc["diseases"]] == [d.rank for d in expected]
    assert doc["hpoRelease"] == ranker.release
    assert doc["query"]["phenotypes"][0]["labels"]["zh"]  # Chinese HPO labels where the release has them
    assert all(d["zhFallback"] is True and d["labels"]["zh"] == d["labels"]["en"] for d in doc["diseases"])


def test_the_hub_and_the_nodes_audit_matches_rankings_and_contact_requests(
    network: tuple[Supervisor, dict[str, str], Path],
) -> None:
    _, urls, root = network
    matched = post(f"{urls['hub']}/api/match", {"phenotypes": list(MARFAN)}, at_home()).json()
    ranked = post(f"{urls['hub']}/api/rank", {"phenotypes": list(MARFAN), "limit": 4}, at_home()).json()
    best = matched["matches"][0]
    contact = {
        "node": best["node"],
        "dataset": best["dataset"],
        "matchId": best["matchId"],
        "researcher": {"name": "Alice Rossi", "email": "alice@uni.example"},
        "message": "Could we compare notes?",
    }
    relayed = post(f"{urls['hub']}/api/match/contact", contact, at_home()).json()
    hub = [e for e in _audit(root / "hub-state" / "audit.jsonl") if e.action == "release"]
    kinds = {(e.actor, e.rule, e.released["kind"]) for e in hub if "kind" in e.released}
    assert kinds >= {
        ("alice", "node-release", "match"),
        ("alice", "reference-data", "rank"),
        ("alice", "contact", "contact"),
    }
    (last_match,) = [e for e in hub if e.released.get("kind") == "match"][-1:]
    assert last_match.released["matches"] == len(matched["matches"])
    assert last_match.released["nodes"] == 2 and last_match.released["missing"] == 0
    (last_rank,) = [e for e in hub if e.released.get("kind") == "rank"][-1:]
    assert last_rank.released["diseases"] == len(ranked["diseases"]) == 4
    assert any(e.released.get("requestId") == relayed["requestId"] for e in hub)
    for node_id in ("eu-rome", "cn-shanghai"):
        released = [e for e in _audit(root / node_id / f"audit-{node_id}.jsonl") if e.action == "release"]
        assert any(e.actor == "alice" and e.released.get("kind") == "match" for e in released)
    cn = [e for e in _audit(root / "cn-shanghai" / "audit-cn-shanghai.jsonl") if e.action == "release"]
    cn_matches = [e.released for e in cn if e.released.get("kind") == "match"]
    assert cn_matches and all(r["matches"] == 0 and r["crossBorder"] for r in cn_matches)
    for log in (root / "hub-state" / "audit.jsonl", root / "eu-rome" / "audit-eu-rome.jsonl"):
        text = log.read_text()
        assert best["matchId"] not in text and "p-marfan" not in text and "HP:" not in text


def _audit(path: Path) -> list[AuditEntry]:
    return [line.entry for line in read_audit_log(path) if line.entry is not None]


def test_a_node_that_is_down_is_reported_missing(network: tuple[Supervisor, dict[str, str], Path]) -> None:
    supervisor, urls, _ = network
    supervisor.stop("cn-shanghai")
    doc = post(f"{urls['hub']}/api/match", {"phenotypes": list(MARFAN)}, at_home()).json()
    assert doc["missingNodes"] == ["cn-shanghai"]
    assert {m["node"] for m in doc["matches"]} == {"eu-rome"}
