"""``pmbridge analyse``: the spec it sends from its options, the table it prints with how every number
was released and which nodes took part, JSON as the hub sent it, and a refusal with its rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.errors import DisclosureRefused, QueryError
from tests.client.analysis_replies import COX, CROSSTAB, GLM, KM, REFUSAL, SUMMARY

runner = CliRunner()


def analyse(*args: str) -> Any:
    return runner.invoke(app, ["analyse", *args], env={"COLUMNS": "200"})


def answering(monkeypatch: pytest.MonkeyPatch, doc: object, *, status: int = 200) -> list[Any]:
    sent: list[Any] = []

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        sent.append((request.url.path, request.headers.get("authorization"), json.loads(request.content)))
        return httpx.Response(status, json=doc, request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    return sent


def test_a_logistic_model_is_asked_and_printed_with_its_marks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sent = answering(monkeypatch, GLM)
    (tmp_path / "passport").write_text("eyJ.pass.port\n")
    result = analyse(
        "glm",
        "--url",
        "http://hub",
        "--passport",
        f"@{tmp_path / 'passport'}",
        "--filter",
        "HP:0001250",
        "--var",
        "seizures=phenotype:HP:0001250",
        "--formula",
        "seizures ~ male + age",
        "--family",
        "binomial",
    )
    assert result.exit_code == 0, result.output
    path, auth, body = sent[0]
    assert (path, auth) == ("/api/analyses", "Bearer eyJ.pass.port")
    assert body == {
        "analysis": "glm",
        "cohort": {"filters": [{"id": "HP:0001250"}]},
        "variables": {"seizures": {"phenotype": "HP:0001250"}},
        "formula": "seizures ~ male + age",
        "family": "binomial",
    }
    out = result.output
    assert "glm: n = 1200, released exact" in out
    assert "0.3100" in out and "P>|z|" in out and "<0.001" in out
    assert "node eu-down down: ConnectError" in out
    assert "nodes in the result: eu-south, eu-north, cn" in out


@pytest.mark.parametrize(
    ("doc", "args", "shown"),
    [
        (COX, ["cox", "--formula", "~ male + fbn1", "--strata", "node", "--ties", "efron"], "Hazard ratios"),
        (KM, ["km", "--group", "male", "--bin-days", "7"], "log-rank: chi2 12.50"),
        (SUMMARY, ["summary", "--variable", "age"], "quantile 0.5 (approximate)"),
        (CROSSTAB, ["crosstab", "--rows", "male", "--columns", "seizures"], "Yates"),
    ],
    ids=["cox", "km", "summary", "crosstab"],
)
def test_every_kind_prints_its_table_and_how_it_was_released(
    monkeypatch: pytest.MonkeyPatch, doc: dict[str, Any], args: list[str], shown: str
) -> None:
    answering(monkeypatch, doc)
    result = analyse(*args, "--url", "http://hub")
    assert result.exit_code == 0, result.output
    assert shown in result.output
    assert f"released {doc['released']['how']}: {doc['released']['note']}" in result.output


def test_json_prints_the_hubs_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, KM)
    result = analyse("km", "--url", "http://hub", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["logrank"] == KM["logrank"]


def test_a_refusal_exits_with_the_rule_and_what_to_change(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, REFUSAL, status=403)
    result = analyse("glm", "--url", "http://hub", "--formula", "y ~ a")
    assert result.exit_code == 1
    assert isinstance(result.exception, DisclosureRefused) and result.exception.rule == "saturated_model"
    assert "drop terms" in result.exception.hint


def test_a_bad_variable_stops_before_anything_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = answering(monkeypatch, GLM)
    result = analyse("glm", "--url", "http://hub", "--formula", "y ~ a", "--var", "y=FBN1")
    assert isinstance(result.exception, QueryError) and sent == []
