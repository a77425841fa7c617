"""The client's federated analyses: the spec it sends, the result it decodes (every kind), its tidy
tables and its statsmodels-shaped summary, and a refusal raised with its rule."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pmbridge.client import AnalysisResult, AsyncHubClient, HubClient, analysis_body, parse_variable
from pmbridge.errors import DisclosureRefused, QueryError
from tests.client.analysis_replies import COX, CROSSTAB, GLM, KM, REFUSAL, SUMMARY


def hub_answering(doc: dict[str, Any], *, status: int = 200) -> tuple[httpx.MockTransport, list[Any]]:
    sent: list[Any] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append((request.url.path, request.headers.get("authorization"), json.loads(request.content)))
        return httpx.Response(status, json=doc)

    return httpx.MockTransport(answer), sent


def test_the_spec_is_sent_with_the_passport_and_decoded() -> None:
    transport, sent = hub_answering(GLM)
    with HubClient("http://hub", passport="eyJ.a.b", transport=transport) as hub:
        result = hub.analyse(
            analysis="glm",
            cohort=["HP:0001250"],
            variables={"seizures": "phenotype:HP:0001250", "fbn1": {"gene": "FBN1"}},
            formula="seizures ~ male + age",
            family="binomial",
        )
    path, auth, body = sent[0]
    assert (path, auth) == ("/api/analyses", "Bearer eyJ.a.b")
    assert body == {
        "analysis": "glm",
        "cohort": {"filters": [{"id": "HP:0001250"}]},
        "variables": {"seizures": {"phenotype": "HP:0001250"}, "fbn1": {"gene": "FBN1"}},
        "formula": "seizures ~ male + age",
        "family": "binomial",
    }
    assert result.how == "exact" and result.answered == ["eu-south", "eu-north", "cn"]
    assert [c.term for c in result.coefficients] == ["Intercept", "male", "age"]


def test_a_dict_spec_and_options_combine() -> None:
    body = analysis_body({"analysis": "km", "cohort": {"filters": [{"id": "HP:0001250"}]}}, group="male")
    assert body == {"analysis": "km", "cohort": {"filters": [{"id": "HP:0001250"}]}, "group": "male"}


def test_missing_options_are_named_at_once() -> None:
    with pytest.raises(QueryError, match="needs rows and columns"):
        analysis_body(analysis="crosstab")
    with pytest.raises(QueryError, match="unknown analysis 'anova'"):
        analysis_body(analysis="anova")
    with pytest.raises(QueryError, match="name=source:code"):
        parse_variable("fbn1=FBN1")


@pytest.mark.anyio
async def test_the_async_client_sends_the_same() -> None:
    transport, sent = hub_answering(COX)

    async def handler(request: httpx.Request) -> httpx.Response:
        return transport.handle_request(request)

    async with AsyncHubClient("http://hub", transport=httpx.MockTransport(handler)) as hub:
        result = await hub.analyse({"analysis": "cox", "formula": "~ male + fbn1"}, ties="efron")
    assert sent[0][2]["ties"] == "efron"
    assert result.coefficients[1].hazard_ratio == pytest.approx(0.6065)


def test_a_refusal_is_raised_with_its_rule() -> None:
    transport, _ = hub_answering(REFUSAL, status=403)
    with HubClient("http://hub", transport=transport) as hub, pytest.raises(DisclosureRefused) as caught:
        hub.analyse(analysis="glm", formula="y ~ a")
    assert caught.value.rule == "saturated_model"
    assert "drop terms" in caught.value.hint


@pytest.mark.parametrize("doc", [GLM, COX, KM, SUMMARY, CROSSTAB], ids=lambda d: d["analysis"])
def test_every_kind_decodes_into_a_tidy_table_and_a_summary(doc: dict[str, Any]) -> None:
    result = AnalysisResult.model_validate(doc)
    table = result.to_arrow()
    assert table.num_rows == len(result.table()) > 0
    assert set(table.column("how").to_pylist()) == {doc["released"]["how"]}
    text = result.summary()
    assert "Released:" in text and doc["released"]["note"] in text
    assert "3 of 4: eu-south, eu-north, cn" in text and "eu-down down" in text


def test_the_summary_is_shaped_like_statsmodels() -> None:
    text = AnalysisResult.model_validate(GLM).summary()
    header = next(line for line in text.splitlines() if "std err" in line)
    assert header.split() == ["coef", "std", "err", "z", "P>|z|", "[0.025", "0.975]"]
    male = next(line for line in text.splitlines() if line.startswith("male"))
    assert male.split() == ["male", "0.3100", "0.1200", "2.5800", "0.010", "0.0750", "0.5450"]
    cox = AnalysisResult.model_validate(COX).summary()
    assert "exp(coef)" in cox and "1.2214" in cox and "Ties:" in cox and "strata by node" in cox


def test_curves_are_long_and_the_crosstab_keeps_its_cells() -> None:
    km = AnalysisResult.model_validate(KM)
    rows = km.table()
    assert len(rows) == 7 and rows[0] == {
        "group": "0",
        "time": 7,
        "survival": 0.95,
        "ci_low": 0.92,
        "ci_high": 0.97,
        "at_risk": 400,
        "events": 20,
        "how": "binned",
    }
    assert km.logrank is not None and km.logrank.df == 1
    crosstab = AnalysisResult.model_validate(CROSSTAB)
    assert crosstab.cells == [[400, 200], [350, 250]]
    assert [r["count"] for r in crosstab.table()] == [400, 200, 350, 250]
