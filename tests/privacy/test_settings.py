"""Disclosure settings: POLICY.md's defaults, declared once, documented, and checked when read."""

from __future__ import annotations

import pytest

from pmbridge.errors import ConfigError
from pmbridge.privacy import DisclosureSettings


def test_the_defaults_are_policy_md_s_table() -> None:
    s = DisclosureSettings()
    assert (s.min_count, s.min_count_cross_border, s.release_zero) == (5, 11, True)
    assert s.complementary_suppression and s.noise and s.differencing_guard
    assert (s.epsilon_per_count, s.yearly_epsilon_budget, s.allele_count_floor) == (1.0, 50.0, 10)
    assert s.round_to == 1


def test_every_setting_is_declared_with_help() -> None:
    fields = DisclosureSettings.model_fields
    assert fields and all(f.description for f in fields.values())


def test_a_privacy_table_is_read_from_toml_values() -> None:
    s = DisclosureSettings.from_mapping({"min_count": 10, "epsilon_per_count": 1, "noise": False})
    assert s.min_count == 10 and s.epsilon_per_count == 1.0 and not s.noise
    assert DisclosureSettings.from_mapping({}) == DisclosureSettings()


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"min_cout": 5}, "[privacy] has no setting 'min_cout'; did you mean 'min_count'?"),
        ({"min_count": True}, "privacy.min_count must be a whole number, not true"),
        ({"min_count": 5.0}, "privacy.min_count must be a whole number, not 5.0"),
        ({"noise": 1}, "privacy.noise must be true or false, not 1"),
        ({"min_count": 0}, "privacy.min_count must be at least 1, not 0"),
        ({"epsilon_per_count": 0.0}, "privacy.epsilon_per_count must be greater than 0.0, not 0.0"),
        ({"epsilon_per_count": float("inf")}, "privacy.epsilon_per_count must be a finite number, not inf"),
        ({"yearly_epsilon_budget": -1}, "privacy.yearly_epsilon_budget must be at least 0.0, not -1"),
        ({"differencing_history": -1}, "privacy.differencing_history must be at least 0, not -1"),
    ],
)
def test_a_wrong_setting_is_a_config_error_that_says_how_to_fix_it(
    table: dict[str, object], says: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        DisclosureSettings.from_mapping(table, where="node.toml")
    assert caught.value.message == f"node.toml: {says}"
    assert "docs/privacy.md" in caught.value.hint


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        DisclosureSettings(5)  # type: ignore[call-arg]
