"""The access desk walks every allowed step of both tables: each writes one audit entry, tells
exactly the party its row names (in the inbox and, through a real SMTP server, by mail), and
the steps a row does not allow are refused without writing anything."""

from __future__ import annotations

import asyncio
import email.message
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pmbridge.access import (
    REQUEST_STEPS,
    RESOURCE_STEPS,
    AccessRequest,
    Language,
    Party,
    Role,
    Step,
    grant_visas,
    parse_draft,
)
from pmbridge.audit import AuditLog, read_audit_log, verify_audit_log
from pmbridge.demo._mail import LocalMailServer
from pmbridge.errors import AccessRequestError, NotAParty, TransitionRefused, UnknownAccessRequest
from pmbridge.hub._access_delivery import Delivery, deliver
from pmbridge.hub._access_desk import AccessDesk, AccessSettings
from pmbridge.hub._access_inbox import inbox, unread
from pmbridge.hub._access_parties import NodeDesk, Steward, Who
from pmbridge.hub._access_steps import Channels
from pmbridge.hub._access_store import AccessStore
from pmbridge.hub._access_sweep import sweep
from pmbridge.hub._delivery_settings import SmtpSettings
from pmbridge.signing import VerifyingKey, generate_key_pair

ISSUER = "https://broker.example"
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
GIULIA = Who(ISSUER, "eu-researcher", "Giulia Rossi")
MARCO = Who(ISSUER, "rome-steward", "Marco Bianchi")
ZHANG = Who(ISSUER, "shanghai-steward", "张敏")
STRANGER = Who(ISSUER, "cn-researcher", "Li Wei")
DESKS = {
    "rome": NodeDesk(
        "rome",
        "Rome",
        "https://rome.example/dac",
        (
            Steward("rome-steward", "Marco Bianchi", "marco@rome.example", Language.EN, ISSUER),
            Steward("rome-deputy", "Sara Conti", "sara@rome.example", Language.EN, ISSUER),
        ),
    ),
    "shanghai": NodeDesk(
        "shanghai",
        "Shanghai",
        "https://shanghai.example/dac",
        (Steward("shanghai-steward", "张敏", "zhang@shanghai.example", Language.ZH, ISSUER),),
    ),
}
EMAILS = {
    "eu-researcher": "giulia@uni-roma.example",
    "rome-steward": "marco@rome.example",
    "rome-deputy": "sara@rome.example",
    "shanghai-steward": "zhang@shanghai.example",
}


def draft_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "Seizure onset in KCNQ2 encephalopathy",
        "abstract": "We compare onset ages.",
        "name": "Giulia Rossi",
        "email": EMAILS["eu-researcher"],
        "language": "en",
        "purpose": {"category": "research", "use": "HMB"},
        "granularity": "record",
        "until": "2027-06-30",
        "datasets": [{"node": "rome", "dataset": "rome-rd"}, {"node": "shanghai", "dataset": "shanghai-rd"}],
    }
    return body | changes


def prechecks(*, send: bool = True) -> dict[str, dict[str, object]]:
    def one(dataset: str, sent: str) -> dict[str, object]:
        return {
            "id": dataset,
            "send": send,
            "granularity": {"requested": "record", "sent": sent if send else None},
            "duo": {"verdict": "APPROVE", "checks": [], "releases": {"duo": "t", "mondo": "not loaded"}},
            "rules": [],
            "summary": "ok" if send else "refused",
        }

    return {"rome/rome-rd": one("rome-rd", "record"), "shanghai/shanghai-rd": one("shanghai-rd", "count")}


