"""Field-size limits for ingest: a record, an id and a text each have a ceiling, so one hostile or
broken file cannot fill a node's store (or its memory) with a single value.

Over a limit is an error for that record (it goes to quarantine, verbatim), naming the field.
"""

from __future__ import annotations

import json  # noqa: F401  (the doctests use it)
import re
from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "IngestLimits", "field_size_problems", "record_size_problem"]

_RUNS: dict[int, re.Pattern[bytes]] = {}
MAX_PROBLEMS_PER_RECORD = 10
"""Field-size problems listed per record; the rest are counted, so one record cannot flood a report."""


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Ceilings for one record (a phenopacket): its bytes, any ``id`` and any other text."""

    max_record_bytes: int = 64 * 1024 * 1024
    max_id_chars: int = 256
    max_text_chars: int = 64 * 1024


DEFAULT_LIMITS = IngestLimits()


def record_size_problem(size: int, limits: IngestLimits) -> str | None:
    """Why a record of ``size`` bytes is refused before it is parsed (None when it is not).

    >>> print(record_size_problem(10, IngestLimits(max_record_bytes=8)))  # doctest: +ELLIPSIS
    the record is 10 bytes, over the limit of 8 bytes per phenopacket; split it ...
    """
    if size <= limits.max_record_bytes:
        return None
    return (
        f"the record is {size} bytes, over the limit of {limits.max_record_bytes} bytes per phenopacket; "
        "split it or drop what a node does not store (e.g. embedded files), "
        "or raise IngestLimits.max_record_bytes"
    )


def field_size_problems(raw: bytes, doc: object, limits: IngestLimits) -> list[tuple[str, str]]:
    """(JSON path, reason) for each id longer than ``max_id_chars`` and each other string longer
    than ``max_text_chars``.

    >>> doc = {"id": "x" * 5, "subject": {"id": "ok"}}
    >>> field_size_problems(json.dumps(doc).encode(), doc, IngestLimits(max_id_chars=4))
    [('$.id', 'an id of 5 characters, over the limit of 4; use a shorter, stable identifier')]
    """
    if _no_string_longer_than(min(limits.max_id_chars, limits.max_text_chars), raw):
        return []
    found: list[tuple[str, str]] = []
    _oversized(doc, "$", key="", limits=limits, found=found)
    if len(found) > MAX_PROBLEMS_PER_RECORD:
        more = len(found) - MAX_PROBLEMS_PER_RECORD
        found = [*found[:MAX_PROBLEMS_PER_RECORD], ("$", f"and {more} more fields over their size limits")]
    return found


def _no_string_longer_than(length: int, raw: bytes) -> bool:
    """True when the raw JSON cannot hold a string over ``length`` characters, decided cheaply.

    Without an escaped quote, every string's text follows a quote and holds none, and a character
    takes at least one byte; so when no quote is followed by more than ``length`` other bytes, no
    string is that long. The search starts only at quotes, so it costs little even on 50 MB.
    """
    if len(raw) <= length:
        return True
    if b'\\"' in raw:
        return False
    if length not in _RUNS:
        _RUNS[length] = re.compile(b'"[^"]{%d}' % (length + 1))
    return _RUNS[length].search(raw) is None


def _oversized(
    value: object, path: str, *, key: str, limits: IngestLimits, found: list[tuple[str, str]]
) -> None:
    if isinstance(value, str):
        if key == "id" and len(value) > limits.max_id_chars:
            found.append(
                (
                    path,
                    f"an id of {len(value)} characters, over the limit of {limits.max_id_chars}; "
                    "use a shorter, stable identifier",
                )
            )
        elif len(value) > limits.max_text_chars:
            found.append(
                (
                    path,
                    f"a text of {len(value)} characters, over the limit of {limits.max_text_chars}; "
                    "shorten it or move it out of the phenopacket (a node stores no free text this long)",
                )
            )
    elif isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(item, int | float | bool) and item is not None:
                _oversized(item, f"{path}.{name}", key=name, limits=limits, found=found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str | dict | list):
                _oversized(item, f"{path}[{index}]", key=key, limits=limits, found=found)
