"""docs/policy.md documents every policy, passport and data-use setting with its default."""

from __future__ import annotations

from pathlib import Path

from pmbridge.policy import DATA_USE_SETTINGS, PASSPORT_SETTINGS, POLICY_SETTINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def test_every_policy_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    settings = (*POLICY_SETTINGS, *PASSPORT_SETTINGS, *DATA_USE_SETTINGS)
    missing = [s.name for s in settings if f"| `{s.name}` |" not in text]
    assert missing == []
    undocumented_help = [s.name for s in settings if s.help not in text]
    assert undocumented_help == []
