"""The lock, walked from the OpenAPI document: every mutating ``/api/consensus`` route is either one
that changes what the lock fixed — and then answers 409 study_locked after the lock and after round 1
opens, leaving the study as it was — or one the contract allows after the lock, named with why.

A new mutating route fails the first test until it is put in one list or the other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmbridge.hub import HubReleaseSettings
from pmbridge.network_app import create_network_app
from tests.browser import served
from tests.hub.consensus_hub import ORGANISER, consensus_config
from tests.trust import hub_config

STUDY = "/api/consensus/studies/{study_id}"
MUTATING = frozenset({"post", "put", "patch", "delete"})

LOCKED: dict[tuple[str, str], dict[str, Any] | None] = {
    # route → a body that changes a draft (so the 409 after the lock is the lock's doing)
    ("PUT", STUDY + "/rule"): {"rule": "panel_70", "k": 2},
    ("POST", STUDY + "/groups"): {"id": "late", "name": {"en": "Late group", "zh": "后加的组"}},
    ("POST", STUDY + "/items"): {
        "id": "late-item",
        "texts": {
            "en": {"text": "A statement added late.", "provenance": "author"},
            "zh": {"text": "后加的陈述。", "provenance": "machine"},
        },
        "links": ["policy:gdpr"],
    },
    ("PUT", STUDY + "/items/{item_id}/texts/{lang}"): {"text": "Moved goalposts.", "provenance": "reviewed"},
    ("POST", STUDY + "/lock"): None,
}
ALLOWED = {
    ("POST", "/api/consensus/studies"): "creates another study; changes none",
    ("POST", STUDY + "/panellists"): "the panel may grow until round 1 opens (then 409 study_locked)",
    ("POST", STUDY + "/rounds"): "rounds are scheduled and opened after the lock",
    ("POST", STUDY + "/rounds/{number}/close"): "closing a round computes results with the locked rule",
    ("POST", STUDY + "/remind"): "reminders to non-responders",
    ("POST", STUDY + "/proposals/{proposal_id}/adopt"): "new items for later rounds, audited consensus.adopt",
    ("PUT", STUDY + "/comments/{comment_id}/texts/{lang}"): "the other language of a panellist's comment",
    ("POST", STUDY + "/items/{item_id}/roadmap"): "an agreed item proposes a roadmap update",
    ("POST", "/api/consensus/roadmap-updates/{update_id}/confirm"): "a knowledge steward confirms it",
    ("PUT", "/api/consensus/panel/answers"): "the panellists' answers",
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The hub and portal in process, served on a loopback port, with an organiser and mail set
    (to a port where nothing listens: the invitations stay in the outbox, which is enough here)."""
    root = tmp_path_factory.mktemp("lock-routes")
    config = consensus_config(hub_config((), root, release=HubReleaseSettings(demo_broker=True)))
    with served(create_network_app(config)) as url, httpx.Client(base_url=url, timeout=30) as client:
        token = client.post("/api/auth/token", json={"user": ORGANISER}).json()["passport"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _path(template: str, study: str) -> str:
    return template.format(study_id=study, item_id="it-a", lang="en")


def _draft(client: httpx.Client) -> str:
    body = {
        "title": {"en": "Lock walk", "zh": "锁定检查"},
        "description": {"en": "Which routes the lock closes", "zh": "锁定关闭哪些接口"},
        "rule": "comet",
        "k": 2,
    }
    reply = client.post("/api/consensus/studies", json=body)
    assert reply.status_code == 201, reply.text
    study = str(reply.json()["study"]["id"])
    steps: list[tuple[str, dict[str, Any]]] = [
        ("/groups", {"id": "clin", "name": {"en": "Clinicians", "zh": "临床医生"}}),
        (
            "/items",
            {
                "id": "it-a",
                "texts": {
                    "en": {"text": "Data should be coded with the HPO.", "provenance": "author"},
                    "zh": {"text": "数据应使用HPO编码。", "provenance": "reviewed"},
                },
                "links": ["standard:hpo"],
            },
        ),
        (
            "/panellists",
            {
                "panellists": [
                    {
                        "name": f"P{n}",
                        "email": f"p{n}.{study}@panel.example",
                        "group": "clin",
                        "language": "en",
                    }
                    for n in range(3)
                ]
            },
        ),
    ]
    for tail, step in steps:
        reply = client.post(f"/api/consensus/studies/{study}{tail}", json=step)
        assert reply.status_code in (200, 201), reply.text
    return study


def _locked(client: httpx.Client) -> str:
    study = _draft(client)
    assert client.post(f"/api/consensus/studies/{study}/lock").status_code == 200
    return study


def _snapshot(client: httpx.Client, study: str) -> str:
    """Everything the organiser can read of the study's set-up, as text (not its state or rounds,
    which opening round 1 changes)."""
    found = client.get(f"/api/consensus/studies/{study}").json()["study"]
    return json.dumps({k: v for k, v in found.items() if k not in ("rounds", "state")}, sort_keys=True)


def test_every_mutating_consensus_route_is_either_locked_or_allowed_by_the_contract(
    hub: httpx.Client,
) -> None:
    paths = hub.get("/openapi.json").json()["paths"]
    mutating = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/consensus")
        for method in operations
        if method in MUTATING
    }
    assert not set(LOCKED) & set(ALLOWED)
    assert mutating - set(LOCKED) - set(ALLOWED) == set(), "classify the new route here"
    assert set(LOCKED) | set(ALLOWED) <= mutating, "a route listed here is gone from the API"


