"""Signing in with a demo user, the passport's visas and budget, and the patient match page."""

from __future__ import annotations

import re

import httpx
import pytest

from pmbridge.portal._sessions import SESSION_COOKIE
from tests.portal.forms import post_account_form
from tests.portal.network import ARACHNODACTYLY, SEIZURE

pytestmark = pytest.mark.anyio


def suppressed_title(html: str, node: str) -> str:
    """The explanation on the suppressed count of ``node``'s row in the explorer."""
    row = html[html.index(f'<tr data-node="{node}"') :]
    found = re.search(r'data-how="suppressed" data-kind="\w+" title="([^"]+)"', row[: row.index("</tr>")])
    assert found is not None, row[:800]
    return found.group(1)


async def test_a_visitor_sees_the_demo_users_and_the_anonymous_budget(portal: httpx.AsyncClient) -> None:
    page = (await portal.get("/account", params={"lang": "zh"})).text
    assert "<h1>登录</h1>" in page
    assert re.findall(r'name="user" id="user-([\w-]+)"', page) == [
        "eu-researcher",
        "cn-researcher",
        "controlled-researcher",
        "kb-steward",
        "rome-steward",
        "berlin-steward",
        "shanghai-steward",
        "anonymous",
    ]
    assert "Giulia Rossi" in page and "意大利" in page
    assert (
        "data-public" in page and "公开访问没有隐私预算" in page
    )  # visitors share no budget: none is charged


async def test_signing_in_keeps_the_passport_and_the_hub_answers_as_that_researcher(
    portal: httpx.AsyncClient,
) -> None:
    anonymous = (await portal.get("/explore", params={"hpo": ARACHNODACTYLY, "run": "1"})).text
    assert "Fewer than 11 people" in suppressed_title(anonymous, "eu-rome")  # abroad: unknown country

    signed = await post_account_form(portal, "/account/sign-in", user="eu-researcher")
    assert signed.status_code == 303 and signed.headers["location"] == "/account"
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert len(cookie) < 300  # an opaque id: the passport itself stays on the server

    account = (await portal.get("/account", params={"lang": "en"})).text
    assert "<h1>Your account</h1>" in account
    assert 'data-level="registered"' in account and "Italy" in account
    assert "AffiliationAndRole" in account and "AcceptedTermsAndPolicies" in account
    assert ">Account</a>" in account  # the header says who is signed in
    at_home = (await portal.get("/explore", params={"hpo": ARACHNODACTYLY, "run": "1"})).text
    assert "Fewer than 5 people" in suppressed_title(at_home, "eu-rome")  # same jurisdiction: k = 5

    out = await post_account_form(portal, "/account/sign-out")
    assert out.status_code == 303 and f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    portal.cookies.set(SESSION_COOKIE, signed.cookies[SESSION_COOKIE])  # replaying the old id
    assert "<h1>Sign in</h1>" in (await portal.get("/account", params={"lang": "en"})).text


async def test_an_unknown_session_is_nobody_signed_in(portal: httpx.AsyncClient) -> None:
    portal.cookies.set(SESSION_COOKIE, "made-up")
    page = (await portal.get("/account", params={"lang": "en"})).text
    assert "<h1>Sign in</h1>" in page and ">Sign in</a>" in page


async def test_the_match_page_ranks_diagnoses_and_finds_patients(portal: httpx.AsyncClient) -> None:
    empty = await portal.get("/match", params={"run": "1"})
    assert empty.status_code == 400 and "Choose at least one phenotype." in empty.text
    page = (await portal.get("/match", params={"hpo": ["Arachnodactyly", SEIZURE], "run": "1"})).text
    assert re.findall(r'<li class="chip" data-term="([^"]+)"', page) == [ARACHNODACTYLY, SEIZURE]
    diseases = re.findall(r'<tr data-disease="([^"]+)"', page)
    assert len(diseases) == 10 and all(d.startswith("OMIM:") for d in diseases)
    assert "Similar patients in the network" in page
    assert 'data-table="bands"' in page or 'data-table="patients"' in page
    chinese = (
        await portal.get("/match", params={"hpo": [ARACHNODACTYLY, SEIZURE], "run": "1", "lang": "zh"})
    ).text
    assert (
        "诊断排序" in chinese and '<abbr class="fallback"' in chinese
    )  # disease names exist in English only
