"""Quarantine: bad records kept aside, verbatim, with their problems, for a steward to fix and re-ingest."""

from __future__ import annotations

import base64
import fcntl
import os
import tempfile
import time
from pathlib import Path
from types import TracebackType

import orjson

from pmbridge.ingest._report import RecordProblem

TEMP_PREFIX = ".pmbridge-quarantine-"
STALE_AFTER_S = 60.0
"""A temp file nobody holds locked is a killed run's once its pid is gone or it is this old (the
pid may have been reused); a starting run locks its file within microseconds of creating it."""


class Quarantine:
    """JSON lines written to a temp file, moved into place only by :meth:`commit`.

    A killed run cannot clean up after itself, so each run first removes the temp files of runs
    that are gone. A run holds an exclusive ``flock`` on its temp file for as long as it lives, so
    a live run's file is never taken for a dead one's, even when a pid is reused.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=path.parent)
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits only for a cleaner that is looking at it
        self._tmp = Path(tmp)
        self._handle = os.fdopen(fd, "wb")

    def put(self, source: str, raw: bytes, problems: list[RecordProblem]) -> None:
        try:
            text: dict[str, str] = {"text": raw.decode("utf-8")}
        except UnicodeDecodeError:
            text = {"base64": base64.b64encode(raw).decode("ascii")}
        entry = {
            "source": source,
            "problems": [{"path": p.path, "reason": p.reason} for p in problems],
            **text,
        }
        self._handle.write(orjson.dumps(entry) + b"\n")
        self.count += 1

    def commit(self) -> Path | None:
        """Keep the file when anything was quarantined; returns its path. The records are on disk
        before the file takes its name; if that fails, the temp file is removed and the error raised."""
        if self.count == 0:
            self.discard()
            return None
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._tmp.replace(self.path)
        except BaseException:
            self.discard()
            raise
        self._handle.close()
        _sync_folder(self.path.parent)
        return self.path

    def discard(self) -> None:
        """Drop the temp file (after an error or Ctrl-C, or when nothing was quarantined)."""
        if not self._handle.closed:
            self._handle.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> Quarantine:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._handle.closed:
            self.discard()


def remove_stale_temp_files(folder: Path, *, now: float | None = None) -> list[Path]:
    """Delete quarantine temp files left by killed runs; returns them.

    A file is stale when no run holds its lock and either the pid in its name no longer runs or it
    is older than :data:`STALE_AFTER_S` (its pid was reused). A locked file belongs to a live run.
    """
    moment = time.time() if now is None else now
    removed: list[Path] = []
    for candidate in folder.glob(f"{TEMP_PREFIX}*.tmp"):
        pid_text = candidate.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        try:
            fd = os.open(candidate, os.O_RDONLY)
        except FileNotFoundError:
            continue  # its run finished meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live run holds it
            dead = not pid_text.isdigit() or not _alive(int(pid_text))
            if dead or moment - os.fstat(fd).st_mtime > STALE_AFTER_S:
                candidate.unlink(missing_ok=True)
                removed.append(candidate)
        finally:
            os.close(fd)
    return removed


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: some file systems refuse it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
