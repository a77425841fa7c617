"""The hub's interactive API docs work offline: ``/docs`` (Swagger UI) and ``/redoc`` load every
asset from the hub itself (the ``fastapi-offline`` package and our start-up script), none from a
CDN, and in a real browser Swagger UI and ReDoc show the hub's operations with no console error.

The node serves the same pages (``tests/node/test_api_docs.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.hub import HubReleaseSettings, create_hub_app
from pmbridge.network_app import create_network_app
from tests.browser import ARGS, CHROMIUM, require_chromium, served
from tests.hub.lone_hub import lone_hub
from tests.trust import hub_config
from tests.web.api_docs import check_offline_docs


@pytest.mark.anyio
async def test_the_hubs_api_pages_load_only_their_own_assets(tmp_path: Path) -> None:
    async with lone_hub(tmp_path) as hub:
        urls = await check_offline_docs(hub.client)
    assert "/docs/assets/swagger-ui-bundle.js" in urls["/docs"]
    assert "/docs/assets/swagger-init.js" in urls["/docs"]
    assert "/docs/assets/redoc.standalone.js" in urls["/redoc"]
    assert "/openapi.json" in urls["/docs"] and "/openapi.json" in urls["/redoc"]


@pytest.mark.anyio
async def test_redoc_is_served_without_the_logo_it_would_fetch_from_a_cdn(tmp_path: Path) -> None:
    async with lone_hub(tmp_path) as hub:
        script = await hub.client.get("/docs/assets/redoc.standalone.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "cdn.redoc.ly" not in script.text and 'src:""' in script.text


def test_the_hub_alone_serves_its_api_pages_too(tmp_path: Path) -> None:
    """The docs belong to the hub's own factory, not to the composition root."""
    paths = {getattr(route, "path", "") for route in create_hub_app(hub_config([], tmp_path)).routes}
    assert {"/docs", "/redoc", "/docs/assets"} <= paths


@pytest.mark.e2e
def test_swagger_ui_and_redoc_show_the_operations_in_a_browser_with_no_error(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    config = hub_config([], tmp_path, release=HubReleaseSettings(demo_broker=True))
    with served(create_network_app(config)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(base_url=base)
            page.set_default_timeout(30_000)
            errors: list[str] = []
            outside: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))

            page.goto("/docs")
            expect(page.locator(".opblock").first).to_be_visible()
            assert page.locator(".opblock").count() > 20  # the hub's Beacon and PM Bridge operations
            expect(page.locator(".opblock-summary-path", has_text="/api/individuals").first).to_be_visible()

            page.goto("/redoc")
            expect(page.get_by_text("/api/individuals").first).to_be_attached()
            expect(page.locator("[data-section-id^='operation/']").first).to_be_attached()
        finally:
            browser.close()
    assert errors == []
    assert [url for url in outside if not url.startswith(("data:", "blob:"))] == []
