"""``pmbridge access`` against a real hub (two real in-process nodes, Rome with a steward), served to
the CLI's blocking client from a thread: write and submit a request with its pre-check table, follow
it, discuss it, decide it as the steward, and see the grant; refusals exit 1 with their class."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.client import HubClient
from pmbridge.errors import AccessRequestError, NotAParty, TransitionRefused
from pmbridge.node import NodeContext
from tests.client.access_network import STEWARD, HubThread

runner = CliRunner()
UNTIL = date.today() + timedelta(days=200)


@pytest.fixture(scope="module")
def hub(contexts: dict[str, NodeContext], network_root: Path) -> Iterator[HubThread]:
    served = HubThread(contexts, network_root)
    yield served
    served.stop()


@pytest.fixture(autouse=True)
def over_the_thread(hub: HubThread, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", lambda _, request: hub.handle_request(request))


@pytest.fixture(scope="module")
def passports(hub: HubThread) -> dict[str, str]:
    """Each user's passport, signed once (the hub limits sign-ins; ``--user`` is tried once below)."""
    found = {}
    for user in ("eu-researcher", "cn-researcher", STEWARD):
        with HubClient("http://hub", transport=hub) as client:
            found[user] = client.sign_in(user).passport or ""
    return found


@pytest.fixture(autouse=True)
def signed(passports: dict[str, str]) -> None:
    PASSPORTS.update(passports)


PASSPORTS: dict[str, str] = {}


def access(*args: str, user: str = "eu-researcher") -> Any:
    who = ["--passport", PASSPORTS[user]]
    return runner.invoke(app, ["access", *args, "--url", "http://hub", *who], env={"COLUMNS": "250"})


def request(*more: str) -> Any:
    return access(
        "request",
        "--title",
        "Seizures in Rome and Shanghai",
        "--abstract",
        "Phenotype frequencies.",
        "--name",
        "Giulia Rossi",
        "--email",
        "giulia.rossi@uni-roma.example",
        "--use",
        "HMB",
        "--until",
        UNTIL.isoformat(),
        "--granularity",
        "record",
        "--dataset",
        "eu-rome:rome-rd",
        "--dataset",
        "cn-shanghai:shanghai-rd",
        *more,
    )


def ids(prefix: str, text: str) -> list[str]:
    return list(dict.fromkeys(re.findall(rf"\b{prefix}-[0-9a-f]+\b", text)))


def test_a_request_prints_each_datasets_precheck_and_waits_to_be_submitted() -> None:
    result = request()
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Pre-check of ar-" in out and "eu-rome/rome-rd" in out and "cn-shanghai/shanghai-rd" in out
    assert "APPROVE" in out and "record → record" in out and "record → not sent" in out
    assert "X1 refused, instead count" in out and "duo/releases/" in out and "Mondo" in out
    (request_id,) = ids("ar", out)
    assert f"{request_id}: draft" in out and f"pmbridge access submit {request_id}" in out
    submitted = access("submit", request_id)
    assert submitted.exit_code == 0, submitted.output
    assert (
        "eu-rome/rome-rd submitted" in submitted.output
        and "cn-shanghai/shanghai-rd not_sent" in submitted.output
    )


def test_a_demo_user_signs_in_with_user() -> None:
    args = ["access", "list", "--url", "http://hub", "--user", "cn-researcher"]
    result = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Your access requests" in result.output


def test_the_whole_negotiation_from_the_command_line(tmp_path: Path) -> None:
    made = request("--submit")
    assert made.exit_code == 0, made.output
    (request_id,) = ids("ar", made.output)
    shown = access("show", request_id)
    assert shown.exit_code == 0, shown.output
    rome = next(r for r in ids("rs", shown.output) if re.search(rf"{r}\s+│ eu-rome", shown.output))
    assert "withdraw" in shown.output and "History" in shown.output

    assert access("inbox", "--read-all", user=STEWARD).exit_code == 0
    posted = access("message", rome, "Ethics approval CE-2026-114 follows.")
    assert posted.exit_code == 0 and f"to {rome}" in posted.output
    inbox = access("inbox", user=STEWARD)
    assert "Inbox (1 unread)" in inbox.output and "New message" in inbox.output

    ethics = tmp_path / "ethics.txt"
    ethics.write_text("CE-2026-114")
    attached = access("attach", rome, str(ethics))
    assert attached.exit_code == 0, attached.output
    assert "ethics.txt (11 bytes" in attached.output and "at node eu-rome" in attached.output

    listed = access("list", "--steward", user=STEWARD)
    assert "nodes you steward (eu-rome)" in listed.output and request_id in listed.output
    until = (UNTIL - timedelta(days=10)).isoformat()
    decided = access("decide", rome, "approve", "--until", until, user=STEWARD)
    assert decided.exit_code == 0, decided.output
    assert "eu-rome/rome-rd approved" in decided.output
    grants = access("grants")
    assert "rome-rd" in grants.output and "active" in grants.output and until in grants.output
    again = access("show", request_id)
    assert "Ethics approval CE-2026-114 follows." in again.output and "ethics.txt" in again.output


def test_an_illegal_step_a_strangers_step_and_a_bad_draft_exit_1_with_their_class(tmp_path: Path) -> None:
    (request_id,) = ids("ar", request("--submit").output)
    again = access("submit", request_id)
    assert again.exit_code == 1 and isinstance(again.exception, TransitionRefused)
    stranger = access("abandon", request_id, user="cn-researcher")
    assert stranger.exit_code == 1 and isinstance(stranger.exception, NotAParty)
    bad = request("--dataset", "rome-rd")
    assert bad.exit_code == 1 and isinstance(bad.exception, AccessRequestError)
    assert "node:dataset" in bad.exception.message
    late = access(
        "request", "--title", "t", "--name", "n", "--email", "n@x.example", "--use", "HMB",
        "--until", "2000-01-01", "--dataset", "eu-rome:rome-rd",
    )  # fmt: skip
    assert late.exit_code == 1 and isinstance(late.exception, AccessRequestError)
    assert "until 2000-01-01 is not after today" in late.exception.message
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    refused = access("attach", "rs-0", str(exe))
    assert isinstance(refused.exception, AccessRequestError) and ".pdf" in refused.exception.message
