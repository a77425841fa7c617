"""The two state tables: every allowed step is found for its actor, every other one is refused."""

from __future__ import annotations

import itertools

import pytest

from pmbridge.access import (
    OPEN_RESOURCE,
    REQUEST_STEPS,
    RESOURCE_STEPS,
    Party,
    RequestState,
    ResourceState,
    Role,
    find_step,
    open_steps,
)
from pmbridge.errors import TransitionRefused

LEVELS = {
    "request": (RequestState, REQUEST_STEPS),
    "resource": (ResourceState, RESOURCE_STEPS),
}
ALL_EVENTS = sorted({s.event for s in (*REQUEST_STEPS, *RESOURCE_STEPS)})


def every_case() -> list[tuple[str, str, str, Role]]:
    cases = []
    for level, (states, _) in LEVELS.items():
        cases += [(level, s.value, e, r) for s, e, r in itertools.product(states, ALL_EVENTS, Role)]
    return cases


@pytest.mark.parametrize(("level", "source", "event", "role"), every_case())
def test_a_step_is_allowed_exactly_when_the_table_lists_it(
    level: str, source: str, event: str, role: Role
) -> None:
    _, steps = LEVELS[level]
    listed = [s for s in steps if (s.source, s.event, s.actor) == (source, event, role)]
    if listed:
        assert find_step(level, source, event, role) == listed[0]
    else:
        with pytest.raises(TransitionRefused) as refused:
            find_step(level, source, event, role)
        assert refused.value.hint  # says what is open instead


def test_the_negotiator_path_is_in_the_request_table() -> None:
    path = [
        ("draft", "submit", Role.RESEARCHER),
        ("submitted", "approve", Role.SYSTEM),
        ("approved", "start", Role.STEWARD),
        ("in_progress", "pause", Role.RESEARCHER),
        ("paused", "resume", Role.RESEARCHER),
        ("in_progress", "conclude", Role.RESEARCHER),
    ]
    targets = [find_step("request", s, e, r).target for s, e, r in path]
    assert targets == ["submitted", "approved", "in_progress", "paused", "in_progress", "concluded"]


def test_every_target_is_a_state_and_terminal_states_have_no_way_out() -> None:
    for level, (states, steps) in LEVELS.items():
        names = {s.value for s in states}
        assert all(s.source in names and s.target in names for s in steps), level
    terminal = {"declined", "revoked", "expired", "withdrawn", "abandoned", "not_sent"}
    assert not [s for s in RESOURCE_STEPS if s.source in terminal]
    assert not [s for s in REQUEST_STEPS if s.source in {"declined", "concluded", "abandoned"}]


def test_decisions_that_a_researcher_reads_carry_what_they_need() -> None:
    needs = {(s.level, s.event): s.needs for s in (*REQUEST_STEPS, *RESOURCE_STEPS)}
    assert needs["resource", "decline"] == ("reason",)
    assert needs["resource", "return"] == ("reason",)
    assert needs["resource", "revoke"] == ("reason",)
    assert needs["resource", "approve"] == ("until",)
    assert needs["resource", "indicate_conditions"] == ("conditions",)


def test_each_step_tells_the_other_side() -> None:
    for step in (*REQUEST_STEPS, *RESOURCE_STEPS):
        if step.actor is Role.STEWARD:
            assert step.notify is Party.RESEARCHER, step
        if step.actor is Role.RESEARCHER and step.level == "resource":
            assert step.notify is Party.STEWARDS, step


def test_open_states_are_those_a_reminder_can_be_due_for() -> None:
    assert set(OPEN_RESOURCE) == {
        "submitted",
        "under_review",
        "returned",
        "conditions_indicated",
        "conditions_met",
    }
    assert open_steps("resource", "submitted", Role.STEWARD) == (
        "acknowledge",
        "return",
        "indicate_conditions",
        "approve",
        "decline",
    )
    assert open_steps("resource", "approved", Role.RESEARCHER) == ()
