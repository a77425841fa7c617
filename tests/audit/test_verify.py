"""The verifier names the first bad line and what is wrong with it, for every kind of tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmbridge.audit import AuditEvent, AuditLog, AuditReport, canonical_json, verify_audit_log
from pmbridge.audit._entry import SIGNATURE_CONTEXT, entry_hash
from pmbridge.errors import ConfigError
from pmbridge.signing import SigningKey, generate_key_pair

from .conftest import write_log


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def rewrite(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def check(path: Path, key: SigningKey, **kw: str) -> AuditReport:
    return verify_audit_log(path, keys=[key.verifying_key], **kw)  # type: ignore[arg-type]


def problem(path: Path, key: SigningKey, **kw: str) -> tuple[int, int | None, str]:
    report = check(path, key, **kw)
    assert report.problem is not None, "tampering went undetected"
    return report.problem.line, report.problem.seq, report.problem.message


def test_intact_log_and_empty_log_pass(log_file: Path, tmp_path: Path, audit_key: SigningKey) -> None:
    assert check(log_file, audit_key).ok
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    report = check(empty, audit_key)
    assert report.ok and report.entries == 0


def test_edited_field(log_file: Path, audit_key: SigningKey) -> None:
    lines = lines_of(log_file)
    lines[2] = lines[2].replace(b'"rule":"X1"', b'"rule":"X2"')
    rewrite(log_file, lines)
    line, seq, message = problem(log_file, audit_key)
    assert (line, seq) == (3, 3)
    assert "does not match its hash (edited)" in message


def test_edited_and_hashed_again(log_file: Path, audit_key: SigningKey) -> None:
    lines = lines_of(log_file)
    doc = json.loads(lines[1])
    doc["released"]["results"] = 3
    doc["hash"] = entry_hash({k: v for k, v in doc.items() if k not in ("hash", "signature")})
    lines[1] = canonical_json(doc) + b"\n"
    rewrite(log_file, lines)
    assert problem(log_file, audit_key)[:2] == (2, 2)
    assert "signature does not verify" in problem(log_file, audit_key)[2]


def test_edited_and_signed_with_another_key(log_file: Path, audit_key: SigningKey) -> None:
    forger = generate_key_pair()
    lines = lines_of(log_file)
    doc = json.loads(lines[3])
    doc["rule"], doc["key_id"] = "none", forger.key_id
    doc["hash"] = entry_hash({k: v for k, v in doc.items() if k not in ("hash", "signature")})
    doc["signature"] = forger.sign(SIGNATURE_CONTEXT + doc["hash"].encode()).hex()
    lines[3] = canonical_json(doc) + b"\n"
    rewrite(log_file, lines)
    line, seq, message = problem(log_file, audit_key)
    assert (line, seq) == (4, 4)
    assert f"signed by key {forger.key_id}" in message


def test_reformatted_line(log_file: Path, audit_key: SigningKey) -> None:
    lines = lines_of(log_file)
    lines[0] = json.dumps(json.loads(lines[0])).encode() + b"\n"  # same content, spaces added
    rewrite(log_file, lines)
    assert problem(log_file, audit_key)[:2] == (1, 1)
    assert "not in the form the log writes" in problem(log_file, audit_key)[2]


@pytest.mark.parametrize(("deleted", "line", "seq"), [(0, 1, 2), (2, 3, 4), (4, 5, 6)])
def test_deleted_entry(log_file: Path, audit_key: SigningKey, deleted: int, line: int, seq: int) -> None:
    lines = lines_of(log_file)
    del lines[deleted]
    rewrite(log_file, lines)
    found = problem(log_file, audit_key)
    assert found[:2] == (line, seq)
    assert f"seq {seq} where {deleted + 1} was expected" in found[2]
    assert "deleted" in found[2]


def test_deleted_last_entries_need_the_head(log_file: Path, audit_key: SigningKey) -> None:
    head = check(log_file, audit_key).head
    lines = lines_of(log_file)
    rewrite(log_file, lines[:-2])
    assert check(log_file, audit_key).ok  # a chain alone cannot see its end cut off
    line, seq, message = problem(log_file, audit_key, expect_head=head)
    assert line == 5 and seq is None
    assert "removed from the end" in message


def test_inserted_copy(log_file: Path, audit_key: SigningKey) -> None:
    lines = lines_of(log_file)
    lines.insert(4, lines[1])
    rewrite(log_file, lines)
    line, seq, message = problem(log_file, audit_key)
    assert (line, seq) == (5, 2)
    assert "inserted" in message


def test_inserted_blank_line(log_file: Path, audit_key: SigningKey) -> None:
    lines = lines_of(log_file)
    lines.insert(2, b"\n")
    rewrite(log_file, lines)
    assert problem(log_file, audit_key)[:2] == (3, None)


def test_entry_replaced_by_one_from_another_log_of_the_same_key(
    log_file: Path, tmp_path: Path, audit_key: SigningKey
) -> None:
    other = write_log(tmp_path / "other.jsonl", audit_key, (AuditEvent("hub", "request", "other query"),) * 4)
    lines = lines_of(log_file)
    lines[2] = lines_of(other)[2]
    rewrite(log_file, lines)
    line, seq, message = problem(log_file, audit_key)
    assert (line, seq) == (3, 3)
    assert "prev_hash" in message


def test_swapped_entries(log_file: Path, audit_key: SigningKey) -> None:
    lines = lines_of(log_file)
    lines[1], lines[2] = lines[2], lines[1]
    rewrite(log_file, lines)
    line, seq, message = problem(log_file, audit_key)
    assert (line, seq) == (2, 3)
    assert "moved" in message


def test_reversed_log(log_file: Path, audit_key: SigningKey) -> None:
    rewrite(log_file, lines_of(log_file)[::-1])
    assert problem(log_file, audit_key)[:2] == (1, 6)


def test_wrong_key(log_file: Path) -> None:
    assert "not among the given keys" in problem(log_file, generate_key_pair())[2]


def test_missing_file_and_no_key(tmp_path: Path, audit_key: SigningKey) -> None:
    with pytest.raises(ConfigError, match="not found"):
        check(tmp_path / "nope.jsonl", audit_key)
    with pytest.raises(ConfigError, match="no public key"):
        verify_audit_log(tmp_path / "nope.jsonl", keys=[])


def test_appending_after_verification_keeps_it_valid(log_file: Path, audit_key: SigningKey) -> None:
    head = check(log_file, audit_key).head
    with AuditLog(log_file, key=audit_key) as log:
        log.append(AuditEvent("hub", "request", "later"))
    assert check(log_file, audit_key).ok
    assert not check(log_file, audit_key, expect_head=head).ok  # an old head no longer matches the end
