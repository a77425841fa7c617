"""Property tests: every single-byte change, deletion, insertion, swap or move of entries is detected."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.audit import AuditEvent, verify_audit_log
from pmbridge.signing import SigningKey, generate_key_pair

from .conftest import write_log

KEY: SigningKey = generate_key_pair()
N = 8


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit-props")


@pytest.fixture(scope="module")
def original(workdir: Path) -> tuple[bytes, str]:
    events = tuple(
        AuditEvent(
            f"researcher:{i}",
            ("request", "release", "refusal")[i % 3],
            f"query {i}",
            f"rule-{i}",
            {"granularity": "count", "results": i},
        )
        for i in range(N)
    )
    path = write_log(workdir / "original.jsonl", KEY, events)
    report = verify_audit_log(path, keys=[KEY.verifying_key])
    assert report.ok and report.entries == N
    return path.read_bytes(), report.head


def detected(workdir: Path, data: bytes, head: str | None = None) -> bool:
    path = workdir / "tampered.jsonl"
    path.write_bytes(data)
    return not verify_audit_log(path, keys=[KEY.verifying_key], expect_head=head).ok


@settings(max_examples=300, deadline=None)
@given(index=st.integers(min_value=0), value=st.integers(0, 255))
def test_any_single_byte_change_is_detected(
    workdir: Path, original: tuple[bytes, str], index: int, value: int
) -> None:
    data, _ = original
    changed = bytearray(data)
    changed[index % len(data)] = value
    if bytes(changed) != data:
        assert detected(workdir, bytes(changed))


@settings(max_examples=50, deadline=None)
@given(position=st.integers(0, N - 1))
def test_any_deleted_entry_is_detected(workdir: Path, original: tuple[bytes, str], position: int) -> None:
    data, head = original
    lines = data.splitlines(keepends=True)
    del lines[position]
    # Only the last entry's deletion needs the head: nothing after it points back at it.
    assert detected(workdir, b"".join(lines), head if position == N - 1 else None)


@settings(max_examples=100, deadline=None)
@given(source=st.integers(0, N - 1), position=st.integers(0, N))
def test_any_inserted_copy_is_detected(
    workdir: Path, original: tuple[bytes, str], source: int, position: int
) -> None:
    data, _ = original
    lines = data.splitlines(keepends=True)
    lines.insert(position, lines[source])
    assert detected(workdir, b"".join(lines))


@settings(max_examples=100, deadline=None)
@given(a=st.integers(0, N - 1), b=st.integers(0, N - 1))
def test_any_swap_is_detected(workdir: Path, original: tuple[bytes, str], a: int, b: int) -> None:
    data, _ = original
    lines = data.splitlines(keepends=True)
    if a == b:
        return
    lines[a], lines[b] = lines[b], lines[a]
    assert detected(workdir, b"".join(lines))


@settings(max_examples=100, deadline=None)
@given(source=st.integers(0, N - 1), target=st.integers(0, N - 1))
def test_any_moved_entry_is_detected(
    workdir: Path, original: tuple[bytes, str], source: int, target: int
) -> None:
    data, _ = original
    lines = data.splitlines(keepends=True)
    if source == target:
        return
    lines.insert(target, lines.pop(source))
    assert detected(workdir, b"".join(lines))
