"""docs/policy.md shows every policy, passport and data-use setting as the models declare it."""

from __future__ import annotations

from pathlib import Path

from pmbridge.config import setting_names
from pmbridge.policy import DataUseSettings, PassportSettings, PolicySettings
from pmbridge.settings import render_doc

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def test_the_policy_tables_are_the_models_rendered() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render_doc("policy.md", text) == text, "run `python -m pmbridge.settings`"


def test_every_policy_setting_is_documented_with_its_help() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = [
        *setting_names(PolicySettings, prefix="policy."),
        *setting_names(PassportSettings, prefix="passports."),
        *setting_names(DataUseSettings, prefix="datasets[].data_use."),
    ]
    assert [n for n in names if f"| `{n}` |" not in text] == []
