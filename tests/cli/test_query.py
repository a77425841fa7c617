"""``pmbridge query``: labels in either language resolve or stop the command, and counts print with
the portal's marks (never a bare 0 for a held-back number), refusals with their rule and fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.cli._query import build_query, describe, refusal_error, resolve_terms
from pmbridge.client import BeaconAnswer
from pmbridge.errors import PolicyRefused, QueryError, UnknownTerm, UpstreamError, error_from_wire
from tests.portal.network import ARACHNODACTYLY, SEIZURE

runner = CliRunner()


def query(*args: str) -> Any:
    return runner.invoke(app, ["query", *args], env={"COLUMNS": "240"})


def answering(monkeypatch: pytest.MonkeyPatch, doc: object, *, status: int = 200) -> list[Any]:
    """Make the command's request (through HubClient's transport) get ``doc``; returns the bodies
    it sent, and keeps each request's headers in ``HEADERS``."""
    sent: list[Any] = []
    HEADERS.clear()

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        HEADERS.append(request.headers)
        return httpx.Response(status, json=doc, request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    return sent


HEADERS: list[httpx.Headers] = []


def test_ids_and_labels_in_english_and_chinese_resolve_to_current_ids() -> None:
    typed = ["Seizure", "癫痫发作", "HP:0001250", "omim:154700", "细长指(趾)"]
    assert resolve_terms(typed) == [SEIZURE, "OMIM:154700", "HP:0001166"]


@pytest.mark.parametrize("typed", ["癫痫发作作", "seizzure", "HP:9999999", "gene:FBN1"])
def test_a_term_that_cannot_be_resolved_stops_the_command(
    monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    sent = answering(monkeypatch, {})
    result = query(typed)
    assert result.exit_code == 1 and sent == []  # nothing asked: the network is never counted unfiltered
    error = result.exception
    assert isinstance(error, UnknownTerm) and error.term == typed
    assert "pmbridge vocab search" in error.hint


def test_a_chinese_label_without_chinese_labels_says_where_they_come_from(
    shared_data: Path, tmp_path: Path
) -> None:
    (tmp_path / "hpo").symlink_to(shared_data / "hpo")  # the release, but no hpo-zh/
    with pytest.raises(UnknownTerm) as raised:
        resolve_terms(["癫痫发作"], data_dir=tmp_path)
    assert "hpo-zh/hpo_zh.tsv" in raised.value.hint and "pmbridge vocab fetch" in raised.value.hint
    assert resolve_terms(["Seizure"], data_dir=tmp_path) == [SEIZURE]


@pytest.mark.anyio
async def test_counts_print_the_portals_marks_and_refusals_their_fix(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = build_query([], gene="FBN1", sex="female", min_age=None, max_age=None)
    doc = (await portal.post("/api/individuals", json=body)).json()
    sent = answering(monkeypatch, doc)
    result = query("--gene", "FBN1", "--sex", "female")
    assert result.exit_code == 0, result.output
    assert sent == [body]
    out = result.output
    assert "│ <11 " in out and "Fewer than 11 people" in out
    assert "total: <11" in out and "total: 0" not in out
    assert "│ 0 " not in out
    assert "node cn-shanghai refused (X4): Remove the gene filter to include cn-shanghai" in out
    assert "node eu-down did not answer (down)" in out
    assert "warning" not in out  # the hub understood the whole request, every result set included


def shown(doc: dict[str, Any]) -> list[Any]:
    """What the command prints for the hub's reply ``doc``."""
    return describe(BeaconAnswer.model_validate(doc))


def rs(node: str, count: dict[str, object]) -> dict[str, object]:
    return {"id": f"{node}-rd", "resultsCount": 0, "info": {"node": node, "count": count}}


def test_a_total_of_held_back_parts_is_a_bound_and_a_partial_total_says_so() -> None:
    fewer = {"value": None, "how": "suppressed", "threshold": 11, "rule": "min_count", "reason": ""}
    noised = {"value": 120, "how": "noised", "threshold": 11, "epsilon": 1.0, "rule": None, "reason": ""}
    meta = {"meta": {"returnedGranularity": "count"}, "responseSummary": {"numTotalResults": 0}}
    both = shown({**meta, "response": {"resultSets": [rs("eu-rome", fewer), rs("eu-berlin", fewer)]}})
    assert "total: <21  (granularity: count)" in both  # two counts each below 11
    partial = shown({**meta, "response": {"resultSets": [rs("eu-rome", noised), rs("eu-berlin", fewer)]}})
    assert "total: ≥120 (+ <11)  (granularity: count)" in partial
    info = {"missingNodes": ["cn-shanghai"], "nodes": [{"node": "cn-shanghai", "status": "timeout"}]}
    late = shown({**meta, "response": {"resultSets": [rs("eu-rome", noised)]}, "info": info})
    assert "total: ≈120, without cn-shanghai (below)  (granularity: count)" in late
    assert any("node cn-shanghai did not answer (timed out)" in str(line) for line in late)


def test_a_refusal_everywhere_exits_with_the_rule_and_what_to_change(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = PolicyRefused(
        "X4", "every node refused (cn-shanghai: refused by rule X4: genetic-derived output …)"
    )
    answering(monkeypatch, {"error": refused.to_wire()}, status=403)
    result = query("--gene", "FBN1")
    assert result.exit_code == 1
    error = result.exception
    assert isinstance(error, PolicyRefused) and error.rule == "X4"  # read from the code, not the prose
    assert "Remove the gene filter to include cn-shanghai" in error.message
    assert error.hint.startswith(refused.message)


def test_the_passport_and_purpose_travel_with_the_query(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    doc = {"meta": {"returnedGranularity": "count"}, "response": {"resultSets": []}}
    answering(monkeypatch, doc)
    assert query("--passport", "eyJ.a.b", "--purpose", "public_health").exit_code == 0
    assert HEADERS[0]["authorization"] == "Bearer eyJ.a.b"
    assert HEADERS[0]["pmbridge-purpose"] == "public_health"
    saved = tmp_path / "passport.jwt"
    saved.write_text("eyJ.from.file\n")
    assert query("--passport", f"@{saved}").exit_code == 0
    assert HEADERS[-1]["authorization"] == "Bearer eyJ.from.file" and "pmbridge-purpose" not in HEADERS[-1]
    missing = query("--passport", f"@{tmp_path / 'nope'}")
    assert missing.exit_code == 1 and "cannot read the passport file" in str(missing.exception)


def test_a_reply_of_another_shape_is_an_upstream_error(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, {"meta": {"returnedGranularity": "lots"}})
    result = query()
    assert result.exit_code == 1 and isinstance(result.exception, UpstreamError)
    assert "meta.returnedGranularity" in result.exception.message


def boolean(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` asking for yes/no, as a hub answers a caller whose datasets release only that."""
    return {**body, "query": {**body["query"], "requestedGranularity": "boolean"}}


@pytest.mark.anyio
async def test_a_yes_no_answer_prints_yes_or_no_per_node_and_dataset(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = build_query([ARACHNODACTYLY], gene=None, sex=None, min_age=None, max_age=None)
    doc = (await portal.post("/api/individuals", json=boolean(body))).json()
    assert "response" not in doc  # a beaconBooleanResponse: the yes/no per dataset is in info
    answering(monkeypatch, doc)
    result = query(ARACHNODACTYLY)
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"│ eu-rome\s+│ rome-rd\s+│ yes\s+│", out)
    assert re.search(r"│ cn-shanghai\s+│ shanghai-rd\s+│ no\s+│", out)  # a "no" is shown, not left out
    assert "exists: yes  (granularity: boolean" in out and "total:" not in out
    assert "node eu-down did not answer (down): ConnectError" in out
    assert "warning" not in out  # the hub understood the whole request


@pytest.mark.anyio
async def test_a_yes_no_answer_names_a_refusal_as_a_refusal(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = build_query([], gene="FBN1", sex=None, min_age=None, max_age=None)
    doc = (await portal.post("/api/individuals", json=boolean(body))).json()
    answering(monkeypatch, doc)
    out = query("--gene", "FBN1").output
    assert re.search(r"│ eu-rome\s+│ rome-rd\s+│ yes\s+│", out) and "shanghai-rd" not in out
    assert "node cn-shanghai refused (X4): Remove the gene filter to include cn-shanghai" in out
    assert "cn-shanghai did not answer" not in out
    assert "node eu-down did not answer (down)" in out


def test_each_node_outcome_is_named_as_itself() -> None:
    nodes = [
        {"node": "a", "status": "ok"},
        {"node": "b", "status": "refused", "detail": "forbidden by the proxy"},
        {"node": "c", "status": "refused", "rule": "budget", "detail": "refused by the budget rule: spent"},
        {"node": "d", "status": "timeout", "detail": "no reply within 5 s"},
        {"node": "e", "status": "error", "detail": "boom"},
    ]
    doc = {"meta": {"returnedGranularity": "boolean"}, "responseSummary": {"exists": False}}
    lines = [line for line in shown({**doc, "info": {"nodes": nodes}}) if isinstance(line, str)]
    assert lines[1:] == [
        "[yellow]node b refused: forbidden by the proxy[/]",
        "[yellow]node c refused (budget): Your yearly privacy budget for c is spent: repeat earlier "
        "questions (free) or ask the data steward.[/]",
        "[yellow]node d did not answer (timed out): no reply within 5 s[/]",
        "[yellow]node e did not answer (failed): boom[/]",
    ]
    assert lines[0] == "exists: no  (granularity: boolean: no node's number is shown)"


def test_a_network_that_gave_no_answer_is_not_blamed_on_the_request() -> None:
    said = {"errorCode": 502, "errorMessage": "no node answered, so there is no answer (eu: timeout)"}
    error = refusal_error(error_from_wire(said, status=502, fallback=""))
    assert isinstance(error, UpstreamError)
    assert "no node answered" in error.message and "try again later" in error.hint
    bad = refusal_error(error_from_wire({**said, "errorCode": 400}, status=400, fallback=""))
    assert isinstance(bad, QueryError) and "fix the request" in bad.hint


def test_json_prints_the_hubs_reply_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {"meta": {"returnedGranularity": "count", "beaconId": "hub"}, "extra": {"kept": True}}
    answering(monkeypatch, doc)
    result = query("--json")
    assert result.exit_code == 0 and json.loads(result.output) == doc
