"""The writer: chained, signed, append-only entries; one writer per file; safe under threads."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pmbridge.audit import GENESIS, AuditEvent, AuditLog, verify_audit_log
from pmbridge.errors import AuditLogError
from pmbridge.signing import SigningKey, generate_key_pair, save_key_pair

from .conftest import EVENTS, fixed_clock, write_log


def test_entries_are_chained_signed_and_verifiable(log_file: Path, audit_key: SigningKey) -> None:
    docs = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [d["seq"] for d in docs] == [1, 2, 3, 4, 5, 6]
    assert docs[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(docs))
    assert {d["key_id"] for d in docs} == {audit_key.key_id}
    assert docs[0]["time"] == "2025-06-01T12:00:00.000Z"
    assert docs[1]["released"] == {"granularity": "count", "results": 2, "noised": 1, "suppressed": 1}
    report = verify_audit_log(log_file, keys=[audit_key.verifying_key])
    assert report.ok and report.entries == 6 and report.head == docs[-1]["hash"]


def test_reopening_continues_the_chain_and_never_rewrites(log_file: Path, audit_key: SigningKey) -> None:
    before = log_file.read_bytes()
    with AuditLog(log_file, key=audit_key) as log:
        assert log.head == (6, json.loads(before.splitlines()[-1])["hash"])
        entry = log.append(EVENTS[0])
    assert entry.seq == 7
    after = log_file.read_bytes()
    assert after.startswith(before)
    assert verify_audit_log(log_file, keys=[audit_key.verifying_key]).entries == 7


def test_key_rotation_is_verified_with_both_keys(log_file: Path, audit_key: SigningKey) -> None:
    new_key = generate_key_pair()
    with AuditLog(log_file, key=new_key) as log:
        log.append(EVENTS[1])
    assert not verify_audit_log(log_file, keys=[audit_key.verifying_key]).ok
    assert verify_audit_log(log_file, keys=[audit_key.verifying_key, new_key.verifying_key]).ok


def test_a_second_writer_is_refused_until_the_first_closes(tmp_path: Path, audit_key: SigningKey) -> None:
    path = tmp_path / "audit.jsonl"
    first = AuditLog(path, key=audit_key)
    with pytest.raises(AuditLogError, match="another process"):
        AuditLog(path, key=audit_key)
    first.append(EVENTS[0])
    first.close()
    with pytest.raises(AuditLogError, match="closed"):
        first.append(EVENTS[0])
    with AuditLog(path, key=audit_key) as second:
        assert second.append(EVENTS[1]).seq == 2


def test_another_process_cannot_write_beside_this_one(tmp_path: Path, audit_key: SigningKey) -> None:
    files = save_key_pair(generate_key_pair(), directory=tmp_path, name="other")
    path = tmp_path / "audit.jsonl"
    script = (
        "import sys; from pathlib import Path\n"
        "from pmbridge.audit import AuditLog\n"
        "from pmbridge.errors import AuditLogError\n"
        "from pmbridge.signing import load_signing_key\n"
        "try:\n"
        f"    AuditLog(Path({str(path)!r}), key=load_signing_key(Path({str(files.private)!r})))\n"
        "except AuditLogError as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    with AuditLog(path, key=audit_key):
        done = subprocess.run(
            [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 3, done.stderr
    assert "another process" in done.stdout


def test_a_cut_off_last_line_stops_the_writer_and_is_named(log_file: Path, audit_key: SigningKey) -> None:
    data = log_file.read_bytes()
    log_file.write_bytes(data[:-20])
    with pytest.raises(AuditLogError, match="incomplete"):
        AuditLog(log_file, key=audit_key)
    report = verify_audit_log(log_file, keys=[audit_key.verifying_key])
    assert report.problem is not None and report.problem.line == 6
    assert "incomplete" in report.problem.message


def test_an_edited_last_line_stops_the_writer(log_file: Path, audit_key: SigningKey) -> None:
    log_file.write_bytes(log_file.read_bytes().replace(b"researcher:cn-bo", b"researcher:cn-xx"))
    with pytest.raises(AuditLogError, match="does not match its hash"):
        AuditLog(log_file, key=audit_key)


def test_threads_append_one_unbroken_chain(tmp_path: Path, audit_key: SigningKey) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path, key=audit_key, fsync=True) as log:

        def worker(n: int) -> None:
            for i in range(40):
                log.append(AuditEvent(f"thread-{n}", "request", f"query {i}"))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert log.head[0] == 240
    report = verify_audit_log(path, keys=[audit_key.verifying_key])
    assert report.ok, report.problem
    assert report.entries == 240


@pytest.mark.parametrize(
    ("event", "match"),
    [
        (AuditEvent("hub", "delete", "q"), "not one of"),
        (AuditEvent("", "request", "q"), "actor"),
        (AuditEvent("hub", "release", "q", released={"rows": [1, 2]}), "never holds records"),  # type: ignore[dict-item]
        (AuditEvent("hub", "release", "q", released={"row": {"id": "P1"}}), "never holds records"),  # type: ignore[dict-item]
        (AuditEvent("hub", "release", "q", released={"x": math.nan}), "short scalar"),
        (AuditEvent("hub", "request", "q" * 600), "longer than"),
    ],
)
def test_events_the_log_must_not_hold_are_refused(
    tmp_path: Path, audit_key: SigningKey, event: AuditEvent, match: str
) -> None:
    with AuditLog(tmp_path / "audit.jsonl", key=audit_key) as log, pytest.raises(AuditLogError, match=match):
        log.append(event)
    assert (tmp_path / "audit.jsonl").read_bytes() == b""


def test_non_ascii_text_is_kept_exactly(tmp_path: Path, audit_key: SigningKey) -> None:
    path = write_log(
        tmp_path / "a.jsonl", audit_key, (AuditEvent("研究员:王", "request", "癫痫发作 HP:0001250"),)
    )
    assert path.read_bytes().isascii()
    assert json.loads(path.read_text())["actor"] == "研究员:王"
    assert verify_audit_log(path, keys=[audit_key.verifying_key]).ok


def test_clock_is_injectable(tmp_path: Path, audit_key: SigningKey) -> None:
    with AuditLog(tmp_path / "a.jsonl", key=audit_key, clock=fixed_clock()) as log:
        assert log.append(EVENTS[0]).time == "2025-06-01T12:00:00.000Z"
        assert log.append(EVENTS[0]).time == "2025-06-01T12:00:01.000Z"
