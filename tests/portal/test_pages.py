"""Every portal page over real in-process nodes, in English and Chinese, with JavaScript's help or without."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from pmbridge.client import Aggregates, AsyncHubClient, Call, aggregates_body
from pmbridge.client._core import read_reply
from pmbridge.portal import _routes_explore as routes_explore
from pmbridge.portal import _sources as sources
from pmbridge.portal._cost import CostEstimate, DatasetCost
from pmbridge.portal._i18n import LANG_COOKIE
from pmbridge.portal._refusals import refusal_of_rule
from tests.portal.network import ARACHNODACTYLY, SEIZURE
from tests.portal.test_parts import seizures

pytestmark = pytest.mark.anyio

PAGES = {
    "/": ("Network", "网络"),
    "/network": ("Network", "网络"),
    "/explore": ("Cohort explorer", "队列探索"),
    "/datasets": ("Datasets", "数据集"),
}


def h1(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found is not None, html[:500]
    return found.group(1).strip()


def hows(html: str, where: str) -> list[str]:
    """The ``data-how`` marks of the counts inside the element that has ``where`` as an attribute."""
    start = html.index(where)
    return re.findall(r'class="count[^"]*" data-how="(\w+)"', html[start : html.index("</tr>", start)])


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize(("lang", "index", "tag"), [("en", 0, "en"), ("zh", 1, "zh-Hans")])
async def test_every_page_answers_in_both_languages(
    portal: httpx.AsyncClient, path: str, lang: str, index: int, tag: str
) -> None:
    reply = await portal.get(path, params={"lang": lang})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/html")
    assert f'<html lang="{tag}">' in reply.text
    assert h1(reply.text) == PAGES[path][index]
    nav = ("Cohort explorer", "Datasets") if lang == "en" else ("队列探索", "数据集")
    assert all(f">{label}</a>" in reply.text for label in nav)
    assert 'href="#main"' in reply.text  # the skip link


async def test_the_language_is_remembered_in_a_cookie(portal: httpx.AsyncClient) -> None:
    switched = await portal.get("/datasets", params={"lang": "zh"})
    assert switched.cookies.get(LANG_COOKIE) == "zh"
    again = await portal.get("/network")  # the client sends the cookie back
    assert h1(again.text) == "网络"
    assert 'href="/network?lang=en"' in again.text  # the switch back to English
    portal.cookies.clear()
    assert h1((await portal.get("/network", headers={"accept-language": "zh-CN,zh;q=0.9"})).text) == "网络"
    assert h1((await portal.get("/network", headers={"accept-language": "fr-FR,en;q=0.5"})).text) == "Network"


async def test_the_network_page_shows_each_node_its_health_and_released_counts(
    portal: httpx.AsyncClient,
) -> None:
    english = (await portal.get("/network", params={"lang": "en"})).text
    assert re.findall(r'data-node="([\w-]+)"', english) == ["eu-rome", "cn-shanghai", "eu-down"]
    assert re.findall(r'data-health="(\w+)"', english) == ["up", "up", "down"]
    for words in ("European Union", "China (mainland)", "Italy", "Germany", "rome-rd", "shanghai-rd"):
        assert words in english
    assert "connection refused" in english  # why the down node is down
    assert re.search(
        r'data-node-total><span class="count[^"]*" data-how="(exact|noised|rounded)"[^>]*>[≈~]?\d', english
    )
    assert 'data-chart="nodes"' in english and 'role="img"' in english
    chinese = (await portal.get("/network", params={"lang": "zh"})).text
    for words in ("欧盟", "中国（大陆）", "意大利", "德国", "在线", "离线", "如何理解这些数字"):
        assert words in chinese


async def test_the_explorer_shows_nothing_until_asked(portal: httpx.AsyncClient) -> None:
    page = (await portal.get("/explore", params={"hpo": SEIZURE})).text
    assert 'data-term="HP:0001250"' in page  # the chosen phenotype, as a chip
    assert 'id="results-title"' not in page


@pytest.mark.parametrize("typed", ["Seizure", "seizure", "癫痫发作", "HP:0001250", "HP:0001250 — 癫痫发作"])
async def test_a_typed_phenotype_is_resolved_without_javascript(
    portal: httpx.AsyncClient, typed: str
) -> None:
    page = (await portal.get("/explore", params={"hpo": typed, "run": "1", "lang": "zh"})).text
    assert re.findall(r'<li class="chip" data-term="([^"]+)"', page) == [SEIZURE]
    assert "癫痫发作" in page
    share = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', page)
    assert share is not None
    assert parse_qsl(urlsplit(share.group(1).replace("&amp;", "&")).query) == [("hpo", SEIZURE), ("run", "1")]


async def test_an_ambiguous_phenotype_offers_choices_that_are_links(portal: httpx.AsyncClient) -> None:
    page = (await portal.get("/explore", params={"hpo": "heart", "sex": "male"})).text
    assert "matches several terms" in page
    choices = re.findall(r'<a href="/explore\?([^"]+)" data-choice="(HP:\d{7})"', page)
    assert len(choices) > 1
    query, term = choices[0]
    chosen = (await portal.get("/explore?" + query.replace("&amp;", "&"))).text
    assert re.findall(r'<li class="chip" data-term="([^"]+)"', chosen) == [term]
    assert "matches several terms" not in chosen and '<option value="male" selected>' in chosen
    unknown = (await portal.get("/explore", params={"hpo": "zzzzqq", "run": "1", "lang": "zh"})).text
    assert "没有与“zzzzqq”匹配的 HPO 术语" in unknown


async def test_fields_that_need_fixing_say_so_next_to_the_field(portal: httpx.AsyncClient) -> None:
    reply = await portal.get(
        "/explore", params={"age_min": "old", "age_max": "20", "disease": "marfan", "run": "1"}
    )
    assert reply.status_code == 400
    assert 'id="age_min-error"' in reply.text and "whole years" in reply.text
    assert 'id="disease-error"' in reply.text and 'aria-invalid="true"' in reply.text
    assert 'id="results-title"' not in reply.text


async def test_a_query_shows_counts_per_node_and_dataset_and_a_chart(portal: httpx.AsyncClient) -> None:
    params = {"hpo": SEIZURE, "sex": "female", "age_min": "0", "age_max": "80", "run": "1", "lang": "en"}
    page = (await portal.get("/explore", params=params)).text
    assert "Matching individuals:" in page
    assert re.findall(r'<tr data-node="([\w-]+)"', page) == ["eu-rome", "cn-shanghai", "eu-down"]
    assert "Not included, because these nodes did not answer:" in page and "Berlin (offline)" in page
    assert '<figure class="chart" data-chart="nodes">' in page
    assert "<title id=" in page and "<desc id=" in page  # the chart's accessible name and description
    assert 'id="legend"' in page


async def test_a_small_count_is_suppressed_and_marked_with_its_reason(portal: httpx.AsyncClient) -> None:
    for lang, words in (
        ("en", "Fewer than 11 people: too few to show safely"),
        ("zh", "少于 11 人：人数太少"),
    ):
        page = (await portal.get("/explore", params={"hpo": ARACHNODACTYLY, "run": "1", "lang": lang})).text
        assert hows(page, 'data-node="eu-rome"') == ["suppressed"]
        assert words in page
        assert 'class="bar bar--suppressed bar--fewer"' in page  # drawn as an upper bound in the chart


async def test_exports_carry_the_numbers_the_page_shows(portal: httpx.AsyncClient) -> None:
    params = {"hpo": ARACHNODACTYLY}
    reply = await portal.get("/explore.csv", params=params)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    rome = next(r for r in rows if r["level"] == "dataset" and r["node"] == "eu-rome")
    assert (rome["dataset"], rome["value"], rome["how"], rome["rule"]) == (
        "rome-rd",
        "",
        "suppressed",
        "min_count",
    )
    doc = (await portal.get("/explore.json", params=params)).json()
    assert doc["filters"] == [{"id": ARACHNODACTYLY}]
    assert doc["missingNodes"] == ["eu-down"]
    assert [r["level"] for r in doc["rows"]][:1] == ["network"]
    assert {r["how"] for r in doc["rows"] if r["node"] == "eu-rome"} == {"suppressed"}
    refused = await portal.get("/explore.json", params={"hpo": "heart"})
    assert refused.status_code == 400 and "unresolved phenotype" in refused.json()["error"]["errorMessage"]


async def test_the_datasets_page_states_data_use_access_and_granularity(portal: httpx.AsyncClient) -> None:
    english = (await portal.get("/datasets", params={"lang": "en"})).text
    assert re.findall(r'<article class="card dataset" id="ds-([\w-]+)"', english) == [
        "eu-rome-rome-rd",
        "cn-shanghai-shanghai-rd",
    ]
    for words in ("GRU</strong> — general research use", "DS</strong> — disease specific research", "IRB"):
        assert words in english
    assert "Public: anyone" in english and "counts of matching individuals" in english
    assert "individual records" in english  # controlled access releases records
    assert "Berlin (offline)" in english  # named as not answering
    chinese = (await portal.get("/datasets", params={"lang": "zh"})).text
    for words in ("一般研究用途", "特定疾病研究", "须经伦理审查批准", "公开：任何人", "个体记录"):
        assert words in chinese
    assert "(EN)" in chinese  # DUO's definitions exist in English only, and say so


async def test_terms_are_searchable_in_both_languages(portal: httpx.AsyncClient) -> None:
    async def ids(q: str, **extra: str) -> list[str]:
        reply = await portal.get("/api/terms", params={"q": q, **extra})
        assert reply.status_code == 200
        return [t["id"] for t in reply.json()["terms"]]

    assert (await ids("seiz"))[0] == SEIZURE
    assert (await ids("癫痫"))[0] == SEIZURE
    assert (await ids("abn heart morph"))[0] == "HP:0001627"
    assert await ids("HP:0001166") == [ARACHNODACTYLY]
    assert await ids("") == []
    assert len(await ids("a", limit="3")) == 3
    doc = (await portal.get("/api/terms", params={"q": "细长指", "lang": "zh"})).json()
    assert doc["terms"][0] | {"fallback": False} == {
        "id": ARACHNODACTYLY,
        "label": "细长指(趾)",
        "fallback": False,
        "en": "Arachnodactyly",
        "zh": "细长指(趾)",
    }
    untranslated = (await portal.get("/api/terms", params={"q": "HP:0041090", "lang": "zh"})).json()["terms"]
    assert untranslated[0]["fallback"] is True and untranslated[0]["zh"] is None
    assert (await portal.get("/api/terms", params={"limit": "500"})).status_code == 400


async def test_a_term_without_a_chinese_label_is_shown_in_english_and_marked(
    portal: httpx.AsyncClient,
) -> None:
    page = (await portal.get("/explore", params={"hpo": "HP:0041090", "lang": "zh"})).text
    assert '<span lang="en">Pelvic avulsion fracture</span> <abbr class="fallback"' in page


async def test_the_portal_serves_its_own_styles_and_script(portal: httpx.AsyncClient) -> None:
    css = await portal.get("/static/portal.css")
    js = await portal.get("/static/terms.js")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert js.status_code == 200 and "combobox" in js.text
    assert (await portal.get("/static/../_install.py")).status_code == 404
    assert (await portal.get("/static/babel.cfg")).status_code == 404


async def test_a_node_that_refused_is_named_with_its_rule_and_fix_not_as_silent(
    portal: httpx.AsyncClient,
) -> None:
    params = {"gene": "FBN1", "sex": "female", "run": "1"}
    english = (await portal.get("/explore", params={**params, "lang": "en"})).text
    refused = english[english.index("data-refused") : english.index("</div>", english.index("data-refused"))]
    assert 'data-rule="X4"' in refused
    assert (
        "Remove the gene filter to include Shanghai Biobank: China&#39;s human genetic resources" in refused
    )
    silent = english[english.index("data-silent") : english.index("</p>", english.index("data-silent"))]
    assert "Berlin (offline) (down)" in silent and "Shanghai" not in silent
    assert re.search(r'<tr data-node="cn-shanghai">.*?data-state="refused"', english, re.S)
    assert hows(english, 'data-node="eu-rome"') == ["suppressed"]  # <11, never a bare 0
    chinese = (await portal.get("/explore", params={**params, "lang": "zh"})).text
    assert "以下节点拒绝了本次查询，结果中未包含：" in chinese
    assert "去掉基因筛选条件即可纳入 Shanghai Biobank" in chinese


def fake_cost(*, refused: bool = False) -> CostEstimate:
    x4 = refusal_of_rule("X4", detail="refused by rule X4: …")
    return CostEstimate(
        (
            DatasetCost("eu-rome", "rome-rd", 3.0, 497.0, 500.0, "researcher", x4 if refused else None),
            DatasetCost("cn-shanghai", "shanghai-rd", 0.0, None, None, "public", x4),
        ),
        missing=("eu-down",),
    )


async def test_the_explorer_shows_the_cost_before_counting(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[object, ...]] = []

    async def estimate(request: object, filters: object, *, breakdowns: tuple[str, ...]) -> CostEstimate:
        asked.append(tuple(breakdowns))
        return fake_cost()

    monkeypatch.setattr(routes_explore, "estimate_cost", estimate)
    page = (await portal.get("/explore", params={"hpo": SEIZURE, "lang": "en"})).text
    panel = page[page.index("data-estimate") : page.index("</section>", page.index("data-estimate"))]
    assert re.search(r'<tr data-dataset="rome-rd">.*?3.*?497.*?494', panel, re.S)
    assert 'data-refused="X4"' in panel and "would refuse" in panel and "Remove the gene filter" in panel
    assert "In all: ε 3." in panel and "untick “Breakdown charts”" in panel
    assert "These nodes gave no estimate:" in panel and "Berlin (offline)" in panel
    assert 'id="results-title"' not in page  # nothing was counted
    await portal.get("/explore", params={"hpo": SEIZURE, "breakdowns": "0"})
    assert asked == [("sex", "ageBand", "phenotypeCategory"), ()]
    chinese = (await portal.get("/explore", params={"hpo": SEIZURE, "lang": "zh"})).text
    assert "统计将消耗的隐私预算" in chinese and "将拒绝" in chinese
    monkeypatch.setattr(routes_explore, "estimate_cost", lambda *a, **k: _async(fake_cost(refused=True)))
    everywhere = (await portal.get("/explore", params={"hpo": SEIZURE, "lang": "en"})).text
    assert "data-would-refuse" in everywhere and "refused everywhere" in everywhere


async def _async(value: object) -> object:
    return value


async def test_without_a_cost_endpoint_the_explorer_works_as_before(portal: httpx.AsyncClient) -> None:
    endpoint = await portal.post("/api/aggregates/cost", json={"query": {"filters": [{"id": SEIZURE}]}})
    page = await portal.get("/explore", params={"hpo": SEIZURE})
    assert page.status_code == 200
    if endpoint.status_code == 404:  # the hub has no estimate yet: no panel, no error
        assert "data-estimate" not in page.text.replace("data-estimate-button", "")
        assert "notice--error" not in page.text
    else:
        assert 'id="estimate"' in page.text


def with_aggregates(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[Any]:
    """Route the portal's aggregates calls through ``change`` (what the hub answered -> what the page
    gets, checked again as the client checks it); returns the bodies the portal sent."""
    real, bodies = sources.aggregates, []

    async def aggregates(request: Any, filters: Any, *, breakdowns: Any = ()) -> Aggregates:
        bodies.append(aggregates_body(filters, breakdowns=breakdowns))
        answer = await real(request, filters, breakdowns=breakdowns)
        return Aggregates.model_validate(change(answer.model_dump(by_alias=True)))

    monkeypatch.setattr(sources, "aggregates", aggregates)
    return bodies


async def test_turning_the_charts_off_asks_for_no_breakdowns(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies = with_aggregates(monkeypatch, lambda doc: doc)
    page = (await portal.get("/explore", params={"hpo": SEIZURE, "breakdowns": "0", "run": "1"})).text
    assert bodies == [{"query": {"filters": [{"id": SEIZURE}]}}]
    assert 'data-chart="nodes"' in page and 'data-chart="sex"' not in page
    assert '<input id="breakdowns" name="breakdowns" type="checkbox" value="1" aria' in page  # unticked
    csv_rows = list(
        csv.DictReader(io.StringIO((await portal.get("/explore.csv?hpo=HP:0001250&breakdowns=0")).text))
    )
    assert all(r["level"] != "breakdown" for r in csv_rows)


async def test_after_counting_the_page_says_what_each_dataset_spent(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def spent(doc: dict[str, Any]) -> dict[str, Any]:
        lines = [
            {"epsilon": 2.0, "remaining": 495.0, "budget": 500.0},
            {"epsilon": 0.0, "remaining": None, "budget": None},
        ]
        return {**doc, "datasets": [{**d, "spent": s} for d, s in zip(doc["datasets"], lines, strict=False)]}

    with_aggregates(monkeypatch, spent)
    page = (await portal.get("/explore", params={"hpo": SEIZURE, "run": "1", "lang": "en"})).text
    assert "This answer spent ε 2 of your privacy budget" in page
    assert re.search(r'<tr data-dataset="rome-rd">.*?spent 2; 495 of 500 left', page, re.S)
    assert re.search(r'<tr data-dataset="shanghai-rd">.*?not charged \(public access\)', page, re.S)


async def test_a_hidden_cell_is_drawn_as_unknown_and_never_as_a_small_number(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_aggregates(monkeypatch, lambda doc: seizures())
    for lang, hidden in (("en", "hidden"), ("zh", "已隐藏")):
        page = (await portal.get("/explore", params={"hpo": SEIZURE, "run": "1", "lang": lang})).text
        chart = page[page.index('data-chart="sex"') : page.index("</figure>", page.index('data-chart="sex"'))]
        bars = re.findall(r'<g class="bar ([^"]+)" data-how="\w+" data-kind="(\w+)">(.*?)</g>', chart, re.S)
        by_kind = {kind: (classes, body) for classes, kind, body in bars}
        classes, body = by_kind["hidden"]
        assert "bar--unknown" in classes and 'class="bar-unknown"' in body
        assert 'class="bar-value"' in body and f">{hidden}</text>" in body and "&lt;" not in body
        classes, body = by_kind["partial"]
        assert 'class="bar-tail"' in body and "≥2,145 (+ " in body
        assert "bar--remainder" in bars[-1][0] and "≈3,129" in bars[-1][2]
        categories = page[page.index('data-chart="phenotypes"') :]
        nervous = re.search(r'data-kind="hidden">\s*<title>([^<]*)</title>', categories)
        assert nervous is not None and "&lt;" not in nervous.group(1).split("—")[0]


def with_misshapen_replies(monkeypatch: pytest.MonkeyPatch, paths: dict[str, bytes]) -> None:
    """The hub answers these paths (HTTP 200) with documents that do not fit the client's messages."""
    real = AsyncHubClient.send

    async def send(self: AsyncHubClient, call: Call[Any]) -> Any:
        if call.path in paths:
            return read_reply(call, status=200, content=paths[call.path], where=f"{self.url}{call.path}")
        return await real(self, call)

    monkeypatch.setattr(AsyncHubClient, "send", send)


