"""Yearly distinct-people counters (X3, X4): one contract for the memory and the SQLite ledger."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pmbridge.model import Granularity, Jurisdiction
from pmbridge.policy import (
    CnExportRoute,
    ExportLedger,
    MemoryExportLedger,
    NodePolicy,
    PolicyThresholds,
    ReleaseRequest,
    SqliteExportLedger,
    admit_export,
    export_year,
    volume_report,
)

LedgerFactory = Callable[[], ExportLedger]


@pytest.fixture(params=["memory", "sqlite"])
def make_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> LedgerFactory:
    if request.param == "memory":
        return MemoryExportLedger
    return lambda: SqliteExportLedger(tmp_path / "ledger.sqlite")


def people(start: int, stop: int) -> list[str]:
    return [f"person-{n}" for n in range(start, stop)]


CN_ROUTED = NodePolicy(
    Jurisdiction.CN,
    "CN",
    cn_export_route=CnExportRoute.STANDARD_CONTRACT,
    pipia_ref="PIPIA-3",
    separate_consent=True,
    hgr_filing_id="HGR-F-1",
)
RECORDS = ReleaseRequest("research", Granularity.RECORD, "DE")
GENETIC_COUNT = ReleaseRequest("research", Granularity.COUNT, "DE", genetic=True)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_admit_counts_distinct_people(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    first = ledger.admit(year=2026, people=["a", "b"], limits={"c": None})
    again = ledger.admit(year=2026, people=["b", "c", "c"], limits={"c": None})
    assert first.admitted and dict(first.added) == {"c": 2}
    assert dict(again.added) == {"c": 1} and dict(again.totals) == {"c": 3}
    assert ledger.totals(year=2026) == {"c": 3}


def test_a_blocked_batch_is_all_or_nothing(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    ledger.admit(year=2026, people=["a"], limits={"x": 2, "y": 10})
    blocked = ledger.admit(year=2026, people=["b", "c"], limits={"x": 2, "y": 10})
    assert not blocked.admitted and blocked.blocked == "x"
    assert ledger.totals(year=2026) == {"x": 1, "y": 1}


def test_counters_reset_each_calendar_year(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    ledger.admit(year=2026, people=["a", "b"], limits={"c": 2})
    assert not ledger.admit(year=2026, people=["z"], limits={"c": 2}).admitted
    assert ledger.admit(year=2027, people=["z"], limits={"c": 2}).admitted
    assert ledger.totals(year=2027) == {"c": 1}


def test_x3_sensitive_counter_blocks_on_reaching_10000(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    allowed = admit_export(CN_ROUTED, RECORDS, people=people(0, 9_999), ledger=ledger, now=NOW)
    assert allowed.allowed
    refused = admit_export(CN_ROUTED, RECORDS, people=["one-more"], ledger=ledger, now=NOW)
    assert (refused.allowed, refused.rule) == (False, "X3")
    assert "security_assessment" in refused.reason and "10000" in refused.reason
    # People already exported this year do not count twice.
    assert admit_export(CN_ROUTED, RECORDS, people=people(0, 10), ledger=ledger, now=NOW).allowed


def test_x3_personal_counter_uses_its_own_threshold(make_ledger: LedgerFactory) -> None:
    policy = replace(CN_ROUTED, thresholds=PolicyThresholds(cn_personal_people=3))
    plain = ReleaseRequest("research", Granularity.RECORD, "DE", sensitive=False)
    ledger = make_ledger()
    assert admit_export(policy, plain, people=["a", "b"], ledger=ledger, now=NOW).allowed
    refused = admit_export(policy, plain, people=["c"], ledger=ledger, now=NOW)
    assert not refused.allowed and "personal information of 3" in refused.reason


def test_x3_security_assessment_lifts_the_limit(make_ledger: LedgerFactory) -> None:
    policy = replace(
        CN_ROUTED,
        cn_export_route=CnExportRoute.SECURITY_ASSESSMENT,
        thresholds=PolicyThresholds(cn_sensitive_people=2),
    )
    ledger = make_ledger()
    assert admit_export(policy, RECORDS, people=people(0, 50), ledger=ledger, now=NOW).allowed
    assert ledger.totals(year=2026) == {"x3_sensitive": 50}


def test_x4_genetic_counter_blocks_above_500(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    assert admit_export(CN_ROUTED, GENETIC_COUNT, people=people(0, 500), ledger=ledger, now=NOW).allowed
    refused = admit_export(CN_ROUTED, GENETIC_COUNT, people=["p-501"], ledger=ledger, now=NOW)
    assert (refused.allowed, refused.rule) == (False, "X4")
    assert "hgr_review_id" in refused.reason
    reviewed = replace(CN_ROUTED, hgr_review_id="HGR-R-9")
    assert admit_export(reviewed, GENETIC_COUNT, people=["p-501"], ledger=ledger, now=NOW).allowed
    assert volume_report(reviewed, ledger.totals(year=2026))["x4_genetic"] == (501, None)


@pytest.mark.parametrize(
    ("request_", "limits"), [(GENETIC_COUNT, {}), (RECORDS, {"cn_sensitive_people": 40})]
)
def test_a_refusal_names_the_limit_never_the_exact_total(
    make_ledger: LedgerFactory, request_: ReleaseRequest, limits: dict[str, int]
) -> None:
    """The ledger's total is exact: two refusals whose batches differ by one person would read it."""
    policy = replace(CN_ROUTED, thresholds=PolicyThresholds(hgr_genetic_people=40, **limits))
    ledger = make_ledger()
    assert admit_export(policy, request_, people=people(0, 37), ledger=ledger, now=NOW).allowed
    small = admit_export(policy, request_, people=people(100, 105), ledger=ledger, now=NOW)
    large = admit_export(policy, request_, people=people(100, 106), ledger=ledger, now=NOW)
    assert not small.allowed and not large.allowed
    assert small.reason == large.reason
    assert "42" not in small.reason and "43" not in small.reason and "40" in small.reason


def test_domestic_and_eu_releases_count_no_one(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    domestic = ReleaseRequest("research", Granularity.RECORD, "CN", genetic=True)
    assert admit_export(CN_ROUTED, domestic, people=["a"], ledger=ledger, now=NOW).allowed
    eu = NodePolicy(Jurisdiction.EU, "IT")
    assert admit_export(eu, GENETIC_COUNT, people=["a"], ledger=ledger, now=NOW).allowed
    assert ledger.totals(year=2026) == {}


def test_the_export_year_follows_china_standard_time() -> None:
    new_year_in_shanghai = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert export_year(new_year_in_shanghai, Jurisdiction.CN) == 2027
    assert export_year(datetime(2026, 12, 31, 15, 59), Jurisdiction.CN) == 2026  # naive = UTC


def test_sqlite_ledger_survives_reopening_and_stores_no_ids(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    SqliteExportLedger(path).admit(year=2026, people=["patient-42"], limits={"c": None})
    assert SqliteExportLedger(path).totals(year=2026) == {"c": 1}
    assert b"patient-42" not in path.read_bytes()


def test_sqlite_ledger_admits_concurrent_batches_without_passing_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    SqliteExportLedger(path)
    results: list[bool] = []

    def export(batch: int) -> None:
        admission = SqliteExportLedger(path).admit(
            year=2026, people=people(batch * 10, batch * 10 + 10), limits={"c": 50}
        )
        results.append(admission.admitted)

    threads = [threading.Thread(target=export, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5
    assert SqliteExportLedger(path).totals(year=2026) == {"c": 50}
