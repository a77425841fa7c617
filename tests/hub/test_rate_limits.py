"""Rate limits on sign-ins and contact requests: the token buckets and the memory of sent requests
are property-tested on a stepped clock, then the hub answers past them with a 429 in the Beacon
error shape, with ``Retry-After``, audited as a refusal."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.beacon import PublicApi
from pmbridge.errors import ConfigError
from pmbridge.hub import NodeEntry, load_hub_config
from pmbridge.hub._rate_limits import Rate, RecentRequests, TokenBuckets
from pmbridge.hub._request_limits import (
    ADDRESS_FACTOR,
    RateLimitSettings,
    install_request_limits,
    parse_rate_limits,
)
from pmbridge.model import Jurisdiction
from tests.beacon_schemas import ERROR, errors
from tests.hub.lone_hub import LoneHub, lone_hub
from tests.hub.scripted_nodes import ScriptedNodes

pytestmark = pytest.mark.anyio

RATES = st.builds(Rate, burst=st.integers(1, 6), per_minute=st.floats(0.5, 120))
STEPS = st.lists(st.tuples(st.sampled_from("ab"), st.floats(0, 30)), max_size=60)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@given(RATES, STEPS)
def test_no_key_gets_more_than_its_burst_plus_its_rate(rate: Rate, steps: list[tuple[str, float]]) -> None:
    clock = Clock()
    buckets = TokenBuckets(rate, clock=clock)
    start = clock.now
    admitted: dict[str, int] = {"a": 0, "b": 0}
    for key, step in steps:
        clock.now += step
        if buckets.take(key) == 0:
            admitted[key] += 1
        allowed = rate.burst + (clock.now - start) * rate.per_minute / 60
        assert admitted[key] <= allowed + 1e-9


@given(RATES, st.integers(1, 20))
def test_a_refused_request_goes_after_the_wait_it_was_told(rate: Rate, tries: int) -> None:
    clock = Clock()
    buckets = TokenBuckets(rate, clock=clock)
    waits = [buckets.take("a") for _ in range(tries)]
    assert waits[: rate.burst] == [0.0] * min(rate.burst, tries)
    refused = [w for w in waits if w > 0]
    if refused:
        assert buckets.take("b") == 0.0  # another key has its own bucket
        clock.now += refused[-1]
        assert buckets.take("a") == 0.0


@given(st.lists(st.tuples(st.sampled_from(["x", "y"]), st.floats(0, 400), st.booleans()), max_size=40))
def test_an_identical_request_is_refused_exactly_within_its_window(
    steps: list[tuple[str, float, bool]],
) -> None:
    clock = Clock()
    recent = RecentRequests(window=300, pending=30, clock=clock)
    last: dict[str, tuple[float, bool]] = {}  # when it went, whether it was settled
    for key, step, succeeds in steps:
        clock.now += step
        sent = recent.claim(key)
        if key in last:
            when, settled = last[key]
            expected_blocked = clock.now - when < (300 if settled else 30)
        else:
            expected_blocked = False
        assert (sent is not None) is expected_blocked
        if sent is None:
            last[key] = (clock.now, succeeds)
            if succeeds:
                recent.settle(key, "req-1")


def test_a_burst_of_zero_turns_a_limit_off() -> None:
    buckets = TokenBuckets(Rate(burst=0, per_minute=1))
    assert all(buckets.take("a") == 0.0 for _ in range(100))


def test_the_settings_are_checked_and_unknown_ones_named() -> None:
    assert parse_rate_limits({}, where="hub.toml") == RateLimitSettings()
    with pytest.raises(ConfigError, match="contact_brust"):
        parse_rate_limits({"rate_limits": {"contact_brust": 3}}, where="hub.toml")
    with pytest.raises(ConfigError, match="sign_in_burst must be a whole number"):
        parse_rate_limits({"rate_limits": {"sign_in_burst": 2.5}}, where="hub.toml")
    with pytest.raises(ConfigError, match="0 or more"):
        parse_rate_limits({"rate_limits": {"contact_per_minute": -1}}, where="hub.toml")


def stepped(app: FastAPI, settings: RateLimitSettings | None = None) -> Clock:
    clock = Clock()
    install_request_limits(app, settings or RateLimitSettings(), api=PublicApi(), clock=clock)
    return clock


def last_entry(audit_log: Path) -> dict[str, object]:
    return dict(json.loads(audit_log.read_text().splitlines()[-1]))


async def test_sign_in_past_its_limit_is_a_429_with_retry_after_per_address_and_user(tmp_path: Path) -> None:
    settings = RateLimitSettings(sign_in=Rate(burst=3, per_minute=2))
    async with lone_hub(tmp_path) as hub:
        clock = stepped(hub.app, settings)
        tries = [await hub.client.post("/api/auth/token", json={"user": "eu-researcher"}) for _ in range(4)]
        refused = last_entry(hub.audit_log)
        other_user = await hub.client.post("/api/auth/token", json={"user": "cn-researcher"})
        clock.now += 30
        later = await hub.client.post("/api/auth/token", json={"user": "eu-researcher"})
    assert [t.status_code for t in tries] == [200, 200, 200, 429]
    limited = tries[-1]
    assert limited.headers["retry-after"] == "30"
    assert errors(limited.json(), ERROR) == []
    assert limited.json()["error"]["errorCode"] == 429
    assert "too many sign-in attempts as 'eu-researcher'" in limited.json()["error"]["errorMessage"]
    assert (refused["action"], refused["rule"]) == ("refusal", "rate_limit:sign_in")
    assert other_user.status_code == 200 and later.status_code == 200


CONTACT = {
    "node": "n1",
    "dataset": "ds-a",
    "matchId": "m-" + "a" * 32,
    "researcher": {"name": "Alice", "email": "alice@uni.example"},
    "message": "May we compare notes?",
}


@pytest.fixture
def contact_node() -> ScriptedNodes:
    nodes = ScriptedNodes(["n1"])
    nodes.bodies[("n1", "/api/match/contact")] = {"requestId": "req-42"}
    return nodes


def registered(nodes: ScriptedNodes) -> list[NodeEntry]:
    return [NodeEntry("n1", "http://n1", Jurisdiction.EU, "IT", public_key=nodes.keys["n1"].verifying_key)]


async def contact(
    hub: LoneHub, auth: dict[str, str], message: str = "May we compare notes?"
) -> httpx.Response:
    return await hub.client.post("/api/match/contact", json={**CONTACT, "message": message}, headers=auth)


async def test_an_identical_contact_request_is_refused_as_already_sent(
    tmp_path: Path, contact_node: ScriptedNodes
) -> None:
    async with lone_hub(tmp_path, nodes=registered(contact_node), transport=contact_node) as hub:
        stepped(hub.app)
        token = (await hub.client.post("/api/auth/token", json={"user": "eu-researcher"})).json()["passport"]
        auth = {"authorization": f"Bearer {token}"}
        replies = [await contact(hub, auth) for _ in range(100)]
        refused = last_entry(hub.audit_log)
    assert replies[0].status_code == 200 and replies[0].json()["requestId"] == "req-42"
    assert {r.status_code for r in replies[1:]} == {429}
    again = replies[-1]
    assert errors(again.json(), ERROR) == []
    message = again.json()["error"]["errorMessage"]
    assert "this contact request was already sent" in message and "req-42" in message
    assert int(again.headers["retry-after"]) == 600
    assert (refused["action"], refused["rule"]) == ("refusal", "rate_limit:duplicate_contact")


async def test_many_different_contact_requests_meet_the_accounts_rate(
    tmp_path: Path, contact_node: ScriptedNodes
) -> None:
    async with lone_hub(tmp_path, nodes=registered(contact_node), transport=contact_node) as hub:
        clock = stepped(hub.app, RateLimitSettings(contact=Rate(burst=3, per_minute=1)))
        token = (await hub.client.post("/api/auth/token", json={"user": "eu-researcher"})).json()["passport"]
        auth = {"authorization": f"Bearer {token}"}
        replies = [await contact(hub, auth, f"note {i}") for i in range(5)]
        clock.now += 60
        later = await contact(hub, auth, "note 4")
    assert [r.status_code for r in replies] == [200, 200, 200, 429, 429]
    assert replies[3].headers["retry-after"] == "60"
    assert "too many contact requests from this account" in replies[3].json()["error"]["errorMessage"]
    assert later.status_code == 200  # the refused one was not remembered as sent


def test_a_hub_toml_sets_its_limits_in_hub_rate_limits(tmp_path: Path) -> None:
    toml = tmp_path / "hub.toml"
    toml.write_text("[hub]\nid = 'h'\n\n[hub.rate_limits]\nsign_in_burst = 3\ncontact_repeat_seconds = 0\n")
    config = load_hub_config(toml)
    assert config.rate_limits.sign_in == Rate(burst=3, per_minute=5.0)
    assert config.rate_limits.contact_repeat_seconds == 0.0


async def test_cycling_through_user_names_from_one_address_is_limited_too(tmp_path: Path) -> None:
    """Otherwise fresh names would flush one name's bucket out of the limiter's memory."""
    settings = RateLimitSettings(sign_in=Rate(burst=2, per_minute=1))
    async with lone_hub(tmp_path) as hub:
        stepped(hub.app, settings)
        statuses = [
            (await hub.client.post("/api/auth/token", json={"user": f"someone-{i}"})).status_code
            for i in range(14)
        ]
        refused = last_entry(hub.audit_log)
    allowed = 2 * ADDRESS_FACTOR
    assert statuses == [s for s in statuses if s != 429] + [429] * (14 - allowed)
    assert statuses.count(429) == 14 - allowed
    assert (refused["action"], refused["rule"]) == ("refusal", "rate_limit:sign_in")
