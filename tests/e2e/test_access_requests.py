"""Access requests end to end: the demo network as real processes (Rome and Berlin in the EU,
Shanghai in China, the hub), with the demo's real SMTP server. An EU researcher asks for Rome's
and Shanghai's datasets: the nodes' pre-check shows the DUO verdicts and X1 (record-level data
does not leave China; Shanghai is asked at counts instead); Rome's steward approves, Shanghai's
declines in Chinese; the researcher's next query returns records from Rome only; the grant is
revoked and the next query is back to counts within the visa lifetime. Mails reach each party
in their own language."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pmbridge.demo import DemoPaths, Supervisor, build_demo
from pmbridge.demo._mail import LocalMailServer
from tests.e2e.network import start_side_by_side

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIZE = 300
TIMEOUT = 60.0
VISA_SECONDS = 4.0
LEEWAY_SECONDS = 60  # the demo nodes' passports.leeway_seconds: clocks may differ by this much
DECLINE_ZH = "该数据集的知情同意不包括跨境研究用途。"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], LocalMailServer]]:
    """The demo network, its mail server; the demo's folder is ``urls["root"]``."""
    paths = DemoPaths(tmp_path_factory.mktemp("access"))
    build_demo(paths, size=SIZE, workers=1, say=lambda _: None)
    access = {"visa_lifetime_seconds": VISA_SECONDS, "sweep_seconds": 0.5}
    with LocalMailServer(paths.root) as mail, Supervisor(paths.root / "run") as supervisor:
        urls = start_side_by_side(supervisor, paths, hub_deadline=30.0, smtp_port=mail.port, access=access)
        yield urls | {"root": str(paths.root)}, mail


def token(hub: str, user: str) -> str:
    reply = httpx.post(f"{hub}/api/auth/token", json={"user": user}, timeout=TIMEOUT)
    reply.raise_for_status()
    return str(reply.json()["passport"])


def call(hub: str, method: str, path: str, passport: str, body: object = None) -> dict[str, object]:
    reply = httpx.request(
        method, f"{hub}{path}", json=body, headers={"Authorization": f"Bearer {passport}"}, timeout=TIMEOUT
    )
    assert reply.status_code < 300, reply.text
    found = reply.json()
    assert isinstance(found, dict)
    return found


def granularity_by_node(hub: str, passport: str) -> dict[str, str]:
    """What each node released for the datasets asked for, at record level where allowed: the
    granularity it reports, and ``record`` only when records really came back."""
    body = {
        "query": {"filters": [], "requestedGranularity": "record"},
        "datasets": {"datasetIds": ["rome-rd", "shanghai-rd"]},
    }
    doc = call(hub, "POST", "/api/individuals", passport, body)
    records = {e["info"]["node"]: len(e.get("results") or []) for e in doc["response"]["resultSets"]}  # type: ignore[index]
    shown = {}
    for node in doc["info"]["nodes"]:  # type: ignore[index]
        level = node.get("granularity") or node["status"]
        shown[node["node"]] = "record" if level == "record" and records.get(node["node"]) else str(level)
    return shown


def mails_to(mail: LocalMailServer, address: str) -> list[str]:
    found = []
    for message in mail.messages():
        if address in str(message["To"]):
            body = message.get_body(("plain",))
            found.append(f"{message['Subject']}\n{body.get_content() if body else ''}")
    return found


