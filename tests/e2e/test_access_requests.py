"""Access requests end to end: the demo network as real processes (Rome and Berlin in the EU,
Shanghai in China, the hub), with the demo's real SMTP server. An EU researcher asks for Rome's
and Shanghai's datasets: the nodes' pre-check shows the DUO verdicts and X1 (record-level data
does not leave China; Shanghai is asked at counts instead); Rome's steward approves, Shanghai's
declines in Chinese; the researcher's next query returns records from Rome only; the grant is
revoked and the next query is back to counts within the visa lifetime. Mails reach each party
in their own language."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

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
    paths = DemoPaths(tmp_path_factory.mktemp("access"))
    build_demo(paths, size=SIZE, workers=1, say=lambda _: None)
    access = {"visa_lifetime_seconds": VISA_SECONDS, "sweep_seconds": 0.5}
    with LocalMailServer(paths.root) as mail, Supervisor(paths.root / "run") as supervisor:
        urls = start_side_by_side(supervisor, paths, hub_deadline=30.0, smtp_port=mail.port, access=access)
        yield urls, mail


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
