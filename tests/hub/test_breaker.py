"""The per-node breaker: it skips a node only while the node keeps timing out *and* fails its health
check, lets one trial through after the cool-down, and never counts the hub's own queueing."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pmbridge.hub._breaker import Breaker, Breakers, BreakerState, Decision


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, *, timeouts: int = 3, cool_down: float = 30.0) -> Breaker:
    return Breaker(timeouts=timeouts, cool_down=cool_down, clock=clock)


def test_timeouts_alone_never_open_it_and_a_node_that_answers_health_stays_asked() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(10):
        clock.now += 1
        b.timed_out()
    assert b.state is BreakerState.CLOSED and b.decide().ask
    assert b.wants_probe and b.streak == 10
    b.health(ok=True, started=clock.now)
    assert not b.wants_probe
    assert b.decide() == Decision(True)  # its health answered: one user's slow queries cut no one off
    clock.now += 1
    b.timed_out()
    assert b.wants_probe  # another timeout after the good check: check again


def test_a_failed_health_check_after_the_streak_opens_it_until_the_cool_down() -> None:
    clock = Clock()
    b = breaker(clock)
    b.timed_out()
    b.timed_out()
    b.health(ok=False, started=clock.now)  # failed, but the streak is not full: nothing happens
    assert b.state is BreakerState.CLOSED
    clock.now = 5
    b.timed_out()
    assert b.wants_probe
    b.health(ok=False, started=4.0)  # a check that started before the streak filled says nothing
    assert b.state is BreakerState.CLOSED
    b.health(ok=False, started=5.0)
    assert b.state is BreakerState.OPEN
    clock.now = 20
    assert b.decide() == Decision(False, retry_in=15.0)
    assert b.retry_in() == 15.0


def test_after_the_cool_down_one_trial_goes_and_its_outcome_decides() -> None:
    clock = Clock()
    b = opened(clock)
    clock.now += 30
    assert b.decide() == Decision(True, trial=True)
    assert b.state is BreakerState.HALF_OPEN
    assert b.decide() == Decision(False)  # one trial at a time
    b.timed_out(trial=True)  # the trial failed, and so did the latest health check: open again
    assert b.state is BreakerState.OPEN and not b.decide().ask
    clock.now += 30
    assert b.decide().trial
    b.replied(trial=True)
    assert b.state is BreakerState.CLOSED and b.streak == 0 and b.decide().ask


def test_a_trial_lost_on_the_way_is_not_waited_for_forever() -> None:
    clock = Clock()
    b = opened(clock)
    clock.now += 30
    assert b.decide().trial
    b.timed_out(counted=False, trial=True)  # it never had its fair share: says nothing of the node
    assert b.state is BreakerState.HALF_OPEN
    assert b.decide().trial  # the next request is the trial
    clock.now += 30  # that one never reported back at all
    assert b.decide().trial


def test_a_good_health_check_while_open_lets_requests_through() -> None:
    clock = Clock()
    b = opened(clock)
    clock.now += 1
    b.health(ok=True, started=clock.now)
    assert b.state is BreakerState.HALF_OPEN
    assert [b.decide().ask for _ in range(5)] == [True] * 5  # not one by one: its health answered
    clock.now += 1
    b.timed_out()  # answered /health but times out on requests: asked, and checked again
    assert b.state is BreakerState.CLOSED and b.wants_probe


def test_timeouts_without_their_fair_share_of_the_deadline_never_count() -> None:
    clock = Clock()
    b = breaker(clock, timeouts=1)
    for _ in range(5):
        b.timed_out(counted=False)
    assert b.streak == 0 and not b.wants_probe
    b.health(ok=False, started=clock.now)
    assert b.state is BreakerState.CLOSED


def test_an_older_health_check_finishing_late_does_not_overrule_a_newer_one() -> None:
    clock = Clock()
    b = opened(clock)
    b.health(ok=True, started=clock.now)
    b.health(ok=False, started=clock.now - 1)  # started before the good one
    assert b.state is BreakerState.HALF_OPEN and b.decide().ask


def test_the_breakers_ask_for_a_health_check_when_a_streak_fills_and_when_they_skip() -> None:
    clock = Clock(100.0)
    wanted: list[tuple[str, float | None]] = []
    breakers = Breakers(
        timeouts=2, cool_down=10.0, clock=clock, wants_probe=lambda n, s: wanted.append((n, s))
    )
    breakers.ended("a", timed_out=True, counted=True, trial=False)
    assert wanted == []
    clock.now = 101
    breakers.ended("a", timed_out=True, counted=True, trial=False)
    assert wanted == [("a", 101.0)]  # a check that starts once the streak is full
    clock.now = 102
    breakers.ended("a", timed_out=True, counted=True, trial=False)
    assert wanted[-1] == ("a", 101.0)  # the same: one check serves a burst of timeouts
    breakers.health("a", ok=False, started=101.0)
    assert not breakers.decide("a").ask
    assert wanted[-1] == ("a", None)  # skipped: any recent reading will do
    assert breakers.shown("a") == {"state": "open", "consecutiveTimeouts": 3, "retryInSeconds": 10.0}
    assert breakers.shown("b") == {"state": "closed", "consecutiveTimeouts": 0, "retryInSeconds": 0.0}


def test_a_breaker_needs_a_threshold_and_a_cool_down() -> None:
    with pytest.raises(ValueError, match="timeouts >= 1"):
        Breaker(timeouts=0, cool_down=1.0)
    with pytest.raises(ValueError, match="cool_down > 0"):
        Breaker(timeouts=1, cool_down=0.0)


def opened(clock: Clock) -> Breaker:
    b = breaker(clock)
    for _ in range(3):
        b.timed_out()
    b.health(ok=False, started=clock.now)
    assert b.state is BreakerState.OPEN
    return b


# The property: a node is skipped only while its latest health check (by start) failed, and that
# check started once the current streak of timeouts had filled; so a node whose latest check
# succeeded after its last timeout is never skipped, and timeouts alone never open a breaker.

Event = tuple[str, float, bool]

events = st.lists(
    st.tuples(
        st.sampled_from(["ask", "ask", "ask", "timeout", "timeout", "reply", "health", "health", "wait"]),
        st.one_of(st.just(0.0), st.floats(0.0, 40.0)),  # wait: seconds; health: started that long ago
        st.booleans(),  # timeout: counted; health: ok
    ),
    max_size=80,
)


@dataclass
class Oracle:
    """What the breaker has been told, kept the simple way."""

    threshold: int
    streak: int = 0
    full_at: float | None = None
    last_timeout: float | None = None
    health: tuple[float, bool] | None = None  # the latest check (by start): when, and ok
    outstanding: list[bool] = field(default_factory=list)  # requests under way: is each the trial

    def may_skip(self) -> bool:
        if self.health is None or self.full_at is None:
            return False
        started, ok = self.health
        return not ok and started >= self.full_at


HEALED = [("ask", 0, False), ("timeout", 0, True), ("health", 0, False), ("health", 0, True)]
"""Opened, then its health answered: every request must go, not one trial at a time."""


@settings(max_examples=500, deadline=None)
@given(events=events, threshold=st.integers(1, 4))
@example(events=[*HEALED, ("ask", 0, False), ("ask", 0, False)], threshold=1)
@example(events=[*HEALED, ("wait", 30, False), ("ask", 0, False), ("ask", 0, False)], threshold=1)
def test_a_node_is_skipped_only_while_its_latest_health_check_failed_after_the_streak(
    events: list[Event], threshold: int
) -> None:
    clock = Clock()
    b = breaker(clock, timeouts=threshold, cool_down=10.0)
    oracle = Oracle(threshold)
    for kind, amount, flag in events:
        if kind == "wait":
            clock.now += amount + 0.5
        elif kind == "ask":
            decision = b.decide()
            if decision.ask:
                oracle.outstanding.append(decision.trial)
            else:
                assert oracle.may_skip(), (b.state, oracle)
                assert decision.retry_in >= 0
        elif kind == "reply" and oracle.outstanding:
            b.replied(trial=oracle.outstanding.pop(0))
            oracle.streak, oracle.full_at, oracle.last_timeout = 0, None, None
        elif kind == "timeout" and oracle.outstanding:
            b.timed_out(counted=flag, trial=oracle.outstanding.pop(0))
            if flag:
                oracle.streak += 1
                oracle.last_timeout = clock.now
                if oracle.streak >= threshold and oracle.full_at is None:
                    oracle.full_at = clock.now
        elif kind == "health":
            started = clock.now - amount / 8
            b.health(ok=flag, started=started)
            if oracle.health is None or started >= oracle.health[0]:
                oracle.health = (started, flag)
        if b.state is BreakerState.OPEN:
            assert oracle.may_skip(), oracle
        latest_ok_after_timeout = (
            oracle.health is not None
            and oracle.health[1]
            and (oracle.last_timeout is None or oracle.health[0] >= oracle.last_timeout)
        )
        if latest_ok_after_timeout:
            assert b.state is not BreakerState.OPEN
        assert b.streak == oracle.streak
