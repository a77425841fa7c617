"""Notification wording: every kind reads naturally in English and Chinese, user text appears as
written, and the webhook payload tells an endpoint no more than routing needs."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.access._mail import _TEMPLATES, absolute_link, render_mail, render_title
from pmbridge.access._notifications import (
    NOTIFICATION_KINDS,
    Language,
    Notification,
    Recipient,
    notification_payload,
)
from pmbridge.errors import InternalError

PORTAL = "https://pm.example.org/portal/"
TITLE = "Ataxia {cohort} — 共济失调队列 “SCA3” 100%"
PARAMS = {
    "node": "rome",
    "dataset": "rome-rd",
    "actor": "eu-researcher",
    "state": "APPROVED",
    "until": "2027-06-30",
    "days": "30",
}


def note(kind: str, lang: Language, *, title: str = TITLE, **params: str) -> Notification:
    who = Recipient(
        "rome-steward", "Dr Rossi" if lang is Language.EN else "王医生", "rossi@example.org", lang
    )
    return Notification(
        id="nt-0001",
        recipient=who,
        kind=kind,
        request_id="ar-0001",
        resource_id=None if kind.startswith("request.") else "rs-0001",
        title=title,
        params={**PARAMS, **params},
        link="/requests/ar-0001",
        created=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
    )


def test_every_kind_has_both_languages_and_nothing_else() -> None:
    assert set(_TEMPLATES) == NOTIFICATION_KINDS
    assert all(set(wordings) == set(Language) for wordings in _TEMPLATES.values())


def test_the_contract_kinds() -> None:
    assert len(NOTIFICATION_KINDS) == 22
    assert {
        "request.abandon_idle",
        "resource.indicate_conditions",
        "message",
        "reminder",
    } <= NOTIFICATION_KINDS


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("kind", sorted(NOTIFICATION_KINDS))
def test_every_kind_renders(kind: str, lang: Language) -> None:
    subject, body = render_mail(note(kind, lang), portal_url=PORTAL)
    assert TITLE in subject
    assert TITLE in body
    assert "https://pm.example.org/portal/requests/ar-0001" in body
    assert "\n" not in subject
    assert "—" not in body.split("\n\n")[1].replace(TITLE, ""), "a parameter the template wants was unset"
    assert "{" not in body.replace(TITLE, ""), "a placeholder was left unfilled"
    own_words = subject.replace(TITLE, "") + body.replace(TITLE, "")
    chinese = any("\u4e00" <= char <= "\u9fff" for char in own_words)
    if lang is Language.ZH:
        assert body.startswith("王医生，您好：")
        assert chinese
    else:
        assert body.startswith("Dear Dr Rossi,")
        assert not chinese


def test_the_languages_differ_for_every_kind() -> None:
    for kind in NOTIFICATION_KINDS:
        english = render_mail(note(kind, Language.EN), portal_url=PORTAL)
        chinese = render_mail(note(kind, Language.ZH), portal_url=PORTAL)
        assert english[0] != chinese[0] and english[1] != chinese[1], kind


@pytest.mark.parametrize("lang", list(Language))
def test_reason_and_conditions_appear_as_written(lang: Language) -> None:
    reason = "Ethics approval {CE-2026} is missing.\nPlease attach it — 请附上伦理批件。"
    conditions = "Publish within 12 months; cite the cohort as {rome-rd}."
    _, returned = render_mail(note("resource.return", lang, reason=reason), portal_url=PORTAL)
    _, conditional = render_mail(
        note("resource.indicate_conditions", lang, conditions=conditions), portal_url=PORTAL
    )
    assert reason in returned
    assert conditions in conditional
    assert ("Reason:" if lang is Language.EN else "理由：") in returned


def test_the_specific_words() -> None:
    subject, body = render_mail(note("resource.approve", Language.EN), portal_url=PORTAL)
    assert subject == f"[PM Bridge] Access granted: rome-rd at rome — “{TITLE}”"
    assert "until 2027-06-30" in body
    _, chinese = render_mail(note("resource.approve", Language.ZH), portal_url=PORTAL)
    assert "节点 rome 的数据集 rome-rd" in chinese and "有效期至 2027-06-30" in chinese
    _, one_day = render_mail(note("reminder", Language.EN, days="1"), portal_url=PORTAL)
    assert "for 1 day." in one_day


def test_a_missing_parameter_reads_as_a_dash() -> None:
    bare = Notification(
        "nt-2",
        Recipient("u", "U", None, Language.EN),
        "resource.approve",
        "ar-1",
        "rs-1",
        "T",
        {},
        "/requests/ar-1",
        datetime.now(UTC),
    )
    assert render_title(bare, Language.EN) == "Access granted: — at — — “T”"


def test_the_inbox_line_is_one_line_in_either_language() -> None:
    n = note("message", Language.EN, title="Two\nlines\r\n  here")
    assert render_title(n, Language.EN) == "New message: “Two lines here”"
    assert render_title(n, Language.ZH) == "新消息：“Two lines here”"


def test_an_unknown_kind_is_a_bug_that_names_the_kinds() -> None:
    with pytest.raises(InternalError, match="request.approvee") as caught:
        render_mail(note("request.approvee", Language.EN), portal_url=PORTAL)
    assert "request.approve" in caught.value.hint


@pytest.mark.parametrize(
    ("portal", "link", "expected"),
    [
        ("https://pm.example.org", "/requests/ar-1", "https://pm.example.org/requests/ar-1"),
        ("https://pm.example.org/", "requests/ar-1", "https://pm.example.org/requests/ar-1"),
        ("http://127.0.0.1:8200/portal", "/requests/ar-1", "http://127.0.0.1:8200/portal/requests/ar-1"),
        ("https://pm.example.org", "https://other.example/x", "https://other.example/x"),
    ],
)
def test_absolute_link(portal: str, link: str, expected: str) -> None:
    assert absolute_link(portal, link) == expected


@given(title=st.text(min_size=1, max_size=80).filter(lambda t: t.strip() == t and "\r" not in t))
def test_any_title_appears_in_the_body_as_written(title: str) -> None:
    for lang in Language:
        _, body = render_mail(note("request.submit", lang, title=title), portal_url=PORTAL)
        assert title in body


def test_the_payload_names_the_recipient_by_subject_only() -> None:
    n = note("resource.decline", Language.ZH, reason="No ethics approval")
    payload = notification_payload(n)
    assert payload == {
        "type": "resource.decline",
        "id": "nt-0001",
        "timestamp": "2026-12-06T09:30:00Z",
        "data": {
            "request": "ar-0001",
            "resource": "rs-0001",
            "title": TITLE,
            "params": {**PARAMS, "reason": "No ethics approval"},
            "link": "/requests/ar-0001",
            "recipient": "rome-steward",
        },
    }
    wire = json.dumps(payload, ensure_ascii=False)
    assert "rossi@example.org" not in wire
    assert "王医生" not in wire


def test_the_payload_timestamp_is_utc() -> None:
    n = note("message", Language.EN)
    shanghai = datetime.fromisoformat("2026-12-06T17:30:00+08:00")
    moved = replace(n, created=shanghai)
    assert notification_payload(moved)["timestamp"] == "2026-12-06T09:30:00Z"
