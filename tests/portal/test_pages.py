"""Every portal page over real in-process nodes, in English and Chinese, with JavaScript's help or without."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from pmbridge.portal._i18n import LANG_COOKIE
from tests.portal.network import ARACHNODACTYLY, SEIZURE

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
    for lang, words in (("en", "Suppressed: fewer than"), ("zh", "已抑制：少于")):
        page = (await portal.get("/explore", params={"hpo": ARACHNODACTYLY, "run": "1", "lang": lang})).text
        assert hows(page, 'data-node="eu-rome"') == ["suppressed"]
        assert words in page
        assert 'class="bar bar--suppressed"' in page  # drawn differently in the chart too


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
