"""The ACCORD checklist as data matches what was published (35 items over six sections), and every
place it says the report answers exists in the report."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

from pmbridge.consensus import ACCORD_SECTIONS

TEMPLATE = Path(__file__).resolve().parents[2] / "src/pmbridge/hub/templates/consensus_report.html"


def test_the_sections_and_item_counts_are_the_published_ones() -> None:
    counts = [(s.key, s.items) for s in ACCORD_SECTIONS]
    assert counts == [
        ("title", 1),
        ("introduction", 3),
        ("methods", 21),
        ("results", 5),
        ("discussion", 2),
        ("other", 3),
    ]
    assert all("PMC10805282" in s.source for s in ACCORD_SECTIONS)


def test_each_section_is_answered_by_the_report_or_left_to_the_organiser_in_both_languages() -> None:
    page = TEMPLATE.read_text(encoding="utf-8")
    for section in ACCORD_SECTIONS:
        assert section.answers or (section.organiser["en"] and section.organiser["zh"]), section.key
        assert set(section.name) == {"en", "zh"} and all(section.name.values())
        for part in section.answers:
            assert f'id="{part}"' in page, part


@pytest.mark.parametrize(
    "name",
    [
        "pmbridge.hub._consensus_words",
        "pmbridge.hub._consensus_delivery",
        "pmbridge.hub._consensus_roadmap",
    ],
)
def test_doctests_pass(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