async def test_a_node_list_of_another_shape_is_a_problem_line_not_a_500(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_misshapen_replies(monkeypatch, {"/api/nodes": b'{"nodes": [{"id": "rome"}]}'})
    page = await portal.get("/network", params={"lang": "en"})
    assert page.status_code == 200
    assert "The counts could not be fetched:" in page.text and "shape this client does not know" in page.text
    assert "nodes.0.health" in page.text


async def test_a_suppressed_number_that_carries_a_value_never_reaches_a_page(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    smuggled = (
        b'{"datasets": [{"node": "eu-rome", "dataset": "rome-rd",'
        b' "total": {"value": 7, "how": "suppressed", "threshold": 11, "rule": "min_count"}}]}'
    )
    with_misshapen_replies(monkeypatch, {"/api/aggregates": smuggled})
    for lang in ("en", "zh"):
        page = await portal.get("/explore", params={"hpo": SEIZURE, "run": "1", "lang": lang})
        assert page.status_code == 200 and "shape this client does not know" in page.text
        assert 'data-chart="nodes"' not in page.text
    network = await portal.get("/network", params={"lang": "en"})
    assert network.status_code == 200 and "The counts could not be fetched:" in network.text
    assert 'data-node="eu-rome"' in network.text  # the health part still shows


async def test_a_ranking_of_another_shape_fails_alone_on_the_match_page(
    portal: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_misshapen_replies(monkeypatch, {"/api/rank": b'{"diseases": [{"rank": "first"}]}'})
    page = await portal.get("/match", params={"hpo": SEIZURE, "run": "1", "lang": "en"})
    assert page.status_code == 200
    assert page.text.count("The network could not answer:") == 1 and "/api/rank answered" in page.text
    assert "data-disease=" not in page.text
