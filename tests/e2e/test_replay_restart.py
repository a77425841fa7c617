"""Replay protection survives a restart: a signed request captured before a node process was killed
and started again is refused as ``replayed``, while a freshly signed request is answered."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest
import tomli_w

from pmbridge.demo import Supervisor
from pmbridge.signing import sign_request
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import records_node
from tests.trust import HUB_KEY, trusted

pytestmark = [pytest.mark.e2e]

NODE = "eu-restart"
COUNT = orjson.dumps({"query": {"filters": [], "requestedGranularity": "count"}})


def signed() -> dict[str, str]:
    headers = sign_request(method="POST", target="/api/individuals", body=COUNT, key=HUB_KEY, audience=NODE)
    return {**headers, "content-type": "application/json"}


def node_config(root: Path) -> Path:
    records_node.build(root, Hpo.load(locate_data_dir()))
    doc = trusted(records_node.CONFIG, root, node_id=NODE)
    # A wide skew window, so a slow restart on a busy machine still replays inside the window:
    # the refusal must say "replayed", not "stale".
    doc["node"] = {**doc["node"], "max_clock_skew_seconds": 600}  # type: ignore[dict-item]
    path = root / "node.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("kill", [True, False], ids=["SIGKILL", "SIGTERM"])
def test_a_request_captured_before_a_restart_is_refused_after_it(tmp_path: Path, kill: bool) -> None:
    config = node_config(tmp_path)
    serve = ["node", "serve", "--config", str(config)]
    captured = signed()
    with Supervisor(tmp_path / "run") as supervisor, httpx.Client(timeout=60) as client:
        url = supervisor.start(NODE, serve).url + "/api/individuals"
        first = client.post(url, content=COUNT, headers=captured)
        assert first.status_code == 200, first.text
        supervisor.stop(NODE, kill=kill)
        url = supervisor.start(NODE, serve).url + "/api/individuals"
        replayed = client.post(url, content=COUNT, headers=captured)
        fresh = client.post(url, content=COUNT, headers=signed())
    assert replayed.status_code == 401, replayed.text
    error = replayed.json()["error"]
    assert error["errorMessage"].startswith("signature rejected (replayed)"), error
    assert (error["code"], error["reason"]) == ("signature_rejected", "replayed")
    assert "sign every request afresh" in error["hint"]  # the hint travels with it, in its own field
    assert fresh.status_code == 200, fresh.text
