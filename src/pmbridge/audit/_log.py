"""The writer: one process appends sealed entries to its JSON-lines file, never rewriting a byte.

Each entry is written by a single ``write`` to a descriptor opened with ``O_APPEND``, under a lock
so threads never interleave or fork the chain, and an exclusive ``flock`` keeps a second process
(or a second ``AuditLog`` on the same file) from writing beside this one.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from pmbridge.audit._entry import GENESIS, AuditEntry, AuditEvent, seal
from pmbridge.errors import AuditLogError
from pmbridge.signing import SigningKey

TAIL_CHUNK = 64 * 1024


def utc_now() -> str:
    """The time of an entry: UTC, milliseconds, ``Z``."""
    return _format(datetime.now(UTC))


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditLog:
    """Append-only, hash-chained, signed; reopening continues the chain where the file ends."""

    def __init__(
        self,
        path: Path,
        *,
        key: SigningKey,
        fsync: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = path
        self.fsync = fsync
        self._key = key
        self._clock = clock
        self._lock = threading.Lock()
        self._broken = ""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise AuditLogError(
                f"audit log {path} is being written by another process",
                hint="give every node and hub process its own audit log file",
            ) from None
        try:
            last = _last_entry(path)
        except AuditLogError:
            self.close()
            raise
        self._seq, self._hash = (last.seq, last.hash) if last else (0, GENESIS)

    @property
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last entry: publish it elsewhere to make truncation detectable."""
        with self._lock:
            return self._seq, self._hash

    def append(self, event: AuditEvent) -> AuditEntry:
        """Seal ``event`` as the next entry and write it; returns the entry as written."""
        moment = _format(self._clock()) if self._clock is not None else utc_now()
        with self._lock:
            if self._fd < 0:
                raise AuditLogError(f"audit log {self.path} is closed")
            if self._broken:
                raise AuditLogError(
                    f"audit log {self.path} stopped after a failed write: {self._broken}",
                    hint="run `pmbridge audit verify` on it and start a new log file",
                )
            entry = seal(event, seq=self._seq + 1, time=moment, prev_hash=self._hash, key=self._key)
            data = entry.line()
            try:
                written = os.write(self._fd, data)
                if written != len(data):  # never seen on a local file; refuse to go on if it is
                    raise OSError(f"short write ({written} of {len(data)} bytes)")
                if self.fsync:
                    os.fsync(self._fd)
            except OSError as exc:
                self._broken = str(exc)
                raise AuditLogError(f"cannot append to audit log {self.path}: {exc}") from None
            self._seq, self._hash = entry.seq, entry.hash
            return entry

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)  # also releases the flock
                self._fd = -1

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _last_entry(path: Path) -> AuditEntry | None:
    """Read only the file's last line, so reopening a large log stays cheap."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return None
        tail = b""
        position = size
        while position > 0 and tail.count(b"\n") < 2:
            step = min(TAIL_CHUNK, position)
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
    if not tail.endswith(b"\n"):
        raise AuditLogError(
            f"the last line of audit log {path} is incomplete (a write was cut off)",
            hint=f"run `pmbridge audit verify {path} --key KEY`, keep the file, start a new one",
        )
    line = tail[:-1].rsplit(b"\n", 1)[-1]
    try:
        entry = AuditEntry.from_json(json.loads(line))
    except ValueError as exc:
        raise AuditLogError(f"the last line of audit log {path} is not an audit entry: {exc}") from None
    if entry.expected_hash() != entry.hash:
        raise AuditLogError(
            f"the last entry of audit log {path} (seq {entry.seq}) does not match its hash",
            hint=f"run `pmbridge audit verify {path} --key KEY`; the log may have been edited",
        )
    return entry