@pytest.mark.parametrize(("method", "template"), sorted(LOCKED))
def test_a_locked_route_changes_a_draft(hub: httpx.Client, method: str, template: str) -> None:
    study = _draft(hub)
    before = _snapshot(hub, study)
    reply = hub.request(method, _path(template, study), json=LOCKED[method, template])
    assert reply.status_code in (200, 201), reply.text
    assert _snapshot(hub, study) != before


def test_after_the_lock_and_after_round_1_opens_every_locked_route_answers_study_locked(
    hub: httpx.Client,
) -> None:
    study = _locked(hub)
    before = _snapshot(hub, study)
    digest = hub.get(f"/api/consensus/studies/{study}/verify").json()["digest"]
    now = datetime.now(UTC)
    for moment in ("locked", "round 1 open"):
        if moment == "round 1 open":
            opened = hub.post(
                f"/api/consensus/studies/{study}/rounds",
                json={"opens": now.isoformat(), "closes": (now + timedelta(days=3)).isoformat()},
            )
            assert opened.status_code == 201, opened.text
        for (method, template), body in LOCKED.items():
            reply = hub.request(method, _path(template, study), json=body)
            assert reply.status_code == 409, (moment, template, reply.text)
            error = reply.json()["error"]
            assert error["code"] == "study_locked", (moment, template, error)
            assert error["hint"], template
        assert _snapshot(hub, study) == before, moment
    verified = hub.get(f"/api/consensus/studies/{study}/verify").json()
    assert verified["ok"] is True and verified["digest"] == digest


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_BODIES = st.one_of(
    _JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "rule": st.sampled_from(["comet", "panel_70", "grade_bands", "COMET"]),
            "k": st.integers(1, 9),
            "rounds": st.integers(1, 6),
            "organiser_sees_ratings": st.booleans(),
            "previous_respondents_only": st.booleans(),
            "id": st.sampled_from(["clin", "it-a", "new"]),
            "name": st.just({"en": "N", "zh": "名"}),
            "text": st.text(min_size=1, max_size=20),
            "provenance": st.sampled_from(["author", "machine", "reviewed"]),
        },
    ),
)


@pytest.fixture(scope="module")
def locked_study(hub: httpx.Client) -> str:
    return _locked(hub)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(sorted(LOCKED)), body=_BODIES)
def test_no_body_sent_to_a_locked_route_changes_a_locked_study(
    hub: httpx.Client, locked_study: str, route: tuple[str, str], body: object
) -> None:
    before = _snapshot(hub, locked_study)
    method, template = route
    reply = hub.request(method, _path(template, locked_study), json=body)
    assert reply.status_code in (400, 409), reply.text  # refused: locked, or not even readable
    assert _snapshot(hub, locked_study) == before
