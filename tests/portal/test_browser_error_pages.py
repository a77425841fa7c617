"""In a real browser (Debian's chromium, headless), an unknown portal page in Chinese is the
translated error page, with its code and the way on, and the status kept.

The hub has no nodes: an error page needs none, so uvicorn serves the network app in a thread
instead of the demo's processes. Skipped without /usr/bin/chromium, except under CI (CI=true).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import expect, sync_playwright

from pmbridge.network_app import create_network_app
from tests.trust import hub_config

pytestmark = [pytest.mark.e2e]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing under CI: .ci/run installs Debian's chromium package")
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run the browser tests")


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on an ephemeral port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


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
