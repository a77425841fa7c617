"""One contract for every privacy ledger: in memory and the SQLite file, including across processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmbridge.errors import BudgetExhausted, SchemaTooNew, StoreError
from pmbridge.privacy import (
    CachedCount,
    CohortScope,
    MemoryLedger,
    NoiseKey,
    PrivacyLedger,
    Recalled,
    SqliteLedger,
)


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivacyLedger]:
    made: PrivacyLedger = (
        MemoryLedger() if request.param == "memory" else SqliteLedger(tmp_path / "privacy.sqlite")
    )
    yield made
    made.close()


KEY = NoiseKey("alice", "ds1", "q1")


def test_settle_charges_and_caches(ledger: PrivacyLedger) -> None:
    assert ledger.cached(KEY) is None and ledger.spent("alice", "ds1", 2025) == 0.0
    kept = ledger.settle(KEY, CachedCount(40, 42, 1.0, 2025), budget=50.0)
    assert kept == CachedCount(40, 42, 1.0, 2025) == ledger.cached(KEY)
    assert ledger.spent("alice", "ds1", 2025) == 1.0
    assert ledger.spending("alice", 2025) == {"ds1": 1.0}


def test_a_twin_draw_gets_the_first_answer_and_costs_nothing(ledger: PrivacyLedger) -> None:
    ledger.settle(KEY, CachedCount(40, 42, 1.0, 2025), budget=50.0)
    twin = ledger.settle(KEY, CachedCount(40, 37, 1.0, 2025), budget=50.0)
    assert twin.value == 42 and ledger.spent("alice", "ds1", 2025) == 1.0


def test_a_new_exact_count_is_a_new_charge(ledger: PrivacyLedger) -> None:
    ledger.settle(KEY, CachedCount(40, 42, 1.0, 2025), budget=50.0)
    fresh = ledger.settle(KEY, CachedCount(41, 39, 1.0, 2025), budget=50.0)
    assert fresh.value == 39 and ledger.spent("alice", "ds1", 2025) == 2.0


def test_past_the_budget_nothing_changes(ledger: PrivacyLedger) -> None:
    for i in range(500):
        ledger.settle(NoiseKey("alice", "ds1", f"q{i}"), CachedCount(40, 40, 0.1, 2025), budget=50.0)
    assert ledger.spent("alice", "ds1", 2025) == 50.0  # integer accounting: 500 × 0.1 is exactly 50
    with pytest.raises(BudgetExhausted):
        ledger.settle(NoiseKey("alice", "ds1", "one more"), CachedCount(40, 40, 0.1, 2025), budget=50.0)
    assert ledger.cached(NoiseKey("alice", "ds1", "one more")) is None
    assert ledger.spent("alice", "ds1", 2025) == 50.0


def test_cohorts_are_admitted_remembered_and_forgotten(ledger: PrivacyLedger) -> None:
    a = frozenset(range(50))
    assert ledger.admit_cohort("r", a, query="A", min_count=5, keep=2, remember=True) is None
    assert ledger.admit_cohort("r", a - {1}, query="B", min_count=5, keep=2, remember=True) == 1
    assert ledger.admit_cohort("r", a, query="C", min_count=5, keep=2, remember=True) == 0
    assert (
        ledger.admit_cohort("r", a - {1}, query="A", min_count=5, keep=2, remember=True) is None
    )  # same question
    assert ledger.admit_cohort("other", a - {1}, query="B", min_count=5, keep=2, remember=True) is None
    small = frozenset(range(3))
    assert ledger.admit_cohort("r", small, query="S", min_count=5, keep=2, remember=False) is None
    assert ledger.admit_cohort("r", small | {3}, query="T", min_count=5, keep=2, remember=False) is None
    for i in range(2):  # push A out of a history of 2
        far = frozenset(range(1000 * (i + 1), 1000 * (i + 1) + 50))
        assert ledger.admit_cohort("r", far, query=f"far{i}", min_count=5, keep=2, remember=True) is None
    assert ledger.admit_cohort("r", a - {1}, query="B", min_count=5, keep=2, remember=True) is None


def test_the_sqlite_ledger_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "privacy.sqlite"
    first = SqliteLedger(path)
    first.settle(KEY, CachedCount(40, 42, 1.0, 2025), budget=50.0)
    first.admit_cohort("alice", frozenset(range(20)), query="A", min_count=5, keep=10, remember=True)
    first.close()
    again = SqliteLedger(path)
    assert again.cached(KEY) == CachedCount(40, 42, 1.0, 2025)
    assert again.spent("alice", "ds1", 2025) == 1.0
    assert (
        again.admit_cohort("alice", frozenset(range(19)), query="B", min_count=5, keep=10, remember=True) == 1
    )
    again.close()


def test_a_newer_ledger_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "privacy.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(SchemaTooNew):
        SqliteLedger(path)


def test_a_folder_that_does_not_exist_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the privacy ledger"):
        SqliteLedger(tmp_path / "missing" / "privacy.sqlite")


def _spend_concurrently(path: str, worker: int, tries: int) -> None:
    ledger = SqliteLedger(Path(path))
    for i in range(tries):
        try:
            ledger.settle(
                NoiseKey("alice", "ds1", f"w{worker}-q{i}"), CachedCount(20, 20, 1.0, 2025), budget=25.0
            )
            ledger.settle(
                NoiseKey("alice", "ds1", "shared"), CachedCount(20, 100 + worker, 1.0, 2025), budget=25.0
            )
        except BudgetExhausted:
            pass
    ledger.close()


def test_processes_sharing_a_ledger_file_never_overspend(tmp_path: Path) -> None:
    path = tmp_path / "privacy.sqlite"
    SqliteLedger(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_spend_concurrently, args=(str(path), w, 20)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    ledger = SqliteLedger(path)
    assert ledger.spent("alice", "ds1", 2025) == 25.0  # 80 fresh questions wanted, 25 paid for
    shared = ledger.cached(NoiseKey("alice", "ds1", "shared"))
    assert shared is not None and 100 <= shared.value < 104  # one draw for the shared question
    with sqlite3.connect(path) as db:
        (cached,) = db.execute("SELECT count(*) FROM noise_cache").fetchone()
    assert cached == 25
    ledger.close()


SCOPE = CohortScope("alice", "ds1", "individuals")


def test_a_cohort_release_is_recalled_for_the_same_or_nearly_the_same_people(ledger: PrivacyLedger) -> None:
    a = frozenset(range(50))
    draw = CachedCount(50, 52, 1.0, 2025)
    fresh = ledger.settle_cohort(SCOPE, a, question="q1", draw=draw, within=5, keep=10, budget=50.0)
    assert fresh == Recalled(draw, "q1", fresh=True) and ledger.spent("alice", "ds1", 2025) == 1.0
    other = CachedCount(49, 60, 1.0, 2025)
    again = ledger.settle_cohort(SCOPE, a - {3}, question="q2", draw=other, within=5, keep=10, budget=50.0)
    assert again == Recalled(draw, "q1", fresh=False) and ledger.spent("alice", "ds1", 2025) == 1.0
    assert ledger.recall(SCOPE, a | {99}, within=5) == Recalled(draw, "q1", fresh=False)
    assert ledger.recall(CohortScope("bob", "ds1", "individuals"), a, within=5) is None
    assert ledger.recall(CohortScope("alice", "ds1", "biosamples"), a, within=5) is None
    assert (
        ledger.settle_cohort(
            SCOPE, frozenset(range(3)), question="q3", draw=None, within=5, keep=10, budget=50.0
        )
        is None
    )


def test_a_cohort_release_past_the_budget_changes_nothing(ledger: PrivacyLedger) -> None:
    with pytest.raises(BudgetExhausted):
        ledger.settle_cohort(
            SCOPE,
            frozenset(range(50)),
            question="q",
            draw=CachedCount(50, 50, 2.0, 2025),
            within=5,
            keep=10,
            budget=1.0,
        )
    assert (
        ledger.recall(SCOPE, frozenset(range(50)), within=5) is None
        and ledger.spent("alice", "ds1", 2025) == 0.0
    )
    free = ledger.settle_cohort(
        SCOPE,
        frozenset(range(50)),
        question="q",
        draw=CachedCount(50, 50, 2.0, 2025),
        within=5,
        keep=10,
        budget=None,
    )
    assert free is not None and free.fresh and ledger.spent("alice", "ds1", 2025) == 0.0


def test_cohort_releases_beyond_the_history_are_forgotten(ledger: PrivacyLedger) -> None:
    old = frozenset(range(50))
    ledger.settle_cohort(
        SCOPE, old, question="old", draw=CachedCount(50, 50, 1.0, 2025), within=5, keep=2, budget=None
    )
    for i in range(2):
        far = frozenset(range(1000 * (i + 1), 1000 * (i + 1) + 50))
        ledger.settle_cohort(
            SCOPE, far, question=f"far{i}", draw=CachedCount(50, 50, 1.0, 2025), within=5, keep=2, budget=None
        )
    assert ledger.recall(SCOPE, old, within=5) is None


def test_the_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "privacy.sqlite"
    first = SqliteLedger(path)
    secret = first.secret()
    first.settle_cohort(
        SCOPE,
        frozenset(range(20)),
        question="q",
        draw=CachedCount(20, 21, 1.0, 2025),
        within=5,
        keep=5,
        budget=None,
    )
    first.close()
    again = SqliteLedger(path)
    assert again.secret() == secret and len(secret) == 32
    assert again.recall(SCOPE, frozenset(range(19)), within=5) is not None
    again.close()
    assert SqliteLedger(tmp_path / "other.sqlite").secret() != secret


def test_a_version_1_ledger_file_is_upgraded_and_keeps_its_budget(tmp_path: Path) -> None:
    path = tmp_path / "privacy.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE budget (researcher TEXT NOT NULL, dataset TEXT NOT NULL, year INTEGER NOT NULL, "
            "spent_nano INTEGER NOT NULL, PRIMARY KEY (researcher, dataset, year))"
        )
        db.execute("INSERT INTO budget VALUES ('alice', 'ds1', 2025, 3000000000)")
        db.execute("PRAGMA user_version = 1")
    upgraded = SqliteLedger(path)
    assert (
        upgraded.spent("alice", "ds1", 2025) == 3.0
        and upgraded.recall(SCOPE, frozenset({1}), within=5) is None
    )
    upgraded.close()
