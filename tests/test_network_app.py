"""The composition root: the hub's app knows nothing of the portal, ``pmbridge.network_app`` joins
them, and ``pmbridge hub serve`` serves what it joins (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import pmbridge.hub
import pmbridge.service
from pmbridge.cli._serve import hub_serve
from pmbridge.hub import HubConfig, create_hub_app
from pmbridge.network_app import create_network_app
from tests.trust import hub_config

pytestmark = pytest.mark.anyio

PORTAL = ("/", "/network", "/account", "/static/portal.css")
HUB = ("/api/info", "/health", "/docs")


async def statuses(app: FastAPI, paths: tuple[str, ...]) -> list[int]:
    """What ``app`` answers a browser on each of ``paths``."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
    ):
        return [(await client.get(path, headers={"accept": "text/html"})).status_code for path in paths]


def test_importing_the_hub_loads_nothing_of_the_portal() -> None:
    code = (
        "import sys, pmbridge.hub; print(sorted(m for m in sys.modules if m.startswith('pmbridge.portal')))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


async def test_the_hub_app_has_no_portal_and_the_network_app_adds_it(tmp_path: Path) -> None:
    config = hub_config([], tmp_path)
    assert await statuses(create_hub_app(config), PORTAL) == [404] * len(PORTAL)
    assert await statuses(create_network_app(config), PORTAL) == [200] * len(PORTAL)
    assert await statuses(create_network_app(config), HUB) == [200] * len(HUB)


async def test_the_portal_is_served_behind_the_hubs_middleware(tmp_path: Path) -> None:
    app = create_network_app(hub_config([], tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
    ):
        page = await client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self';" in page.headers["content-security-policy"]  # the hub's security headers


async def test_hub_serve_runs_the_network_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = hub_config([], tmp_path)
    served: list[FastAPI] = []

    def load(path: Path) -> HubConfig:
        return config

    monkeypatch.setattr(pmbridge.hub, "load_hub_config", load)
    monkeypatch.setattr(pmbridge.service, "serve", lambda app, **_: served.append(app))
    hub_serve(config=tmp_path / "hub.toml")
    assert len(served) == 1
    assert await statuses(served[0], PORTAL[:1]) == [200]
