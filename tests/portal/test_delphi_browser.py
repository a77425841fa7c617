"""A panellist in a real browser (Debian's chromium, headless, JavaScript off, 360 px wide) opens
their personal link, rates in 中文 and submits; in round 2 they see the panel's distribution with
their own score marked and nobody else's rating. The hub (with its consensus API) runs in uvicorn.

Screenshots go to var/screenshots (delphi-*.png). Skipped without /usr/bin/chromium, except under CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from pmbridge.hub import HubReleaseSettings
from pmbridge.network_app import create_network_app
from tests.browser import ARGS, CHROMIUM, require_chromium, served
from tests.hub.consensus_hub import consensus_config, links
from tests.trust import hub_config

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
STUDIES = "/api/consensus/studies"
GROUPS = {"eu": ("EU clinicians", "欧盟临床医生"), "cn": ("CN clinicians", "中国临床医生")}
ITEMS = {
    "it-a": ("Report adverse events to the patient", "向患者报告不良事件"),
    "it-b": ("Share pseudonymised records across the border", "跨境共享假名化记录"),
}
ME = "cn-1@panel.example"


def later(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The served hub with a running study (k 3; eu and cn of 3 each), its organiser's headers, its root."""
    require_chromium()
    root = tmp_path_factory.mktemp("delphi-browser")
    config = consensus_config(hub_config([], root, release=HubReleaseSettings(demo_broker=True)))
    with served(create_network_app(config)) as base, httpx.Client(base_url=base, timeout=60) as api:
        passport = api.post("/api/auth/token", json={"user": "eu-researcher"}).json()["passport"]
        headers = {"Authorization": f"Bearer {passport}"}
        body = {
            "title": {"en": "Cross-border care", "zh": "跨境诊疗"},
            "description": {"en": "What the network should do", "zh": "网络应当做什么"},
            "rule": "comet",
            "k": 3,
        }
        created = api.post(STUDIES, json=body, headers=headers)
        assert created.status_code == 201, created.text
        study = f"{STUDIES}/{created.json()['study']['id']}"
        for group, (en, zh) in GROUPS.items():
            added = api.post(
                f"{study}/groups", json={"id": group, "name": {"en": en, "zh": zh}}, headers=headers
            )
            assert added.status_code == 201, added.text
        for item, (en, zh) in ITEMS.items():
            texts = {"en": {"text": en, "provenance": "author"}, "zh": {"text": zh, "provenance": "machine"}}
            entries = ["policy:pipl"] if item == "it-a" else []
            added = api.post(
                f"{study}/items", json={"id": item, "texts": texts, "links": entries}, headers=headers
            )
            assert added.status_code == 201, added.text
        panel = [
            {
                "name": f"Expert {g}-{n}",
                "email": f"{g}-{n}@panel.example",
                "group": g,
                "language": "zh" if n else "en",
            }
            for g in GROUPS
            for n in range(3)
        ]
        assert api.post(f"{study}/panellists", json={"panellists": panel}, headers=headers).status_code == 200
        assert api.post(f"{study}/lock", headers=headers).status_code == 200
        opened = api.post(f"{study}/rounds", json={"opens": later(0), "closes": later(600)}, headers=headers)
        assert opened.status_code == 201, opened.text
        yield base, headers, root


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def phone(browser: Browser, base: str) -> Page:
    """A 360 px wide page with JavaScript off and a Chinese browser."""
    context = browser.new_context(
        base_url=base, java_script_enabled=False, locale="zh-CN", viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def no_sideways_scrolling(page: Page, name: str) -> None:
    """The whole page is 360 px wide (its full-page screenshot is), saved as ``name``; measured
    without JavaScript, which the page runs without."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(SHOTS / name), full_page=True)
    assert int.from_bytes(shot[16:20], "big") == 360, f"{name} is wider than the phone"


def fits(page: Page, selector: str) -> None:
    """Every element matching ``selector`` lies within the 360 px viewport (no sideways scrolling)."""
    for box in (page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, (selector, box)


def test_a_panellist_rates_in_chinese_at_phone_width_without_javascript(
    browser: Browser, hub: tuple[str, dict[str, str], Path]
) -> None:
    base, headers, root = hub
    tokens = links(root)
    page = phone(browser, base)
    page.goto(f"/delphi/p/{tokens[ME]}")
    expect(page).to_have_url(re.compile(r"/delphi/panel\?lang=zh$"))  # the token left the address
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text("跨境诊疗")
    expect(page.locator("[data-statement]")).to_contain_text("任何人都看不到您的个人评分")
    first = page.locator('section[data-item="it-a"]')
    expect(first.locator(".delphi-statement > p").first).to_have_text("向患者报告不良事件†")
    expect(page.locator("[data-legend]")).to_be_visible()  # the † explained
    entry = first.locator('a[data-link="policy:pipl"]')
    expect(entry).to_have_text("《中华人民共和国个人信息保护法》")  # the knowledge hub's name, in Chinese
    expect(entry).to_have_attribute("href", "/knowledge/policy:pipl")
    first.get_by_role("radio", name="8", exact=True).check()
    first.get_by_role("textbox", name="评论（可选）").fill("患者有权知道")
    second = page.locator('section[data-item="it-b"]')
    second.get_by_role("radio", name="无法评分").check()
    fits(page, ".scale-option")
    fits(page, ".actions .button")
    no_sideways_scrolling(page, "delphi-panel-zh-360.png")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("[data-done]")).to_have_text("谢谢：您的回答已提交。在本轮结束前您仍可修改。")
    expect(first.get_by_role("radio", name="8", exact=True)).to_be_checked()
    expect(second.get_by_role("radio", name="无法评分")).to_be_checked()
    expect(first.get_by_role("textbox", name="评论（可选）")).to_have_value("患者有权知道")

    # the others answer through the API; round 1 closes, round 2 opens
    with httpx.Client(base_url=base, timeout=60) as api:
        for n, (address, token) in enumerate(sorted(tokens.items())):
            if address == ME:
                continue
            answers = [{"item": "it-a", "score": 3 + n % 3}, {"item": "it-b", "score": 6}]
            comment = {"text": f"secret note {n}", "language": "en"}
            answers[0]["comment"] = comment
            reply = api.put(
                "/api/consensus/panel/answers",
                json={"answers": answers, "submit": True},
                headers={"X-Panel-Token": token},
            )
            assert reply.status_code == 200, reply.text
        study = next(s["id"] for s in api.get(STUDIES, headers=headers).json()["studies"])
        assert api.post(f"{STUDIES}/{study}/rounds/1/close", headers=headers).status_code == 200
        body = {"opens": later(0), "closes": later(600)}
        assert api.post(f"{STUDIES}/{study}/rounds", json=body, headers=headers).status_code == 201

    page.goto("/delphi/panel")
    expect(page.locator("[data-round]")).to_have_attribute("data-round", "2")
    previous = page.locator('section[data-item="it-a"] [data-previous]')
    expect(previous.locator("[data-own-score]")).to_have_text("您在第 1 轮的评分：8。")
    own = previous.locator("g[data-own]")
    expect(own).to_have_count(1)
    expect(own).to_have_attribute("data-score", "8")
    expect(previous.locator("svg").first).to_have_attribute("role", "img")
    expect(
        page.locator('section[data-item="it-a"]').get_by_role("radio", name="8", exact=True)
    ).to_be_checked()
    fits(page, ".dist-chart")
    text = page.locator("main").inner_text()
    for address in tokens:
        assert address not in text and address.split("@")[0] not in text  # nobody named
    assert "Expert" not in text  # no panellist's name
    no_sideways_scrolling(page, "delphi-panel-round2-zh-360.png")
    page.context.close()


def test_an_old_link_gets_the_bilingual_page_at_phone_width(
    browser: Browser, hub: tuple[str, dict[str, str], Path]
) -> None:
    base, _, _ = hub
    page = phone(browser, base)
    page.goto("/delphi/p/" + "z" * 43)
    expect(page.locator("h1")).to_have_text("此专家链接无法使用")
    expect(page.locator('[data-link-lang="en"] h2')).to_have_text("This panel link does not work")
    fits(page, ".delphi-link")
    no_sideways_scrolling(page, "delphi-link-zh-360.png")
    page.context.close()


def test_the_organiser_pages_read_at_phone_width_without_javascript(
    browser: Browser, hub: tuple[str, dict[str, str], Path]
) -> None:
    base, _, _ = hub
    page = phone(browser, base)
    page.goto("/account")
    page.get_by_label("Giulia Rossi").check()
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="德尔菲研究").click()
    expect(page.locator("h1")).to_have_text("德尔菲研究")
    page.get_by_role("link", name="跨境诊疗").click()
    expect(page.locator("h1")).to_have_text("跨境诊疗")
    expect(page.locator("dl.rule")).to_contain_text("至少 70 % 的评分者评 7–9 分")
    participation = page.locator('table[data-table="participation"]')
    expect(participation).to_contain_text("Expert cn-1")
    assert not re.search(r"\b[1-9]\b分|评分：", participation.inner_text())  # participation, never a score
    fits(page, "form")
    fits(page, ".table-scroll")
    no_sideways_scrolling(page, "delphi-study-zh-360.png")
    page.get_by_role("link", name="结果").first.click()
    expect(page.locator("h1")).to_contain_text("结果")
    fits(page, ".table-scroll")
    no_sideways_scrolling(page, "delphi-results-zh-360.png")
    page.context.close()
