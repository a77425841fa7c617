"""Schemathesis against a real hub and node (processes on 127.0.0.1, ephemeral ports, signatures on):
every operation each documents, a few generated requests each, and no reply may be a 5xx or leave
the schema its OpenAPI document gives for that status.

Calls to the node are signed as the hub signs them (``SignedAsHub``), so generated requests reach
the routes rather than all stopping at the signature check. Each operation's cases come from
Schemathesis' own strategy under Hypothesis here, since its pytest loader (``from_fixture``) fails
under pytest 9.2 (``'Function' object has no attribute '_nodeid'``). Run alone, longer:
``PMBRIDGE_FUZZ_EXAMPLES=40 .venv/bin/pytest -s tests/e2e/test_schemathesis.py``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
import tomli_w
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from pmbridge.demo import Supervisor
from pmbridge.signing import SigningKey, sign_request
from pmbridge.vocab import Hpo, locate_data_dir
from tests.node import records_node
from tests.trust import HUB_KEY, hub_key_file, node_key, trusted

pytestmark = [pytest.mark.e2e]

NODE = "eu-fuzz"
EXAMPLES = int(os.environ.get("PMBRIDGE_FUZZ_EXAMPLES", "4"))
"""Generated requests per operation: about 130 operations in all must finish in a few minutes on two
cores in CI; set PMBRIDGE_FUZZ_EXAMPLES to search longer."""
CHECKS = [not_a_server_error, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
"""Requests the document allows, then ones it does not: those must be a documented 4xx, not a 5xx."""
SKIPPED: dict[str, str] = {}
"""Operations left out, each with why (none is: no operation shuts anything down or needs a secret)."""


@dataclass(frozen=True, slots=True)
class Network:
    hub: str
    node: str
    logs: tuple[Path, ...]


class SignedAsHub(requests.auth.AuthBase):
    """Sign each request as the hub's fan-out does (RFC 9421 over method, target, body digest,
    audience and any passport), just before it is sent."""

    def __init__(self, key: SigningKey, *, audience: str) -> None:
        self.key = key
        self.audience = audience

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        signed = sign_request(
            method=str(request.method),
            target=str(request.path_url),
            body=body.encode("utf-8") if isinstance(body, str) else bytes(body),
            key=self.key,
            audience=self.audience,
            caller=dict(request.headers),
        )
        request.headers.update(signed)
        return request


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("schemathesis")
    records_node.build(root, Hpo.load(locate_data_dir()))
    node_toml = root / "node.toml"
    node_toml.write_text(tomli_w.dumps(trusted(records_node.CONFIG, root, node_id=NODE)), encoding="utf-8")
    with Supervisor(root / "run") as supervisor:
        node = supervisor.start(NODE, ["node", "serve", "--config", str(node_toml)]).url
        hub_toml = root / "hub.toml"
        hub_toml.write_text(tomli_w.dumps(hub_config(root, node)), encoding="utf-8")
        hub = supervisor.start("hub", ["hub", "serve", "--config", str(hub_toml)]).url
        yield Network(hub=hub, node=node, logs=tuple(s.log for s in supervisor.services.values()))
        assert supervisor.failed() == [], "a process under test exited"


def hub_config(root: Path, node_url: str) -> dict[str, object]:
    """A hub over the one node, signing with the session hub key that the node trusts."""
    return {
        "hub": {"id": "fuzz-hub", "private_key": str(hub_key_file(root)), "deadline_seconds": 10.0},
        "nodes": [
            {
                "id": NODE,
                "url": node_url,
                "jurisdiction": "EU",
                "country": "IT",
                "public_key": node_key(root, NODE).verifying_key.text,
            }
        ],
    }


def fuzz(url: str, *, session: requests.Session) -> tuple[Counter[str], list[str]]:
    """Every operation of the document at ``url``, :data:`EXAMPLES` generated requests each (the
    same ones each run): how many got each class of status (2xx, 4xx…), and each operation's
    failure (failed checks, or a request that could not be sent)."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    sent: Counter[str] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIPPED:
            continue
        for mode in MODES:

            @FEW
            @given(case=operation.as_strategy(mode))
            def call(case: schemathesis.Case) -> None:
                reply = case.call_and_validate(session=session, checks=CHECKS, timeout=30)
                sent[f"{reply.status_code // 100}xx"] += 1

            try:
                call()
            except Unsatisfiable:  # negative: nothing in the operation can be made invalid
                continue
            except (FailureGroup, Exception) as exc:  # failed checks, or a request that could not be sent
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return sent, failures


FEW = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # CI sees the same requests each run; a failure here is a failure there
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing request is reported
    suppress_health_check=list(HealthCheck),
)


def test_the_hub_gives_no_5xx_and_keeps_to_its_document(network: Network) -> None:
    with requests.Session() as session:
        sent, failures = fuzz(network.hub, session=session)
    print(f"hub: {sum(sent.values())} requests, {dict(sent)}")
    assert failures == [], "\n\n".join(failures)


def test_a_node_gives_no_5xx_and_keeps_to_its_document(network: Network) -> None:
    with requests.Session() as session:
        session.auth = SignedAsHub(HUB_KEY, audience=NODE)
        sent, failures = fuzz(network.node, session=session)
    print(f"node: {sum(sent.values())} requests, {dict(sent)}")
    assert failures == [], "\n\n".join(failures)


def test_neither_process_logged_an_error_meanwhile(network: Network) -> None:
    """A node's 5xx to the hub is an error outcome inside a 200, so it shows only in the node's log."""
    for log in network.logs:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in text and "request failed" not in text, f"{log}:\n{text[-4000:]}"
