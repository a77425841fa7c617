"""Cross-site request forgery: the portal's forms carry the browser's token and must come from this
site. A post without the token, with another browser's token, or that a browser says came from
another site changes nothing and says so in the page's language; sign-ins are rate limited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from pmbridge.beacon import PublicApi
from pmbridge.hub._rate_limits import Rate
from pmbridge.hub._request_limits import RateLimitSettings, install_request_limits
from pmbridge.portal._forms import FORM_COOKIE, from_this_site
from pmbridge.portal._sessions import SESSION_COOKIE
from tests.hub.lone_hub import lone_hub
from tests.portal.forms import account_token

pytestmark = pytest.mark.anyio

STALE = {
    "en": "This form has expired or did not come from this site, so nothing was changed.",
    "zh": "此表单已过期或并非来自本站，因此未做任何更改。",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "forged",
    [
        {},  # a page of another site cannot read the token
        {"token": "forged-token"},
        {"headers": {"origin": "https://evil.example"}},
        {"headers": {"sec-fetch-site": "cross-site"}},
        {"headers": {"sec-fetch-site": "same-site"}},  # a sibling subdomain is another site too
        {"headers": {"origin": "null"}},
        {"other_browser": True},
    ],
)
async def test_a_forged_sign_in_signs_nobody_in_and_says_why_in_both_languages(
    tmp_path: Path, forged: dict[str, object], lang: str
) -> None:
    async with lone_hub(tmp_path) as hub:
        token = await account_token(hub.client)
        if forged.get("other_browser"):
            hub.client.cookies.delete(FORM_COOKIE)
            await account_token(hub.client)  # a new form id: the old token is not this browser's
        data = {"user": "eu-researcher", "token": str(forged.get("token", token))}
        if forged == {}:
            data.pop("token")
        headers = forged.get("headers", {})
        reply = await hub.client.post(
            f"/account/sign-in?lang={lang}",
            data=data,
            headers=headers,  # type: ignore[arg-type]
        )
    assert reply.status_code == 403
    assert SESSION_COOKIE not in reply.cookies
    assert STALE[lang] in reply.text


async def test_the_own_pages_form_signs_in_and_out(tmp_path: Path) -> None:
    async with lone_hub(tmp_path) as hub:
        token = await account_token(hub.client)
        same = {"origin": "http://hub", "sec-fetch-site": "same-origin"}
        signed = await hub.client.post(
            "/account/sign-in", data={"user": "eu-researcher", "token": token}, headers=same
        )
        assert signed.status_code == 303 and SESSION_COOKIE in hub.client.cookies
        forged_out = await hub.client.post("/account/sign-out", headers={"origin": "https://evil.example"})
        still = await hub.client.get("/account", params={"lang": "en"})
        out = await hub.client.post("/account/sign-out", data={"token": token}, headers=same)
    assert forged_out.status_code == 403 and "<h1>Your account</h1>" in still.text
    assert out.status_code == 303


async def test_the_form_cookie_is_httponly_and_strict(tmp_path: Path) -> None:
    async with lone_hub(tmp_path) as hub:
        page = await hub.client.get("/account")
        again = await hub.client.get("/account")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{FORM_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "set-cookie" not in again.headers  # kept, not renewed
    assert re.findall(r'name="token" value="([^"]+)"', page.text) == re.findall(
        r'name="token" value="([^"]+)"', again.text
    )


async def test_the_sign_in_form_is_rate_limited_per_browser_address(tmp_path: Path) -> None:
    async with lone_hub(tmp_path) as hub:
        install_request_limits(
            hub.app,
            RateLimitSettings(sign_in=Rate(burst=2, per_minute=1)),
            api=PublicApi(),
            clock=lambda: 0.0,
        )
        token = await account_token(hub.client)
        tries = [
            await hub.client.post("/account/sign-in?lang=zh", data={"user": "cn-researcher", "token": token})
            for _ in range(3)
        ]
    assert [t.status_code for t in tries] == [303, 303, 429]
    assert tries[-1].headers["retry-after"] == "60"
    assert "未能登录：" in tries[-1].text and "too many sign-in attempts" in tries[-1].text


def request_with(headers: dict[str, str], *, url: str = "http://hub/account/sign-in") -> Request:
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    raw = [(k.encode(), v.encode()) for k, v in {"host": host, **headers}.items()]
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": scheme,
        "path": "/" + path,
        "headers": raw,
        "query_string": b"",
        "server": (host, 80),
        "root_path": "",
    }
    return Request(scope)


@given(
    st.sampled_from(["cross-site", "same-site", "same-origin", "none", None]),
    st.sampled_from(["http://hub", "http://HUB/", "https://hub", "https://evil.example", "null", None]),
)
def test_a_browser_saying_another_site_sent_it_is_refused(fetched: str | None, origin: str | None) -> None:
    headers = {}
    if fetched is not None:
        headers["sec-fetch-site"] = fetched
    if origin is not None:
        headers["origin"] = origin
    allowed = fetched in ("same-origin", "none", None) and origin in ("http://hub", "http://HUB/", None)
    assert from_this_site(request_with(headers), api=PublicApi()) is allowed


def test_behind_a_proxy_the_public_origin_is_this_site() -> None:
    api = PublicApi(public_url="https://portal.example.org/pmb")
    assert from_this_site(request_with({"origin": "https://portal.example.org"}), api=api)
