"""Disclosure settings: POLICY.md's defaults, declared once, documented, and checked when read."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pmbridge.errors import ConfigError
from pmbridge.privacy import DISCLOSURE_SETTINGS, DisclosureSettings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_defaults_are_policy_md_s_table() -> None:
    s = DisclosureSettings()
    assert (s.min_count, s.min_count_cross_border, s.release_zero) == (5, 11, True)
    assert s.complementary_suppression and s.noise and s.differencing_guard
    assert (s.epsilon_per_count, s.yearly_epsilon_budget, s.allele_count_floor) == (1.0, 50.0, 10)
    assert s.round_to == 1


def test_every_setting_is_declared_with_its_default_and_documented() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(DisclosureSettings)}
    declared = {s.name.removeprefix("privacy."): s.default for s in DISCLOSURE_SETTINGS}
    assert declared == fields
    text = (DOCS / "privacy.md").read_text()
    assert [s.name for s in DISCLOSURE_SETTINGS if f"`{s.name}`" not in text] == []


def test_a_privacy_table_is_read_from_toml_values() -> None:
    s = DisclosureSettings.from_mapping({"min_count": 10, "epsilon_per_count": 1, "noise": False})
    assert s.min_count == 10 and s.epsilon_per_count == 1.0 and not s.noise
    assert DisclosureSettings.from_mapping({}) == DisclosureSettings()


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"min_cout": 5}, "unknown setting privacy.min_cout"),
        ({"min_count": True}, "must be a whole number"),
        ({"noise": 1}, "must be true or false"),
        ({"min_count": 0}, "at least 1"),
        ({"epsilon_per_count": 0.0}, "positive"),
        ({"epsilon_per_count": float("inf")}, "positive"),
        ({"yearly_epsilon_budget": -1}, "zero or more"),
        ({"differencing_history": -1}, "at least 0"),
    ],
)
def test_a_wrong_setting_is_a_config_error_that_says_how_to_fix_it(
    table: dict[str, object], says: str
) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        DisclosureSettings.from_mapping(table)
    assert caught.value.hint


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        DisclosureSettings(5)  # type: ignore[call-arg]
