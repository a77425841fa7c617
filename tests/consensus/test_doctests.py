"""The consensus modules' doctests run with the consensus tests (pytest collects src/ separately)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["_model", "_rules", "_status", "_selection", "_feedback"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name: str) -> None:
    module = importlib.import_module(f"pmbridge.consensus.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
