"""Fixtures of the knowledge-base tests: the small fixture file and a knowledge base holding it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.knowledge import KnowledgeBase

FIXTURES = Path(__file__).with_name("fixtures")
SMALL = FIXTURES / "small.jsonld"
BAD = FIXTURES / "bad.jsonld"


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    """A fresh knowledge base on disk with ``small.jsonld`` imported."""
    base = KnowledgeBase(tmp_path / "knowledge.sqlite")
    base.import_files([SMALL])
    return base
