"""The access-request pages: the form to a draft, the request page for researcher and steward,
the inbox and its count in the header, the steward's queue, in both languages."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.portal.forms import post_account_form

pytestmark = pytest.mark.anyio

ROME = "eu-rome:rome-rd"
GRANT_VISA = '<th scope="row">ControlledAccessGrants</th><td><code>rome-rd</code>'
PDF = b"%PDF-1.4\n%test\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found is not None, "the page has no form token"
    return found.group(1)


async def sign_in(portal: httpx.AsyncClient, user: str) -> None:
    signed = await post_account_form(portal, "/account/sign-in", user=user)
    assert signed.status_code == 303


def draft_fields(token: str, **changes: str) -> dict[str, object]:
    return {
        "token": token,
        "kind": "access",
        "title": "Seizures across Europe",
        "abstract": "研究癫痫的队列 — written as is.",
        "name": "Giulia Rossi",
        "email": "giulia@uni-roma.example",
        "language": "en",
        "category": "research",
        "use": "HMB",
        "commercial": "no",
        "institution": "uni-roma",
        "organisation": "non_profit",
        "ethics": "CE-2026-114",
        "commitments": ["PUB"],
        "granularity": "record",
        "team": "Giulia Rossi\nLuca Bianchi",
        "until": "2027-06-30",
        "datasets": [ROME],
        "filters": ["HP:0001250"],
        **changes,
    }


async def new_draft(portal: httpx.AsyncClient) -> str:
    form = await portal.get("/requests/new", params={"dataset": ROME, "filters": "HP:0001250", "lang": "en"})
    made = await portal.post("/requests/new", data=draft_fields(token_of(form.text)))
    assert made.status_code == 303, made.text[:2000]
    location = made.headers["location"]
    assert re.fullmatch(r"/requests/[\w-]+", location)
    return location


async def test_the_pages_ask_a_visitor_to_sign_in(portal: httpx.AsyncClient) -> None:
    for path in ("/requests", "/inbox", "/steward"):
        for lang, words in (("en", "Sign in to see"), ("zh", "登录")):
            page = await portal.get(path, params={"lang": lang})
            assert page.status_code == 200 and words in page.text, path
    assert "data-inbox" not in (await portal.get("/network")).text


async def test_the_form_is_prefilled_from_its_link_in_both_languages(portal: httpx.AsyncClient) -> None:
    await sign_in(portal, "eu-researcher")
    page = (
        await portal.get("/requests/new", params={"dataset": ROME, "filters": "HP:0001250", "lang": "zh"})
    ).text
    assert "<h1>新的访问申请</h1>" in page
    assert re.search(rf'name="datasets" value="{ROME}" checked', page)
    assert 'name="filters" value="HP:0001250"' in page
    assert '<option value="zh" selected' in page  # the mail language follows the page's
    contact = (
        await portal.get(
            "/requests/new",
            params={"kind": "contact", "match": "m-1", "node": "eu-rome", "dataset": "rome-rd", "lang": "en"},
        )
    ).text
    assert "<h1>Contact a steward</h1>" in contact and 'name="matches" value="m-1"' in contact
    assert re.search(rf'name="datasets" value="{ROME}" checked', contact)
    assert '<option value="HMB" selected' in contact and 'id="ethics"' not in contact


async def test_a_draft_is_made_and_shown_and_a_stale_form_is_refused(portal: httpx.AsyncClient) -> None:
    await sign_in(portal, "eu-researcher")
    stale = await portal.post("/requests/new", data=draft_fields("not-the-token"))
    assert stale.status_code == 403 and "Seizures across Europe" in stale.text  # the fields are kept
    refused = await portal.post(
        "/requests/new", data=draft_fields(token_of((await portal.get("/requests/new")).text), email="nope")
    )
    assert refused.status_code == 400 and "data-problem" in refused.text and 'value="nope"' in refused.text

    location = await new_draft(portal)
    for lang, state in (("en", "draft"), ("zh", "草稿")):
        page = await portal.get(location, params={"lang": lang})
        assert page.status_code == 200
        assert "Seizures across Europe" in page.text and f'data-state="draft">{state}<' in page.text
        assert 'data-precheck="eu-rome/rome-rd"' in page.text
        assert 'data-step="submit"' in page.text and 'data-step="approve"' not in page.text
    listed = (await portal.get("/requests", params={"lang": "en"})).text
    assert location in listed and "New request" in listed


async def test_a_steward_decides_and_the_researcher_sees_it(portal: httpx.AsyncClient) -> None:
    await sign_in(portal, "eu-researcher")
    location = await new_draft(portal)
    page = (await portal.get(location)).text
    submitted = await portal.post(f"{location}/steps", data={"token": token_of(page), "event": "submit"})
    assert submitted.status_code == 303
    researcher_view = (await portal.get(location, params={"lang": "en"})).text
    assert 'data-step="approve"' not in researcher_view and 'data-step="withdraw"' in researcher_view

    await sign_in(portal, "rome-steward")
    header = (await portal.get("/network", params={"lang": "en"})).text
    assert "data-unread=" in header and "data-steward-link" in header  # the inbox count, the queue
    queue = (await portal.get("/steward", params={"lang": "zh"})).text
    assert location in queue and 'data-group="waiting"' in queue
    steward_view = (await portal.get(location, params={"lang": "en"})).text
    assert 'data-role="steward"' in steward_view and 'data-step="approve"' in steward_view
    resource = re.search(r'data-resource="([\w-]+)"', steward_view)
    assert resource is not None
    base = f"{location}/resources/{resource.group(1)}"
    said = await portal.post(
        f"{base}/messages", data={"token": token_of(steward_view), "text": "请补充伦理批件"}
    )
    assert said.status_code == 303
    approved = await portal.post(
        f"{base}/steps", data={"token": token_of(steward_view), "event": "approve", "until": "2027-06-30"}
    )
    assert approved.status_code == 303, approved.text[:2000]
    inbox = (await portal.get("/inbox", params={"lang": "zh"})).text
    assert "<h1>收件箱</h1>" in inbox and "data-notification" in inbox

    await sign_in(portal, "eu-researcher")
    seen = (await portal.get(location, params={"lang": "en"})).text
    assert 'data-grant="active"' in seen and "请补充伦理批件" in seen and "Marco Bianchi" in seen
    assert GRANT_VISA in (await portal.get("/account")).text  # minted into the session's passport

    await sign_in(portal, "rome-steward")
    view = (await portal.get(location)).text
    revoked = await portal.post(
        f"{base}/steps", data={"token": token_of(view), "event": "revoke", "reason": "ethics lapsed"}
    )
    assert revoked.status_code == 303, revoked.text[:2000]
    await sign_in(portal, "eu-researcher")
    assert 'data-grant="revoked"' in (await portal.get(location)).text
    assert GRANT_VISA not in (await portal.get("/account")).text  # gone on the very next page
    header = (await portal.get("/inbox", params={"lang": "en"})).text
    assert "data-unread=" in header
    read = await portal.post("/inbox/read", data={"token": token_of(header)})
    assert read.status_code == 303
    assert "data-unread=" not in (await portal.get("/inbox")).text


async def submitted_resource(portal: httpx.AsyncClient) -> tuple[str, str, str]:
    """A submitted request of eu-researcher: its page, the page's HTML and its one resource's path."""
    await sign_in(portal, "eu-researcher")
    location = await new_draft(portal)
    page = (await portal.get(location)).text
    assert (
        await portal.post(f"{location}/steps", data={"token": token_of(page), "event": "submit"})
    ).is_redirect
    page = (await portal.get(location, params={"lang": "en"})).text
    resource = re.search(r'data-resource="([\w-]+)"', page)
    assert resource is not None
    return location, page, f"{location}/resources/{resource.group(1)}"


async def test_an_attachment_is_uploaded_and_listed(portal: httpx.AsyncClient) -> None:
    location, page, base = await submitted_resource(portal)
    empty = await portal.post(
        f"{base}/attachments", data={"token": token_of(page)}, files={"file": ("a.txt", b"", "text/plain")}
    )
    assert empty.status_code == 400 and "at most 5 MiB" in empty.text
    uploaded = await portal.post(
        f"{base}/attachments",
        data={"token": token_of(page)},
        files={"file": ("ethics.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 303, uploaded.text[:2000]
    seen = (await portal.get(location, params={"lang": "zh"})).text
    assert re.search(r'href="/requests/attachments/[\w-]+" download>ethics.pdf<', seen)


async def test_an_attachment_downloads_as_a_file(portal: httpx.AsyncClient) -> None:
    location, page, base = await submitted_resource(portal)
    await portal.post(
        f"{base}/attachments",
        data={"token": token_of(page)},
        files={"file": ("ethics.pdf", PDF, "application/pdf")},
    )
    link = re.search(r'href="(/requests/attachments/[\w-]+)"', (await portal.get(location)).text)
    assert link is not None
    got = await portal.get(link.group(1))
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")