@dataclass
class Bench:
    desk: AccessDesk
    audit_path: Path
    mail: LocalMailServer
    delivery: Delivery
    key: VerifyingKey

    def transitions(self) -> list[str]:
        return [
            line.entry.rule
            for line in read_audit_log(self.audit_path)
            if line.entry is not None and line.entry.action == "transition"
        ]

    def notices(self) -> list[tuple[str, str]]:
        with self.desk.store.connect() as con:
            rows = con.execute("SELECT kind, user FROM notifications ORDER BY rowid").fetchall()
        return [(str(k), str(u)) for k, u in rows]

    def deliver(self) -> list[email.message.EmailMessage]:
        async def run() -> None:
            async with httpx.AsyncClient() as client:
                await deliver(self.desk.store, self.delivery, client, now=T0)

        asyncio.run(run())
        return self.mail.messages()


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    key = generate_key_pair()
    with LocalMailServer(tmp_path / "mailroot") as mail, AuditLog(tmp_path / "audit.jsonl", key=key) as audit:
        smtp = SmtpSettings(host="127.0.0.1", port=mail.port, sender="hub@pmbridge.example", starttls=False)
        delivery = Delivery(smtp=smtp, webhooks=(), portal_url="http://portal.example")
        desk = AccessDesk(
            AccessStore(tmp_path / "access.sqlite"),
            audit=audit,
            desks=DESKS,
            channels=Channels(mail=True, hooks=False),
            settings=AccessSettings(),
        )
        yield Bench(desk, tmp_path / "audit.jsonl", mail, delivery, key.verifying_key)


def new_request(desk: AccessDesk, *, send: bool = True) -> AccessRequest:
    draft = parse_draft(draft_body(), today=T0.date())
    created = desk.create(GIULIA, draft, prechecks(send=send), T0)
    return desk.submit(GIULIA, created.id, prechecks(send=send), T0)


def rome(request: AccessRequest) -> str:
    return next(r.id for r in request.resources if r.node == "rome")


STEWARD_ARGS = {
    "reason": "Consent does not cover this use. 同意书不涵盖此用途。",
    "conditions": "Cite the biobank.",
    "until": date(2027, 3, 31),
}

RESOURCE_PATHS: dict[str, list[tuple[str, Who]]] = {
    "submitted": [],
    "under_review": [("acknowledge", MARCO)],
    "returned": [("return", MARCO)],
    "conditions_indicated": [("indicate_conditions", MARCO)],
    "conditions_met": [("indicate_conditions", MARCO), ("accept_conditions", GIULIA)],
    "approved": [("approve", MARCO)],
}
"""How to bring the Rome sub-negotiation to each state a step starts from."""


def walk_to(desk: AccessDesk, source: str) -> AccessRequest:
    request = new_request(desk)
    for event, who in RESOURCE_PATHS[source]:
        needs = next(s.needs for s in RESOURCE_STEPS if s.event == event)
        args = {k: v for k, v in STEWARD_ARGS.items() if k in needs}
        request = desk.step_resource(who, rome(request), event, T0, **args)  # type: ignore[arg-type]
    return request


def expected_users(step: Step) -> list[str]:
    if step.notify is Party.RESEARCHER:
        return ["eu-researcher"]
    return (
        ["rome-steward", "rome-deputy"]
        if step.level == "resource"
        else ["rome-steward", "rome-deputy", "shanghai-steward"]
    )


@pytest.mark.parametrize(
    "step", [s for s in RESOURCE_STEPS if s.actor is not Role.SYSTEM], ids=lambda s: f"{s.source}-{s.event}"
)
def test_every_resource_step_is_one_audit_entry_and_tells_exactly_its_party(bench: Bench, step: Step) -> None:
    request = walk_to(bench.desk, step.source)
    before_audit, before_notes, before_mail = (
        len(bench.transitions()),
        len(bench.notices()),
        len(bench.deliver()),
    )
    who = MARCO if step.actor is Role.STEWARD else GIULIA
    args = {k: v for k, v in STEWARD_ARGS.items() if k in step.needs}
    starts = request.state == "approved" and who is MARCO  # a steward's first step starts the request
    bench.desk.step_resource(who, rome(request), step.event, T0, **args)  # type: ignore[arg-type]
    assert bench.transitions()[before_audit:] == ["request.start"] * starts + [step.kind]
    expected = [(step.kind, user) for user in expected_users(step)] + [
        ("request.start", "eu-researcher")
    ] * starts
    assert Counter(bench.notices()[before_notes:]) == Counter(expected)
    mails = bench.deliver()[before_mail:]
    assert Counter(str(m["To"]).split("<")[-1].rstrip(">") for m in mails) == Counter(
        EMAILS[user] for _, user in expected
    )


