"""The datasets page shows a dataset's MIABIS Core 3.0 collection (sample types, storage temperature,
age range, sex, diseases, data categories, access conditions, biobank) in English and in Chinese;
in-process, and in a real browser (Debian's chromium, headless) with uvicorn serving the hub.

Rome's dataset names the collection of tests/ingest/test_miabis.py (tests/portal/network.py);
Shanghai's names none. The browser test is skipped without /usr/bin/chromium, except under CI.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from pmbridge.node import NodeContext
from tests.browser import ARGS, CHROMIUM, require_chromium, served
from tests.portal import network

ROME = "#ds-eu-rome-rome-rd"
ENGLISH = {
    "biobank": "Rome Rare Disease Biobank · Italy bbmri-eric:ID:IT_ROME",
    "sample-types": "DNA, Serum",
    "storage": "-60 °C to -85 °C, Liquid nitrogen vapor-phase",
    "age": "0 years to 17 years",
    "sex": "Female, Male",
    "diseases": "ICD-10 G40 Dravet syndrome",
    "data-categories": "Clinical dataset, Genomic dataset",
    "design": "Disease-specific cohort, Rare disease collection",
    "access": "Genetic data use, Collaboration",
}
CHINESE = {
    "biobank": "Rome Rare Disease Biobank (EN) · 意大利 bbmri-eric:ID:IT_ROME",
    "sample-types": "脱氧核糖核酸（DNA）、血清",
    "storage": "-60 °C 至 -85 °C、液氮气相",
    "age": "0 岁 至 17 岁",
    "sex": "女、男",
    "diseases": "ICD-10 G40 Dravet syndrome (EN)",
    "data-categories": "临床数据、基因组数据",
    "design": "特定疾病队列、罕见病样本集",
    "access": "遗传数据使用、合作",
}


def facts(html: str, dataset: str) -> dict[str, str]:
    """Each fact of ``dataset``'s collection on the page, as its text with tags and spaces squeezed."""
    card = html.split(f'id="{dataset}"', 1)[1].split("</article>", 1)[0]
    found = re.findall(r'<div data-fact="([\w-]+)"><dt>.*?</dt><dd>(.*?)</dd></div>', card, re.S)
    return {name: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for name, text in found}


@pytest.mark.anyio
async def test_the_collection_is_shown_in_both_languages(portal: httpx.AsyncClient) -> None:
    english = (await portal.get("/datasets", params={"lang": "en"})).text
    assert facts(english, ROME[1:]) == ENGLISH
    assert "Biobank collection (MIABIS)" in english and "DNA and serum of children with epilepsy." in english
    assert 'data-collection="' not in english.split('id="ds-cn-shanghai-shanghai-rd"', 1)[1]  # none named
    chinese = (await portal.get("/datasets", params={"lang": "zh"})).text
    assert facts(chinese, ROME[1:]) == CHINESE
    assert "生物样本库样本集（MIABIS）" in chinese


@pytest.mark.e2e
def test_the_collection_in_a_browser_in_both_languages(
    contexts: dict[str, NodeContext], network_root: Path
) -> None:
    require_chromium()
    app = network.network_app(contexts, network_root)
    with served(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(base_url=base, locale="en-GB", viewport={"width": 1280, "height": 900})
            page.set_default_timeout(30_000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto("/datasets")
            shown(page, "Biobank collection (MIABIS)", ENGLISH)
            page.get_by_role("link", name="中文").click()
            shown(page, "生物样本库样本集（MIABIS）", CHINESE)
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            page.set_viewport_size({"width": 360, "height": 800})  # phone width: one column, still there
            expect(page.locator(f'{ROME} [data-fact="sample-types"] dd')).to_be_visible()
            assert errors == []
        finally:
            browser.close()


def shown(page: Page, heading: str, expected: dict[str, str]) -> None:
    section = page.locator(f"{ROME} section.collection")
    expect(section.get_by_role("heading", level=3)).to_have_text(heading)
    for fact, text in expected.items():
        expect(section.locator(f'[data-fact="{fact}"] dd')).to_have_text(re.compile(_spaced(text)))


def _spaced(text: str) -> str:
    """``text`` as a pattern that allows any white space (or none) where it has a space."""
    return r"\s*".join(re.escape(part) for part in text.split())
