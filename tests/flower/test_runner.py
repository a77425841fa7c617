"""What the node's runner tells the hub when its ClientApp fails: PM Bridge's errors with their fix,
anything else by type only (its text may hold the node's paths or values)."""

from __future__ import annotations

from pmbridge.errors import QueryError
from pmbridge.flower._runner import _reason


def test_a_pm_bridge_error_travels_with_its_code_and_hint() -> None:
    reason = _reason(QueryError("no people to train on", hint="a node without people sits the round out"))
    assert reason.startswith("bad_request: no people to train on")
    assert "sits the round out" in reason


def test_any_other_failure_travels_by_type_only() -> None:
    reason = _reason(FileNotFoundError("/srv/node/secret-store/rome.duckdb"))
    assert "FileNotFoundError" in reason
    assert "/srv" not in reason and "rome" not in reason
