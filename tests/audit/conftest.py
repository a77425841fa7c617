"""Fixtures of the audit tests: a process key and a small log written by the real writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pmbridge.audit import AuditEvent, AuditLog, query_digest
from pmbridge.signing import SigningKey, generate_key_pair

EVENTS = (
    AuditEvent(
        "researcher:eu-alice", "request", query_digest({"filters": [{"id": "HP:0001250"}]}), "passport"
    ),
    AuditEvent(
        "eu-rome",
        "release",
        query_digest({"filters": [{"id": "HP:0001250"}]}),
        "min_count",
        {"granularity": "count", "results": 2, "noised": 1, "suppressed": 1},
    ),
    AuditEvent(
        "researcher:eu-alice", "refusal", "record query to cn-shanghai", "X1", {"granularity": "record"}
    ),
    AuditEvent("hub", "refusal", "POST /api/individuals", "signature:replayed"),
    AuditEvent(
        "cn-shanghai",
        "release",
        query_digest(b"variant query"),
        "allele_floor",
        {"granularity": "count", "results": 1, "exact": 1, "count": 15},
    ),
    AuditEvent("researcher:cn-bo", "request", "POST /api/g_variants", "passport"),
)


def fixed_clock() -> Callable[[], datetime]:
    moments = iter(datetime(2025, 6, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=i) for i in range(10_000))
    return lambda: next(moments)


@pytest.fixture(scope="session")
def audit_key() -> SigningKey:
    return generate_key_pair()


def write_log(path: Path, key: SigningKey, events: tuple[AuditEvent, ...] = EVENTS) -> Path:
    with AuditLog(path, key=key, clock=fixed_clock()) as log:
        for event in events:
            log.append(event)
    return path


@pytest.fixture
def log_file(tmp_path: Path, audit_key: SigningKey) -> Path:
    return write_log(tmp_path / "audit.jsonl", audit_key)
