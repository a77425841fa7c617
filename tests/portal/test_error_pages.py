"""A browser that meets an error on a portal page gets a page in its language saying what happened,
what to do and the code, with the status kept; the API and non-browser clients keep the Beacon JSON."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from pmbridge.beacon import ERROR_PAGE_STATE, install_error_handlers
from pmbridge.errors import PassportRejected, PolicyRefused, UpstreamError
from pmbridge.portal._error_pages import ErrorPages
from pmbridge.portal._render import Renderer
from pmbridge.portal._sessions import SessionStore
from tests.beacon_schemas import ERROR, errors

pytestmark = pytest.mark.anyio

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_an_unknown_page_is_a_translated_404_page(portal: httpx.AsyncClient) -> None:
    zh = await portal.get("/no-such-page", params={"lang": "zh"}, headers=HTML)
    assert zh.status_code == 404 and zh.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-Hans">' in zh.text and "找不到页面" in zh.text and "此网址下没有页面。" in zh.text
    assert "错误代码：not_found（HTTP 404）" in zh.text and 'href="/network"' in zh.text
    en = await portal.get("/no-such-page", params={"lang": "en"}, headers=HTML)
    assert "Page not found" in en.text and "Error code: not_found (HTTP 404)" in en.text


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/no-such-page", {"accept": "application/json"}), ("/no-such-page", {}), ("/api/no-such-thing", HTML)],
)
async def test_the_api_and_other_clients_keep_the_beacon_json(
    portal: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    reply = await portal.get(path, headers=headers)
    assert reply.status_code == 404 and reply.headers["content-type"] == "application/json"
    assert errors(reply.json(), ERROR) == [] and reply.json()["error"]["code"] == "not_found"


def failing_app() -> FastAPI:
    """An app with the portal's error pages whose routes refuse, fail upstream, or crash."""
    app = FastAPI()
    install_error_handlers(app, beacon_id="test")
    setattr(app.state, ERROR_PAGE_STATE, ErrorPages(Renderer(site_name="Test", sessions=SessionStore())))

    @app.get("/refused")
    async def refused() -> None:
        raise PolicyRefused("X4", "genetic-derived output needs a human genetic resources filing")

    @app.get("/signed-out")
    async def signed_out() -> None:
        raise PassportRejected("expired", "exp is in the past")

    @app.get("/upstream")
    async def upstream() -> None:
        raise UpstreamError("no node answered, so there is no answer (eu: down)")

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    return app


@pytest.mark.parametrize(
    ("path", "status", "code", "english", "chinese"),
    [
        ("/refused", 403, "policy_refused", "Remove the gene filter", "已被拒绝"),
        ("/signed-out", 401, "passport_rejected", "Your sign-in was not accepted (expired)", "需要登录"),
        ("/upstream", 502, "upstream_error", "The network did not answer", "网络没有答复"),
        ("/crash", 500, "internal_error", "Something went wrong", "出错了"),
    ],
)
async def test_refused_and_failed_pages_say_what_happened_with_the_code(
    path: str, status: int, code: str, english: str, chinese: str
) -> None:
    transport = httpx.ASGITransport(app=failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
        en = await client.get(path, params={"lang": "en"}, headers=HTML)
        zh = await client.get(path, params={"lang": "zh"}, headers=HTML)
        api = await client.get(path, headers={"accept": "application/json"})
    assert en.status_code == zh.status_code == api.status_code == status
    assert english in en.text and f"Error code: {code} (HTTP {status})" in en.text
    assert chinese in zh.text and f"错误代码：{code}（HTTP {status}）" in zh.text
    assert "a bug" not in en.text  # a crash's details stay in the log
    assert api.json()["error"]["code"] == code
