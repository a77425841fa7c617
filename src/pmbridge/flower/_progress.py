"""A training's progress and result as JSON lines in a file the hub names in the run config: one
``round`` line per round (which nodes trained, which sat out and why), then one ``result`` line.

Lines are appended and flushed one by one, so a hub page can show a run while it goes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Protocol


class Reporter(Protocol):
    """Where the ServerApp reports a training: JSON lines here; the hub may give its own record."""

    def write(self, event: str, **fields: Any) -> None: ...


class ProgressLog:
    """Appends JSON lines to ``path`` (nothing when ``path`` is None), each stamped with the time."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.started = time.monotonic()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, event: str, **fields: Any) -> None:
        if self.path is None:
            return
        line = {"event": event, "elapsed_s": round(time.monotonic() - self.started, 3), **fields}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, sort_keys=True, allow_nan=False) + "\n")


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines written so far (a partly written last line is skipped)."""
    lines: list[dict[str, Any]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return lines
    for raw in text.splitlines():
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            break
    return lines