def wait_for(check: Callable[[], bool], *, seconds: float = 20.0, every: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError("not within the time allowed")


def request_body() -> Mapping[str, object]:
    until = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
    return {
        "title": "Seizure onset in rare epilepsies across Europe and China",
        "abstract": "Onset age and treatment response, at record level where the rules allow.",
        "name": "Giulia Rossi",
        "email": "giulia.rossi@uni-roma.example",
        "language": "en",
        "purpose": {"category": "research", "use": "HMB", "commercial": False},
        "applicant": {"ethicsApproval": "CE-ROMA-2026-114", "organisationType": "non_profit"},
        "granularity": "record",
        "until": until,
        "datasets": [
            {"node": "eu-rome", "dataset": "rome-rd"},
            {"node": "cn-shanghai", "dataset": "shanghai-rd"},
        ],
        "query": {"filters": [{"id": "HP:0001250"}]},
    }


def test_an_eu_researcher_is_granted_rome_declined_by_shanghai_then_revoked(
    network: tuple[dict[str, str], LocalMailServer],
) -> None:
    urls, mail = network
    hub = urls["hub"]
    giulia = token(hub, "eu-researcher")
    assert granularity_by_node(hub, giulia).get("eu-rome") == "count"  # registered access: counts only

    draft = call(hub, "POST", "/api/access/requests", giulia, request_body())
    precheck = draft["request"]["request"]["precheck"]  # type: ignore[index]
    rome, shanghai = precheck["eu-rome/rome-rd"], precheck["cn-shanghai/shanghai-rd"]
    assert rome["send"] and rome["granularity"]["sent"] == "record" and rome["duo"]["verdict"] == "APPROVE"
    x1 = next(r for r in shanghai["rules"] if not r["allowed"])
    assert (
        x1["rule"] in ("X1", "X3") and x1["instead"] == "count" and shanghai["granularity"]["sent"] == "count"
    )
    assert shanghai["duo"]["verdict"] == "APPROVE"  # HMB + IRB: the ethics approval was given
    assert shanghai["duo"]["releases"]["duo"] != "unknown"

    request_id = str(draft["request"]["id"])  # type: ignore[index]
    submitted = call(hub, "POST", f"/api/access/requests/{request_id}/steps", giulia, {"event": "submit"})
    assert submitted["request"]["state"] == "approved"  # type: ignore[index]
    resources = {r["node"]: r["id"] for r in submitted["request"]["resources"]}  # type: ignore[index]

    marco, zhang = token(hub, "rome-steward"), token(hub, "shanghai-steward")
    queue = call(hub, "GET", "/api/access/requests?steward=true", zhang)
    assert [r["id"] for r in queue["requests"]] == [request_id]  # type: ignore[index]
    assert [r["node"] for r in queue["requests"][0]["resources"]] == ["cn-shanghai"]  # type: ignore[index]
    until = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    call(
        hub,
        "POST",
        f"/api/access/resources/{resources['eu-rome']}/steps",
        marco,
        {"event": "approve", "until": until},
    )
    call(
        hub,
        "POST",
        f"/api/access/resources/{resources['cn-shanghai']}/steps",
        zhang,
        {"event": "decline", "reason": DECLINE_ZH},
    )

    giulia = token(hub, "eu-researcher")  # the broker mints the grant's visa into the new passport
    shown = granularity_by_node(hub, giulia)
    assert shown["eu-rome"] == "record" and shown.get("cn-shanghai") != "record"

    call(
        hub,
        "POST",
        f"/api/access/resources/{resources['eu-rome']}/steps",
        marco,
        {"event": "revoke", "reason": "Consent scope under review"},
    )
    assert call(hub, "GET", "/api/access/grants", giulia)["grants"][0]["state"] == "revoked"  # type: ignore[index]
    # a passport minted before the revocation stops working when its grant visa expires (+ leeway)
    wait_for(
        lambda: granularity_by_node(hub, giulia).get("eu-rome") == "count",
        seconds=VISA_SECONDS + LEEWAY_SECONDS + 15,
        every=2.0,
    )
    assert granularity_by_node(hub, token(hub, "eu-researcher")).get("eu-rome") == "count"

    wait_for(lambda: any(DECLINE_ZH in m for m in mails_to(mail, "giulia.rossi@uni-roma.example")))
    chinese = mails_to(mail, "zhang.min@shanghai-rdb.example")
    assert chinese and any("访问申请" in m or "申请" in m for m in chinese)
    inbox = call(hub, "GET", "/api/access/inbox", giulia)
    kinds = [n["kind"] for n in inbox["notifications"]]  # type: ignore[index]
    assert {"resource.approve", "resource.decline", "resource.revoke", "request.submit"} <= set(kinds)
    assert inbox["unread"] == len(kinds)


def test_the_walk_in_the_portal_from_a_cohort_to_a_grant_and_back(
    network: tuple[dict[str, str], LocalMailServer],
) -> None:
    """In Chromium: Giulia finds a cohort in the explorer, asks for Rome's and Shanghai's datasets
    from it, reads the pre-check, submits; Rome's steward approves in English, Shanghai's declines
    in Chinese; Giulia's inbox counts the news and her account shows the grant's visa; revoked,
    the visa is gone on her next page."""
    from playwright.sync_api import Browser, Page, expect, sync_playwright

    from tests.browser import ARGS, CHROMIUM, require_chromium

    require_chromium()
    urls, mail = network
    hub = urls["hub"]
    title = "Onset of seizures: a two-continent cohort"

    def sign_in(browser: Browser, name: str, lang: str) -> Page:
        page = browser.new_context(base_url=hub, locale="zh-CN" if lang == "zh" else "en-GB").new_page()
        page.set_default_timeout(60_000)
        page.goto(f"/account?lang={lang}")
        page.get_by_label(name).check()
        page.locator("form[action='/account/sign-in'] button[type=submit]").click()
        return page

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            giulia = sign_in(browser, "Giulia Rossi", "en")
            giulia.goto("/explore?lang=en&hpo=HP:0001250&run=1")
            giulia.locator("a[data-request-access]").first.click()
            expect(giulia.get_by_role("heading", name="New access request")).to_be_visible()
            giulia.get_by_label("Title", exact=True).fill(title)
            giulia.get_by_label("Abstract", exact=True).fill(
                "Onset age by gene; record level where the rules allow."
            )
            giulia.get_by_label("Your name", exact=True).fill("Giulia Rossi")
            giulia.get_by_label("E-mail", exact=True).fill("giulia.rossi@uni-roma.example")
            giulia.get_by_label("Ethics approval reference", exact=True).fill("CE-ROMA-2026-201")
            giulia.get_by_label("Data use (DUO)", exact=True).select_option("HMB")
            giulia.get_by_label("Granularity", exact=True).select_option("record")
            until = (datetime.now(UTC) + timedelta(days=120)).date().isoformat()
            giulia.get_by_label("Access until", exact=True).fill(until)
            for box in giulia.locator("input[name=datasets]").all():
                value = box.get_attribute("value") or ""
                box.set_checked(value in ("eu-rome:rome-rd", "cn-shanghai:shanghai-rd"))
            giulia.get_by_role("button", name="Save the draft").click()
            expect(
                giulia.locator("[data-precheck='eu-rome/rome-rd'] tr[data-verdict='APPROVE']")
            ).to_be_visible()
            shanghai = giulia.locator("[data-precheck='cn-shanghai/shanghai-rd']")
            expect(shanghai.locator("[data-instead='count']")).to_be_visible()  # X1: counts, not records
            expect(shanghai.locator("tr[data-allowed='no']")).to_have_count(1)
            giulia.locator("button[data-step='submit']").click()
            expect(giulia.locator("[data-header] [data-state='approved']")).to_be_visible()
            request_path = giulia.url.removeprefix(hub)

            marco = sign_in(browser, "Marco Bianchi", "en")
            marco.goto("/steward?lang=en")
            marco.get_by_role("link", name=title).first.click()
            rome_card = marco.locator("article[data-resource]").filter(has_text="rome-rd")
            rome_card.locator("[data-step-form='approve'] button").click()
            expect(marco.locator("article[data-resource] [data-state='approved']")).to_be_visible()

            zhang = sign_in(browser, "张敏 Zhang Min", "zh")
            zhang.goto(f"{request_path}?lang=zh")
            expect(zhang.locator("html")).to_have_attribute("lang", re.compile("zh"))
            card = zhang.locator("article[data-resource]")
            expect(card).to_have_count(1)  # Shanghai's steward sees Shanghai's dataset only
            card.locator("[data-step-form='decline'] input[name=reason]").fill(DECLINE_ZH)
            card.locator("[data-step-form='decline'] button").click()
            expect(zhang.locator("article[data-resource] [data-state='declined']")).to_be_visible()

            giulia.goto(f"{request_path}?lang=en")
            expect(giulia.get_by_text(DECLINE_ZH).first).to_be_visible()  # the reason as written
            expect(giulia.locator("[data-grant='active']")).to_have_count(1)
            expect(giulia.locator("[data-unread]").first).to_be_visible()
            giulia.goto("/account?lang=en")
            expect(giulia.get_by_text("rome-rd").first).to_be_visible()

            marco.goto(f"{request_path}?lang=en")
            marco.locator("[data-step-form='revoke'] input[name=reason]").fill("Consent scope under review")
            marco.locator("[data-step-form='revoke'] button").click()
            giulia.goto(f"{request_path}?lang=en")
            expect(giulia.locator("[data-grant='revoked']")).to_have_count(1)
            giulia.goto("/account?lang=en")
            expect(giulia.locator("main")).not_to_contain_text("ControlledAccessGrants")
        finally:
            browser.close()
    wait_for(lambda: any(title in m for m in mails_to(mail, "zhang.min@shanghai-rdb.example")))


def test_a_contact_about_a_matched_patient_is_a_conversation_and_reaches_the_nodes_inbox(
    network: tuple[dict[str, str], LocalMailServer],
) -> None:
    urls, _ = network
    hub = urls["hub"]
    # match ids leave a node only to a researcher its dataset grants records: the demo's grant holder
    giulia = token(hub, "controlled-researcher")
    matches = call(hub, "POST", "/api/match", giulia, {"phenotypes": ["HP:0001250", "HP:0001263"]})
    best = next(m for m in matches["matches"] if m.get("matchId"))  # type: ignore[union-attr]
    until = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    body = {
        "kind": "contact",
        "title": "A patient like ours",
        "abstract": "Our patient shares these features; could we compare notes?",
        "name": "Anna Schmidt",
        "email": "anna.schmidt@charite.example",
        "purpose": {"category": "research", "use": "HMB"},
        "until": until,
        "datasets": [{"node": best["node"], "dataset": best["dataset"]}],
        "matches": [best["matchId"]],
    }
    draft = call(hub, "POST", "/api/access/requests", giulia, body)
    request_id = str(draft["request"]["id"])  # type: ignore[index]
    sent = call(hub, "POST", f"/api/access/requests/{request_id}/steps", giulia, {"event": "submit"})
    (resource,) = sent["request"]["resources"]  # type: ignore[index]
    steward = {"eu-rome": "rome-steward", "eu-berlin": "berlin-steward", "cn-shanghai": "shanghai-steward"}[
        best["node"]
    ]
    answer = "Yes — write to me and we will set up a call."
    call(
        hub, "POST", f"/api/access/resources/{resource['id']}/messages", token(hub, steward), {"text": answer}
    )
    thread = call(hub, "GET", f"/api/access/requests/{request_id}", giulia)
    assert [m["text"] for m in thread["messages"]] == [answer]  # type: ignore[index]
    config = Path(urls["root"]) / best["node"] / "node.toml"
    listed = subprocess.run(
        [sys.executable, "-m", "pmbridge", "node", "contacts", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    assert any(e["match_id"] == best["matchId"] and e["researcher_email"] == body["email"] for e in entries)