@pytest.mark.parametrize(
    "step",
    [s for s in REQUEST_STEPS if s.actor is Role.RESEARCHER and s.source != "draft"],
    ids=lambda s: f"{s.source}-{s.event}",
)
def test_every_request_step_of_the_researcher(bench: Bench, step: Step) -> None:
    request = new_request(bench.desk)
    if step.source in ("in_progress", "paused"):
        request = bench.desk.step_resource(MARCO, rome(request), "acknowledge", T0)
    if step.source == "paused":
        request = bench.desk.step_request(GIULIA, request.id, "pause", T0)
    before_audit, before_notes = len(bench.transitions()), len(bench.notices())
    bench.desk.step_request(GIULIA, request.id, step.event, T0)
    kinds = bench.transitions()[before_audit:]
    withdrawn = kinds.count("resource.withdraw")  # abandoning withdraws every open sub-negotiation first
    assert kinds == ["resource.withdraw"] * withdrawn + [step.kind]
    assert withdrawn == (2 if step.event in ("abandon", "conclude") else 0)
    new = [n for n in bench.notices()[before_notes:] if n[0] == step.kind]
    assert Counter(new) == Counter((step.kind, u) for u in expected_users(step))


def test_submit_approve_start_are_recorded_and_told_once_each(bench: Bench) -> None:
    request = new_request(bench.desk)
    assert bench.transitions() == ["request.submit", "request.approve"]
    assert Counter(bench.notices()) == Counter(
        [("request.submit", "eu-researcher")]
        + [("request.approve", u) for u in ("rome-steward", "rome-deputy", "shanghai-steward")]
    )
    bench.desk.step_resource(MARCO, rome(request), "acknowledge", T0)
    assert bench.transitions()[-2:] == ["request.start", "resource.acknowledge"]
    mails = bench.deliver()
    chinese = [m for m in mails if "zhang@" in str(m["To"])]
    assert chinese and chinese[0]["Content-Language"] == "zh-Hans"
    assert verify_audit_log(bench.audit_path, keys=[bench.key]).ok


def test_a_request_nothing_may_be_sent_for_is_declined_by_the_hub(bench: Bench) -> None:
    request = new_request(bench.desk, send=False)
    assert request.state == "declined"
    assert {r.state for r in request.resources} == {"not_sent"}
    assert bench.transitions() == ["request.submit", "request.decline"]
    assert bench.notices()[-1] == ("request.decline", "eu-researcher")


def test_steps_the_table_does_not_allow_are_refused_and_write_nothing(bench: Bench) -> None:
    request = new_request(bench.desk)
    before = (bench.transitions(), bench.notices())
    with pytest.raises(TransitionRefused, match="researcher cannot approve"):
        bench.desk.step_resource(GIULIA, rome(request), "approve", T0, until=date(2027, 1, 1))
    with pytest.raises(TransitionRefused, match="cannot accept_conditions"):
        bench.desk.step_resource(GIULIA, rome(request), "accept_conditions", T0)
    with pytest.raises(AccessRequestError, match="give reason"):
        bench.desk.step_resource(MARCO, rome(request), "decline", T0)
    with pytest.raises(AccessRequestError, match="later than the researcher asked"):
        bench.desk.step_resource(MARCO, rome(request), "approve", T0, until=date(2028, 1, 1))
    with pytest.raises(NotAParty):
        bench.desk.step_resource(ZHANG, rome(request), "acknowledge", T0)
    with pytest.raises(NotAParty):
        bench.desk.step_request(STRANGER, request.id, "pause", T0)
    with pytest.raises(UnknownAccessRequest):
        bench.desk.request_for(STRANGER, request.id)
    assert (bench.transitions(), bench.notices()) == before


def test_a_steward_sees_only_their_own_nodes_sub_negotiation(bench: Bench) -> None:
    request = new_request(bench.desk)
    seen = bench.desk.request_for(ZHANG, request.id)
    assert [r.node for r in seen.resources] == ["shanghai"]
    bench.desk.post(GIULIA, rome(request), "Ethics approval attached.", T0)
    messages, _, _, _ = bench.desk.thread(ZHANG, seen)
    assert messages == []


