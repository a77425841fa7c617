"""Reading a log for people (``pmbridge audit show``): tolerant, since a damaged log must be shown too."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from pmbridge.audit._entry import AuditEntry
from pmbridge.errors import ConfigError


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One line of a log: the entry, or why it could not be read (checking is ``verify``'s job)."""

    number: int
    entry: AuditEntry | None
    problem: str = ""


def read_audit_log(path: Path, *, tail: int | None = None) -> list[AuditLine]:
    """The log's lines in file order, or only the last ``tail`` of them."""
    kept: deque[tuple[int, bytes]] = deque(maxlen=tail)
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                kept.append((number, raw))
    except FileNotFoundError:
        raise ConfigError(f"audit log {path} not found") from None
    return [_parse(number, raw) for number, raw in kept]


def _parse(number: int, raw: bytes) -> AuditLine:
    try:
        return AuditLine(number, AuditEntry.from_json(json.loads(raw)))
    except (UnicodeDecodeError, ValueError) as exc:
        return AuditLine(number, None, f"unreadable: {exc}")
