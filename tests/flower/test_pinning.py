"""A node runs only PM Bridge's own Flower app: its FAB is built the same every time, and a FAB with
another hash (a foreign app, or ours modified) or with bytes that do not match their hash is refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pmbridge.errors import ConfigError, PolicyRefused
from pmbridge.flower import APP_DIR, APP_PIN_RULE, AppAllowList, build_bundle, fab_sha256, pmbridge_bundle
from pmbridge.flower._fab import installed_component
from tests.flower.apps import modified_app


def test_the_app_ships_inside_pmbridge_and_names_only_installed_modules() -> None:
    components = tomllib.loads((APP_DIR / "pyproject.toml").read_text())["tool"]["flwr"]["app"]["components"]
    assert components == {
        "serverapp": "pmbridge.hub._learning_server:app",
        "clientapp": "pmbridge.node._learning_client:app",
    }


def test_the_runner_loads_the_components_the_installed_app_names() -> None:
    from flwr.clientapp import ClientApp
    from flwr.serverapp import ServerApp

    assert isinstance(installed_component("clientapp"), ClientApp)
    assert isinstance(installed_component("serverapp"), ServerApp)


def test_building_the_app_twice_gives_the_same_hash() -> None:
    first, second = build_bundle(APP_DIR), build_bundle(APP_DIR)
    assert first.content == second.content
    assert first.sha256 == second.sha256 == fab_sha256(first.content) == pmbridge_bundle().sha256


def test_by_default_a_node_allows_exactly_the_installed_app() -> None:
    allow = AppAllowList.default()
    assert allow.hashes == {pmbridge_bundle().sha256}
    allow.check_fab(pmbridge_bundle().sha256, pmbridge_bundle().content)  # no refusal


def test_a_modified_app_is_refused_with_both_hashes_and_a_fix(tmp_path: Path) -> None:
    foreign = build_bundle(modified_app(tmp_path, description="the same app, one word changed"))
    assert foreign.sha256 != pmbridge_bundle().sha256
    with pytest.raises(PolicyRefused) as refused:
        AppAllowList.default().check_fab(foreign.sha256, foreign.content)
    assert refused.value.rule == APP_PIN_RULE
    assert foreign.sha256 in refused.value.message
    assert pmbridge_bundle().sha256 in refused.value.message
    assert "allow" in refused.value.hint


def test_bytes_that_do_not_match_their_claimed_hash_are_refused() -> None:
    ours = pmbridge_bundle()
    with pytest.raises(PolicyRefused, match="claims sha256"):
        AppAllowList.default().check_fab(ours.sha256, ours.content + b"\0")


def test_an_operator_may_allow_another_release_s_app(tmp_path: Path) -> None:
    other = build_bundle(modified_app(tmp_path, version="1.0.1"))
    allow = AppAllowList.of([other.sha256.upper()])
    allow.check_fab(other.sha256, other.content)
    allow.check_fab(pmbridge_bundle().sha256, pmbridge_bundle().content)
    with pytest.raises(PolicyRefused):
        AppAllowList.of([], include_installed=True).check_hash(other.sha256)


def test_a_malformed_allowed_hash_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not sha256"):
        AppAllowList.of(["abc123"])


def test_every_run_config_key_the_apps_read_is_declared_in_the_app() -> None:
    """Flower drops a run-config override whose key the app does not declare, silently."""
    from pmbridge.flower import _wire as w

    declared = tomllib.loads((APP_DIR / "pyproject.toml").read_text())["tool"]["flwr"]["app"]["config"]
    read = {
        w.SPEC,
        w.RUN_DIGEST,
        w.PROGRESS_PATH,
        w.RESULT_PATH,
        w.ROUND_TIMEOUT,
        w.MIN_NODES,
        w.EXPECTED_NODES,
        w.CONNECT_TIMEOUT,
        "grant",  # the hub's signed grant, read by every node
        "training",  # the hub's training id and record, read by its ServerApp
        "record",
    }
    assert read <= set(declared)