def test_a_concluded_request_takes_no_more_decisions_and_closes_what_was_open(bench: Bench) -> None:
    request = new_request(bench.desk)
    request = bench.desk.step_resource(MARCO, rome(request), "acknowledge", T0)
    concluded = bench.desk.step_request(GIULIA, request.id, "conclude", T0)
    assert concluded.state == "concluded" and {r.state for r in concluded.resources} == {"withdrawn"}
    with pytest.raises(TransitionRefused, match="closed"):
        bench.desk.step_resource(MARCO, rome(request), "approve", T0, until=date(2027, 1, 1))
    assert bench.desk.active_grants(ISSUER, "eu-researcher") == []


def test_an_end_date_goes_with_an_approval_only_and_not_in_the_past(bench: Bench) -> None:
    request = new_request(bench.desk)
    with pytest.raises(AccessRequestError, match="goes with an approval"):
        bench.desk.step_resource(MARCO, rome(request), "acknowledge", T0, until=date(2099, 1, 1))
    with pytest.raises(AccessRequestError, match="already ended"):
        bench.desk.step_resource(MARCO, rome(request), "approve", T0, until=date(2026, 1, 1))


def test_only_a_record_level_grant_becomes_a_visa(bench: Bench) -> None:
    request = new_request(bench.desk)
    shanghai = next(r.id for r in request.resources if r.node == "shanghai")  # sent at counts (X1)
    bench.desk.step_resource(ZHANG, shanghai, "approve", T0, until=date(2027, 3, 31))
    (grant,) = bench.desk.active_grants(ISSUER, "eu-researcher")
    assert grant.granularity == "count"
    assert grant_visas([grant], now=T0, lifetime=timedelta(minutes=4)) == []


def test_approval_grants_until_the_date_and_revocation_ends_it(bench: Bench) -> None:
    request = walk_to(bench.desk, "approved")
    (grant,) = bench.desk.active_grants(ISSUER, "eu-researcher")
    assert (grant.dataset, grant.committee, grant.until) == (
        "rome-rd",
        "https://rome.example/dac",
        date(2027, 3, 31),
    )
    bench.desk.step_resource(MARCO, rome(request), "revoke", T0, reason="Consent withdrawn")
    assert bench.desk.active_grants(ISSUER, "eu-researcher") == []
    assert [g.state for g in bench.desk.grants_of(GIULIA)] == ["revoked"]


def test_sweep_reminds_at_7_and_14_days_then_abandons_at_60(bench: Bench) -> None:
    request = new_request(bench.desk)
    for days, reminded in ((6, 0), (7, 2), (8, 0), (14, 2), (30, 0)):
        report = sweep(bench.desk, T0 + timedelta(days=days))
        assert len(report.reminded) == reminded, days
    reminders = [n for n in bench.notices() if n[0] == "reminder"]
    assert Counter(u for _, u in reminders) == Counter(
        {"rome-steward": 2, "rome-deputy": 2, "shanghai-steward": 2}
    )
    report = sweep(bench.desk, T0 + timedelta(days=60))
    assert sorted(report.abandoned) == sorted([*(r.id for r in request.resources), request.id])
    assert bench.transitions()[-3:] == [
        "resource.abandon_idle",
        "resource.abandon_idle",
        "request.abandon_idle",
    ]
    assert bench.desk.request_for(GIULIA, request.id).state == "abandoned"


def test_activity_resets_the_reminder_clock(bench: Bench) -> None:
    request = new_request(bench.desk)
    bench.desk.post(MARCO, rome(request), "Looking at it.", T0 + timedelta(days=6))
    report = sweep(bench.desk, T0 + timedelta(days=8))
    assert report.reminded == [r.id for r in request.resources if r.node == "shanghai"]


def test_a_grant_past_its_end_expires_and_says_so(bench: Bench) -> None:
    walk_to(bench.desk, "approved")
    report = sweep(bench.desk, datetime(2027, 4, 1, 0, 1, tzinfo=UTC))
    assert len(report.expired) == 1
    assert [g.state for g in bench.desk.grants_of(GIULIA)] == ["expired"]


def test_the_inbox_counts_and_renders_in_the_readers_language(bench: Bench) -> None:
    new_request(bench.desk)
    assert unread(bench.desk.store, ISSUER, "shanghai-steward") == 1
    (line,) = inbox(bench.desk.store, ISSUER, "shanghai-steward", lang=Language.ZH)
    assert line["kind"] == "request.approve" and not line["read"]
    assert "Seizure onset in KCNQ2 encephalopathy" in str(line["text"])
