"""What every reply of the hub carries on the open web: security headers (a content policy without
inline script, no framing, no sniffing, no referrer to other sites, HSTS over HTTPS only), and a
405 that says in ``Allow`` which methods its path takes."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from pmbridge.beacon import PublicApi
from pmbridge.hub import HubConfig
from pmbridge.portal._render import TEMPLATES
from tests.beacon_schemas import ERROR, errors
from tests.hub.lone_hub import lone_hub

pytestmark = pytest.mark.anyio


def behind_proxy(config: HubConfig) -> HubConfig:
    return replace(config, public_api=PublicApi(trust_proxy_headers=True))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/info"),
        ("POST", "/api/individuals"),
        ("GET", "/account"),
        ("GET", "/static/portal.css"),
        ("GET", "/no/such/page"),
        ("DELETE", "/api/individuals"),
        ("OPTIONS", "/api/info"),
        ("GET", "/openapi.json"),
    ],
)
async def test_every_reply_carries_the_security_headers(tmp_path: Path, method: str, path: str) -> None:
    async with lone_hub(tmp_path) as hub:
        reply = await hub.client.request(
            method, path, headers={"origin": "https://a.example", "access-control-request-method": "GET"}
        )
    policy = reply.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "script-src 'self';" in policy
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in reply.headers  # plain http


async def test_the_api_pages_may_style_inline_but_run_no_inline_script_nor_any_from_elsewhere(
    tmp_path: Path,
) -> None:
    async with lone_hub(tmp_path) as hub:
        docs = await hub.client.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self' 'unsafe-inline'" in policy
    assert "https:" not in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    ("base_url", "edit", "forwarded", "hsts"),
    [
        ("https://hub", None, None, True),
        ("http://hub", None, "https", False),  # anyone can send the header: not trusted by default
        ("http://hub", behind_proxy, "https", True),
        ("http://hub", behind_proxy, "http", False),
        (
            "http://hub",
            lambda c: replace(c, public_api=PublicApi(public_url="https://b.example")),
            None,
            True,
        ),
    ],
)
async def test_hsts_only_when_the_client_came_over_https(
    tmp_path: Path, base_url: str, edit: object, forwarded: str | None, hsts: bool
) -> None:
    headers = {"x-forwarded-proto": forwarded} if forwarded else {}
    async with lone_hub(tmp_path, edit, base_url=base_url) as hub:  # type: ignore[arg-type]
        reply = await hub.client.get("/api/info", headers=headers)
    assert ("strict-transport-security" in reply.headers) is hsts


def test_no_portal_template_has_inline_script_or_style() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", template.read_text(encoding="utf-8"), flags=re.S)
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) is None, template.name
        assert re.search(r"\son[a-z]+\s*=", text) is None, template.name
        assert re.search(r"<style\b|\sstyle\s*=", text) is None, template.name
        assert "javascript:" not in text, template.name


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/individuals", "GET, HEAD, POST"),
        ("PUT", "/api/auth/token", "POST"),
        ("POST", "/api/info", "GET, HEAD"),
        ("DELETE", "/account", "GET, HEAD"),
        ("GET", "/account/sign-in", "POST"),
        ("PUT", "/static/portal.css", "GET, HEAD"),
    ],
)
async def test_a_405_names_every_method_its_path_takes(
    tmp_path: Path, method: str, path: str, allowed: str
) -> None:
    async with lone_hub(tmp_path) as hub:
        reply = await hub.client.request(method, path)
    assert reply.status_code == 405
    assert reply.headers["allow"] == allowed
    assert errors(reply.json(), ERROR) == []
