"""The analysis page: the form reads into the hub's spec (problems collected, never raised), results
render through the real templates in both languages (Kaplan–Meier chart with numbers at risk, forest
plot, tables, every number with how it was released), and a refusal is the page's problem line."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from pmbridge.client import AnalysisResult, AsyncHubClient
from pmbridge.errors import DisclosureRefused, PolicyRefused
from pmbridge.portal import TermIndex
from pmbridge.portal._analyse import read_analysis
from pmbridge.portal._analyse_charts import forest_plot, survival_chart
from pmbridge.portal._analyse_view import analysis_view
from tests.client.analysis_replies import COX, CROSSTAB, GLM, KM, SUMMARY

INDEX = TermIndex([("HP:0001250", "Seizure", "癫痫发作")])


def form(**given: str | list[str]) -> Any:
    pairs = [(k, v) for k, vs in given.items() for v in (vs if isinstance(vs, list) else [vs])]
    return read_analysis(pairs, index=INDEX)


def test_the_form_reads_into_the_hubs_spec() -> None:
    asked = form(
        analysis="cox",
        hpo="seizure",
        gene="fbn1",
        formula="~ male + fbn1",
        strata="node",
        bin_days="14",
        vname=["fbn1", ""],
        vsource=["gene", "phenotype"],
        vcode=["FBN1", ""],
        run="1",
    )
    assert asked.ready, asked.problems
    assert asked.spec() == {
        "analysis": "cox",
        "cohort": {"filters": [{"id": "HP:0001250"}, {"id": "geneId", "operator": "=", "value": "FBN1"}]},
        "variables": {"fbn1": {"gene": "FBN1"}},
        "formula": "~ male + fbn1",
        "ties": "efron",
        "strata": "node",
        "bin_days": 14,
    }
    again = form(**dict(_pairs(asked.query_string())))
    assert again.spec() == asked.spec()


def _pairs(query: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qsl

    found: dict[str, list[str]] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        found.setdefault(k, []).append(v)
    return found


def test_every_problem_is_collected_at_once() -> None:
    asked = form(analysis="crosstab", bin_days="0", vname="9x", vsource="gene", vcode="FBN1", run="1")
    assert not asked.ready
    assert {p.field for p in asked.problems} == {"bin_days", "variables", "rows", "columns"}
    assert form(analysis="anova").problems[0].field == "analysis"
    assert form(formula="y ~ a; drop table").problems[0].field == "formula"


def test_the_charts_are_drawn_from_the_released_numbers() -> None:
    km = AnalysisResult.model_validate(KM)
    chart = survival_chart(km.groups, labels=["male = 0", "male = 1"])
    assert [t.label for t in chart.x_ticks] == ["0", "14", "28", "42", "56"]
    assert chart.curves[0].at_risk == (400, 380, 350, 300, 300)
    assert chart.curves[1].at_risk[-1] == 280
    assert all(p.startswith("M") for p in (c.path for c in chart.curves))
    cox = forest_plot(AnalysisResult.model_validate(COX).coefficients, hazard_ratios=True)
    assert cox.log and [r.term for r in cox.rows] == ["male", "fbn1"]
    one = next(t.at for t in cox.ticks if t.label == "1")
    assert (
        cox.reference == one and cox.rows[1].point is not None and cox.rows[1].point < one < cox.rows[0].point
    )
    glm = forest_plot(AnalysisResult.model_validate(GLM).coefficients, hazard_ratios=False)
    assert [r.term for r in glm.rows] == ["male", "age"]  # the intercept is on another scale


pytestmark = pytest.mark.anyio


async def ask(portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, doc: object, **params: str) -> str:
    sent: list[dict[str, object]] = []

    async def analyse(
        self: AsyncHubClient, spec: dict[str, object] | None = None, **_: object
    ) -> AnalysisResult:
        sent.append(dict(spec or {}))
        if isinstance(doc, Exception):
            raise doc
        return AnalysisResult.model_validate(doc)

    monkeypatch.setattr(AsyncHubClient, "analyse", analyse)
    reply = await portal.get("/analyse", params={"run": "1", **params})
    assert reply.status_code == 200, reply.text[:2000]
    return reply.text


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_form_shows_in_both_languages(portal: httpx.AsyncClient, lang: str) -> None:
    reply = await portal.get("/analyse", params={"lang": lang})
    assert reply.status_code == 200
    heading = re.search(r"<h1>(.*?)</h1>", reply.text, re.S)
    assert heading is not None and heading.group(1).strip() == ("Analyse" if lang == "en" else "分析")
    assert 'href="/analyse" aria-current="page"' in reply.text
    assert 'name="vname"' in reply.text and 'name="formula"' in reply.text


async def test_a_cox_model_shows_hazard_ratios_and_a_forest_plot(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = await ask(portal, monkeypatch, COX, analysis="cox", formula="~ male + fbn1", lang="zh")
    assert 'data-chart="forest"' in html and "data-reference" in html
    assert 'data-release="binned"' in html
    row = html[html.index('<tr data-term="fbn1">') :]
    row = row[: row.index("</tr>")]
    assert "0.6065" in row and row.count('data-how="binned"') == 7 and row.count("ᵇ") == 7
    assert "eu-down" in html or "data-silent" in html


async def test_km_curves_have_bands_and_numbers_at_risk(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = await ask(portal, monkeypatch, KM, analysis="km", group="male")
    assert 'data-chart="km"' in html and html.count("<polygon") == 2 and html.count('class="km-curve"') == 2
    assert "male = 0" in html and "data-at-risk>400<" in html and "data-logrank" in html


@pytest.mark.parametrize(
    ("doc", "params", "where"),
    [
        (GLM, {"analysis": "glm", "formula": "seizures ~ male + age"}, 'data-table="coefficients"'),
        (SUMMARY, {"analysis": "summary", "variable": "age"}, 'data-table="summary"'),
        (CROSSTAB, {"analysis": "crosstab", "rows": "male", "columns": "seizures"}, 'data-table="crosstab"'),
    ],
    ids=["glm", "summary", "crosstab"],
)
async def test_every_number_carries_how_it_was_released(
    portal: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    doc: dict[str, Any],
    params: dict[str, str],
    where: str,
) -> None:
    html = await ask(portal, monkeypatch, doc, **params)
    table = html[html.index(where) : html.index("</table>", html.index(where))]
    numbers = re.findall(r"<td class=\"num\">(.*?)</td>", table, re.S)
    assert numbers and all('data-how="exact"' in n for n in numbers)
    assert 'data-release="exact"' in html


@pytest.mark.parametrize(
    ("error", "rule"),
    [
        (DisclosureRefused("saturated_model", "too many terms", hint="drop terms"), "saturated_model"),
        (PolicyRefused("X4", "genetic counts stay home"), "X4"),
    ],
)
async def test_a_refusal_is_the_pages_problem_line(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, error: Exception, rule: str
) -> None:
    html = await ask(portal, monkeypatch, error, analysis="glm", formula="y ~ a", lang="zh")
    assert f'data-rule="{rule}"' in html and 'role="alert"' in html
    assert "data-analysis" not in html


async def test_a_form_with_problems_is_not_asked(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never(*_: object, **__: object) -> None:
        raise AssertionError("asked")

    monkeypatch.setattr(AsyncHubClient, "analyse", never)
    reply = await portal.get("/analyse", params={"analysis": "glm", "run": "1"})
    assert reply.status_code == 400 and 'id="formula-error"' in reply.text


def test_the_view_of_a_summary_names_its_statistics() -> None:
    view = analysis_view(AnalysisResult.model_validate(SUMMARY), group_label=str)
    assert [r.label for r in view.statistics][:3] == ["mean", "variance", "standard deviation"]
    assert view.statistics[0].values == ("41.200",)
