"""The portal in a real browser (Debian's chromium, headless) against a real demo network.

Screenshots of every page in both languages (desktop and phone width) are saved under
var/screenshots as test artifacts. Without /usr/bin/chromium the tests are skipped, except under
CI (CI=true), where a missing browser is a failure: .ci/run installs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from pmbridge.demo import DemoPaths, Supervisor, build_demo, start_network
from tests.browser import ARGS, CHROMIUM, require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SIZE = 150  # individuals per demo node: enough for released counts, small enough to build fast
PAGES = {
    "network": "/network",
    "explore": "/explore?hpo=HP:0001250&run=1",
    "datasets": "/datasets",
    "match": "/match?hpo=HP:0001166&hpo=HP:0001250&run=1",
    "account": "/account",
    "knowledge": "/knowledge?q=biobank",
    "knowledge-entry": "/knowledge/policy:pipl",
    "roadmap": "/knowledge/roadmap",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    root = tmp_path_factory.mktemp("portal-demo")
    build_demo(DemoPaths(root), size=SIZE, workers=1, say=lambda _: None)
    with Supervisor(root / "run") as supervisor:
        yield start_network(supervisor, DemoPaths(root))["hub"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, hub: str) -> Iterator[Page]:
    context = browser.new_context(base_url=hub, locale="en-GB", viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    errors: list[str] = []
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


def test_switching_to_chinese_shows_chinese_labels_and_is_remembered(page: Page) -> None:
    page.goto("/explore?hpo=HP:0001250")
    expect(page.locator("h1")).to_have_text("Cohort explorer")
    expect(page.locator('.chip[data-term="HP:0001250"] .chip-label')).to_have_text("Seizure")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("队列探索")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator('.chip[data-term="HP:0001250"] .chip-label')).to_have_text("癫痫发作")
    page.goto("/datasets")  # no ?lang=: the cookie remembers
    expect(page.locator("h1")).to_have_text("数据集")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="网络")).to_be_visible()


def test_the_datasets_page_shows_the_rome_biobank_collection_in_both_languages(page: Page) -> None:
    facts = page.locator("#ds-eu-rome-rome-rd section.collection dd")
    page.goto("/datasets?lang=en")
    expect(facts.nth(1)).to_have_text("Blood, DNA, Serum, Plasma, Saliva, Urine, Tissue (Frozen)")
    expect(facts.nth(3)).to_have_text("0 years to 90 years")
    expect(page.locator("section.collection")).to_have_count(1)  # the demo's other nodes name none
    page.goto("/datasets?lang=zh")
    expect(facts.nth(1)).to_have_text("血液、脱氧核糖核酸（DNA）、血清、血浆、唾液、尿液、组织（冷冻）")
    expect(facts.nth(3)).to_have_text("0 岁 至 90 岁")


def test_a_term_is_found_in_english_and_in_chinese(page: Page) -> None:
    page.goto("/explore?lang=en")
    box = page.get_by_role("combobox", name="Add a phenotype")
    box.fill("seiz")
    option = page.get_by_role("option").filter(has_text="Seizure").first
    expect(option).to_contain_text("HP:0001250")
    box.press("ArrowDown")
    expect(page.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.locator('.chip[data-term="HP:0001250"]')).to_have_count(1)
    box.fill("细长指")
    chinese = page.get_by_role("option").filter(has_text="HP:0001166")
    expect(chinese).to_contain_text("Arachnodactyly")  # the English page shows the English label
    page.goto("/explore?lang=zh")
    box = page.get_by_role("combobox", name="添加表型")
    box.fill("癫痫")
    expect(page.get_by_role("option").filter(has_text="HP:0001250")).to_contain_text("癫痫发作")
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()


def test_a_query_shows_counts_a_chart_and_marked_suppressed_values(page: Page) -> None:
    page.goto("/explore?lang=en")
    box = page.get_by_role("combobox", name="Add a phenotype")
    box.fill("Seizure")
    page.get_by_role("option").filter(has_text="HP:0001250").first.click()
    page.get_by_role("button", name="Count individuals").click()
    expect(page).to_have_url(re.compile(r"hpo=HP%3A0001250"))
    expect(page.locator("[data-total] .count")).to_have_text(re.compile(r"^[≈~≥<]?\d"))
    expect(page.locator('table[data-table="nodes"] tbody tr')).to_have_count(3)
    chart = page.locator('figure[data-chart="nodes"] svg[role="img"]')
    expect(chart).to_be_visible()
    expect(chart.locator("g.bar")).to_have_count(3)
    suppressed = page.locator("g.bar--suppressed").first  # a small cell of a breakdown chart
    expect(suppressed.locator("text.bar-value")).to_have_text(re.compile(r"^(<\d+|hidden|withheld|refused)$"))
    expect(suppressed.locator("title")).to_contain_text(" — ")
    expect(page.locator("#legend")).to_contain_text("Fewer than the number shown")
    expect(page.locator("#legend")).to_contain_text("It can be of any size")
    share = page.get_by_label("Link to this query").input_value()
    page.goto(share + "&lang=zh")
    expect(page.locator("h2#results-title")).to_have_text("结果")


def test_the_core_flow_works_with_javascript_off(browser: Browser, hub: str) -> None:
    context = browser.new_context(base_url=hub, java_script_enabled=False)
    page = context.new_page()
    page.goto("/explore?lang=zh")
    page.get_by_role("textbox", name="添加表型").fill("癫痫发作")
    page.get_by_role("button", name="统计人数").click()
    expect(page.locator('.chip[data-term="HP:0001250"]')).to_have_count(1)
    expect(page.locator('table[data-table="nodes"] tbody tr')).to_have_count(3)
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Cohort explorer")
    context.close()


def test_the_keyboard_reaches_the_skip_link_first(page: Page) -> None:
    page.goto("/network?lang=en")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_signing_in_shows_the_passport_and_the_budget(page: Page) -> None:
    page.goto("/account?lang=en")
    page.get_by_label("Giulia Rossi").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Your account")
    expect(page.locator('table[data-table="visas"]')).to_contain_text("AffiliationAndRole")
    expect(page.locator('table[data-table="budget"] meter').first).to_be_visible()


def test_the_knowledge_hub_is_searched_in_chinese_and_english_and_opens_entries(page: Page) -> None:
    page.goto("/knowledge?lang=zh")
    page.get_by_role("searchbox", name="检索知识中心").fill("个人信息保护法")
    page.get_by_role("button", name="检索").click()
    first = page.locator("li.kb-hit").first
    expect(first).to_have_attribute("data-entry", "policy:pipl")
    first.get_by_role("link", name="《中华人民共和国个人信息保护法》").click()
    expect(page.locator("h1")).to_have_text("《中华人民共和国个人信息保护法》")
    expect(page.locator('section[data-relation="implements"][data-direction="in"] h3')).to_contain_text(
        "由其实施"
    )
    graph = page.locator("svg.kb-graph-svg")
    expect(graph).to_be_visible()
    graph.locator('a[data-entry="policy:gdpr"] circle').click()  # a node of the graph opens its entry
    expect(page.locator("h1")).to_contain_text("通用数据保护条例")

    page.goto("/knowledge?lang=en")
    box = page.get_by_role("searchbox", name="Search the knowledge hub")
    box.fill("biobank")
    box.press("Enter")
    expect(page.locator('li.kb-hit[data-entry="standard:iso-20387"]')).to_be_visible()
    page.locator('section[data-facet="type"]').get_by_role("link", name="Stakeholder").click()
    expect(page.locator('li.chip[data-value="Stakeholder"]')).to_be_visible()
    expect(page.locator('li.kb-hit[data-entry="standard:iso-20387"]')).to_have_count(0)
    page.locator('li.kb-hit[data-entry="stakeholder:bbmri-eric"] h3 a').click()
    expect(page.locator("h1")).to_contain_text("BBMRI-ERIC")
    expect(page.locator("a.external")).to_have_attribute("rel", "external noopener noreferrer")


def test_a_knowledge_base_steward_changes_an_action_status(page: Page) -> None:
    page.goto("/account?lang=en")
    page.get_by_label("Chen Jing").check()
    page.get_by_role("button", name="Sign in").click()
    page.goto("/knowledge/roadmap?lang=zh")
    action = page.locator('article[data-action="action:privacy-security-trust"]')
    action.get_by_text("更改状态").click()
    action.get_by_label("新状态").select_option("in-progress")
    action.get_by_label("备注：发生了什么，或为何更改").fill("已在两个试点节点启用")
    action.get_by_role("button", name="保存状态").click()
    expect(page.locator('[data-changed="action:privacy-security-trust"]')).to_contain_text("进行中")
    expect(action).to_have_attribute("data-status", "in-progress")
    expect(action.locator('table[data-table="history"] tbody tr').first).to_contain_text(
        "已在两个试点节点启用"
    )


def test_screenshots_of_every_page_in_both_languages(browser: Browser, hub: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for width in (1280, 360):
        for lang in ("en", "zh"):
            context = browser.new_context(base_url=hub, viewport={"width": width, "height": 900})
            page = context.new_page()
            for name, path in PAGES.items():
                page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
                expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if lang == "zh" else "en")
                target = SHOTS / f"{name}-{lang}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
            context.close()
    assert all(p.stat().st_size > 10_000 for p in saved)
    print(f"portal screenshots: {SHOTS}")
