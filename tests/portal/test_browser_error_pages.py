"""In a real browser (Debian's chromium, headless), an unknown portal page in Chinese is the
translated error page, with its code and the way on, and the status kept.

The hub has no nodes: an error page needs none, so uvicorn serves the network app in a thread
instead of the demo's processes. Skipped without /usr/bin/chromium, except under CI (CI=true).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from pmbridge.network_app import create_network_app
from tests.browser import ARGS, CHROMIUM, require_chromium, served
from tests.trust import hub_config

pytestmark = [pytest.mark.e2e]


def test_an_unknown_page_in_chinese_is_the_translated_error_page(tmp_path: Path) -> None:
    require_chromium()
    with served(create_network_app(hub_config([], tmp_path))) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(base_url=base, locale="zh-CN")
            page.set_default_timeout(30_000)
            reply = page.goto("/no-such-page")  # no ?lang=: the browser's Accept-Language says zh
            assert reply is not None and reply.status == 404
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            expect(page.get_by_role("heading", level=1)).to_have_text("找不到页面")
            expect(page.get_by_role("alert")).to_have_text("此网址下没有页面。")
            expect(page.get_by_text("错误代码：not_found（HTTP 404）")).to_be_visible()
            page.get_by_role("link", name="前往网络页面").click()
            expect(page).to_have_url(f"{base}/network")
        finally:
            browser.close()
