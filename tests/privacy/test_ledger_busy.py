"""A ledger another process holds locked: the wait is bounded, and the error (503, ledger_busy)
names the ledger but not its file, since the message reaches callers over HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pmbridge.errors import LedgerBusy
from pmbridge.policy import SqliteExportLedger
from pmbridge.privacy import CachedCount, NoiseKey, SqliteLedger


@contextmanager
def locked(path: Path) -> Iterator[None]:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("COMMIT")
        other.close()


def test_a_locked_privacy_ledger_is_busy_and_names_no_path(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "privacy.sqlite", timeout=0.1)
    key = NoiseKey("r", "ds", "q")
    with locked(ledger.path), pytest.raises(LedgerBusy) as caught:
        ledger.settle(key, CachedCount(12, 13, 1.0, 2026), budget=50.0)
    error = caught.value
    assert error.status == 503 and error.code == "ledger_busy" and "privacy ledger" in error.message
    assert str(tmp_path) not in str(error) and "privacy.sqlite" not in error.message
    assert ledger.settle(key, CachedCount(12, 13, 1.0, 2026), budget=50.0).value == 13  # free again
    ledger.close()


def test_a_locked_export_ledger_is_busy_and_names_no_path(tmp_path: Path) -> None:
    path = tmp_path / "exports.sqlite"
    ledger = SqliteExportLedger(path, timeout=0.1)
    with locked(path), pytest.raises(LedgerBusy) as caught:
        ledger.admit(year=2026, people=["p1"], limits={"sensitive": 10})
    assert caught.value.status == 503 and "export ledger" in caught.value.message
    assert str(tmp_path) not in str(caught.value)
    assert ledger.admit(year=2026, people=["p1"], limits={"sensitive": 10}).admitted
