"""Trust with real processes: a node process refuses what the hub did not sign and logs it, a node
process signing with the wrong key is an error outcome while the rest of the network answers, and
`pmbridge audit verify` checks a log a real node wrote and names the entry someone tampered with.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
import tomli_w

from pmbridge.audit import AuditEntry, read_audit_log
from pmbridge.demo import Supervisor
from pmbridge.signing import SignedRequests, SigningKey, generate_key_pair, save_key_pair, sign_request
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import records_node
from tests.trust import HUB_KEY, hub_key_file, node_key, trusted

pytestmark = [pytest.mark.e2e]

GOOD, IMPOSTOR = "eu-good", "eu-impostor"
COUNT = orjson.dumps({"query": {"filters": [], "requestedGranularity": "count"}})
HEADERS = {"content-type": "application/json"}


@dataclass(frozen=True, slots=True)
class Network:
    root: Path
    urls: dict[str, str]
    supervisor: Supervisor

    def audit_log(self, node: str) -> list[AuditEntry]:
        return [line.entry for line in read_audit_log(self.root / node / f"audit-{node}.jsonl") if line.entry]


def node_config(root: Path, node: str, store: Path) -> Path:
    """A node over the shared store (DuckDB allows many read-only processes), with its own key and log."""
    folder = root / node
    doc = trusted(records_node.CONFIG, folder, node_id=node)
    doc["node"] = {**doc["node"], "store": str(store)}  # type: ignore[dict-item]
    path = folder / "node.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("trust")
    (root / "store").mkdir()
    records_node.build(root / "store", Hpo.load(locate_data_dir()))
    store = root / "store" / "store.duckdb"
    registered = {GOOD: node_key(root / GOOD, GOOD), IMPOSTOR: generate_key_pair()}  # not what it signs with
    with Supervisor(root / "run") as supervisor:
        urls = {
            n: supervisor.start(n, ["node", "serve", "--config", str(node_config(root, n, store))]).url
            for n in registered
        }
        hub = {
            "hub": {"id": "trust-hub", "private_key": str(hub_key_file(root)), "deadline_seconds": 20.0},
            "nodes": [
                {
                    "id": n,
                    "url": urls[n],
                    "jurisdiction": "EU",
                    "country": "IT",
                    "public_key": k.verifying_key.text,
                }
                for n, k in registered.items()
            ],
        }
        (root / "hub.toml").write_text(tomli_w.dumps(hub), encoding="utf-8")
        urls["hub"] = supervisor.start("hub", ["hub", "serve", "--config", str(root / "hub.toml")]).url
        yield Network(root, urls, supervisor)


def signed(*, key: SigningKey = HUB_KEY, audience: str = GOOD, created: int | None = None) -> dict[str, str]:
    return {
        **sign_request(
            method="POST", target="/api/individuals", body=COUNT, key=key, audience=audience, created=created
        ),
        **HEADERS,
    }


def test_a_node_process_refuses_what_the_hub_did_not_sign_and_logs_each_refusal(network: Network) -> None:
    url = network.urls[GOOD] + "/api/individuals"
    replayable = signed()
    attempts = {
        "unsigned": (COUNT, HEADERS),
        "unknown_key": (COUNT, signed(key=generate_key_pair())),
        "digest_mismatch": (COUNT.replace(b"count", b"record"), signed()),
        "stale": (COUNT, signed(created=int(time.time()) - 3600)),
        "wrong_audience": (COUNT, signed(audience=IMPOSTOR)),
    }
    before = len(network.audit_log(GOOD))
    with httpx.Client(timeout=30) as client:
        first = client.post(url, content=COUNT, headers=replayable)
        assert first.status_code != 401, first.text
        refused = {
            reason: client.post(url, content=body, headers=h) for reason, (body, h) in attempts.items()
        }
        refused["replayed"] = client.post(url, content=COUNT, headers=replayable)
    for reason, reply in refused.items():
        assert reply.status_code == 401, (reason, reply.text)
        assert reply.json()["error"]["errorMessage"].startswith(f"signature rejected ({reason})")
    logged = network.audit_log(GOOD)[before:]
    assert [(e.action, e.rule) for e in logged if e.action == "refusal"] == [
        ("refusal", f"signature:{reason}") for reason in refused
    ]
    process_log = network.supervisor.services[GOOD].log.read_text()
    for reason in refused:
        assert f"refused POST /api/individuals from 127.0.0.1: signature rejected ({reason})" in process_log


def test_a_node_signing_with_the_wrong_key_is_an_error_and_the_rest_still_answers(network: Network) -> None:
    reply = httpx.post(network.urls["hub"] + "/api/individuals", content=COUNT, headers=HEADERS, timeout=30)
    assert reply.status_code == 200, reply.text
    outcomes = {n["node"]: n for n in reply.json()["info"]["nodes"]}
    assert outcomes[GOOD]["status"] == "ok", outcomes[GOOD]
    assert outcomes[IMPOSTOR]["status"] == "error"
    assert outcomes[IMPOSTOR]["detail"].startswith(
        "reply signature invalid: signature rejected (unknown_key)"
    )
    assert reply.json()["info"]["missingNodes"] == [IMPOSTOR]
    hub_log = [
        line.entry for line in read_audit_log(network.root / "hub-state" / "audit.jsonl") if line.entry
    ]
    assert (IMPOSTOR, "signature:unknown_key") in {
        (e.actor, e.rule) for e in hub_log if e.action == "refusal"
    }
    # The impostor did answer the hub's signed request; only its signature gave it away.
    impostor = {(e.action, e.rule) for e in network.audit_log(IMPOSTOR)}
    assert ("request", "signature:ok") in impostor


def verify(log: Path, key: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pmbridge", "audit", "verify", str(log), "--key", str(key)]
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)


def test_audit_verify_passes_a_real_nodes_log_and_names_the_entry_tampered_with(network: Network) -> None:
    auth = SignedRequests(HUB_KEY, audience=GOOD)
    with httpx.Client(timeout=30, auth=auth) as client, ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: client.get(network.urls[GOOD] + "/api/map"), range(40)))
    assert [r.status_code for r in replies] == [200] * 40  # written concurrently, chained one by one
    log = network.root / GOOD / f"audit-{GOOD}.jsonl"
    pub = save_key_pair(node_key(network.root / GOOD, GOOD), directory=network.root / "pub", name=GOOD).public
    intact = verify(log, pub)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert f"OK: {len(log.read_bytes().splitlines())} entries" in intact.stdout

    lines = log.read_bytes().splitlines(keepends=True)
    tampered = {
        "edited": [lines[0], lines[1].replace(b'"status":200', b'"status":201'), *lines[2:]],
        "deleted": [lines[0], *lines[2:]],
        "inserted": [*lines[:3], lines[1], *lines[3:]],
        "reordered": [lines[0], lines[2], lines[1], *lines[3:]],
    }
    expected = {
        "edited": "line 2 (seq 2): the entry's content does not match its hash (edited)",
        "deleted": "line 2 (seq 3): seq 3 where 2 was expected: an entry was deleted or moved",
        "inserted": "line 4 (seq 2): seq 2 where 4 was expected: an entry was inserted, repeated or moved",
        "reordered": "line 2 (seq 3): seq 3 where 2 was expected",
    }
    for how, content in tampered.items():
        copy = network.root / f"{how}.jsonl"
        copy.write_bytes(b"".join(content))
        result = verify(copy, pub)
        assert result.returncode == 1, (how, result.stdout)
        assert expected[how] in " ".join((result.stdout + result.stderr).split()), (how, result.stdout)
