"""Quarantine: bad records kept aside, verbatim, with their problems, for a steward to fix and re-ingest."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from types import TracebackType

import orjson

from pmbridge.ingest._report import RecordProblem

TEMP_PREFIX = ".pmbridge-quarantine-"


class Quarantine:
    """JSON lines written to a temp file, moved into place only by :meth:`commit`.

    A killed run cannot clean up after itself, so each run first removes the temp files of runs
    whose process is gone (their pid is in the name).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=path.parent)
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
        """Keep the file when anything was quarantined; returns its path."""
        self._handle.close()
        if self.count == 0:
            self._tmp.unlink(missing_ok=True)
            return None
        self._tmp.replace(self.path)
        return self.path

    def discard(self) -> None:
        self._handle.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> Quarantine:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._handle.closed:
            self.discard()


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete quarantine temp files left by processes that no longer run; returns them."""
    removed: list[Path] = []
    for candidate in folder.glob(f"{TEMP_PREFIX}*.tmp"):
        pid_text = candidate.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
