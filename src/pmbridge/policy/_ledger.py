"""Yearly counters of distinct people whose data left the node (X3, X4): the protocol and memory store.

People are stored as SHA-256 digests of their node-local ids, never the ids themselves. A batch
is admitted all-or-nothing across every counter it touches, so a refused export counts no one.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, Protocol

from pmbridge.model import Jurisdiction

CN_SENSITIVE: Final = "x3_sensitive"
"""Counter of people whose sensitive personal information (health, genetic) left China."""
CN_PERSONAL: Final = "x3_personal"
"""Counter of people whose other personal information left China."""
HGR_GENETIC: Final = "x4_genetic"
"""Counter of people whose genetic data contributed to output provided abroad."""

_CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True, slots=True)
class Admission:
    """What admitting one batch did: ``totals`` are after the batch if admitted, else as they would be.

    ``blocked`` names the first counter whose limit the batch would pass.
    """

    admitted: bool
    totals: Mapping[str, int]
    added: Mapping[str, int]
    blocked: str | None = None


class ExportLedger(Protocol):
    """Storage of the yearly distinct-people counters; every implementation passes one contract test."""

    def admit(self, *, year: int, people: Collection[str], limits: Mapping[str, int | None]) -> Admission:
        """Add ``people`` to every counter in ``limits`` unless a total would pass its limit (None: none)."""
        ...

    def totals(self, *, year: int) -> Mapping[str, int]:
        """Distinct people per counter in ``year``."""
        ...


def person_digest(person_id: str) -> str:
    """The digest a ledger stores for a person.

    >>> person_digest("p1")[:12]
    'f64551fcd6f0'
    """
    return hashlib.sha256(person_id.encode()).hexdigest()


def export_year(now: datetime, jurisdiction: Jurisdiction) -> int:
    """The calendar year an export falls in, on the node's legal clock (China: UTC+8).

    Naive datetimes are taken as UTC.

    >>> export_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), Jurisdiction.CN)
    2027
    >>> export_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), Jurisdiction.EU)
    2026
    """
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    zone = _CHINA_STANDARD_TIME if jurisdiction is Jurisdiction.CN else UTC
    return aware.astimezone(zone).year


def plan_admission(
    *,
    counts: Mapping[str, int],
    present: Mapping[str, Collection[str]],
    digests: Collection[str],
    limits: Mapping[str, int | None],
) -> Admission:
    """Decide a batch from each counter's current total and which of the batch it already holds.

    >>> plan_admission(counts={"c": 1}, present={"c": {"a"}}, digests={"a", "b"}, limits={"c": 1}).blocked
    'c'
    >>> plan_admission(counts={"c": 1}, present={"c": {"a"}}, digests={"a", "b"}, limits={"c": 2}).totals
    {'c': 2}
    """
    added = {name: sum(1 for d in digests if d not in present.get(name, ())) for name in limits}
    totals = {name: counts.get(name, 0) + added[name] for name in limits}
    blocked = next(
        (name for name, limit in sorted(limits.items()) if limit is not None and totals[name] > limit), None
    )
    return Admission(admitted=blocked is None, totals=totals, added=added, blocked=blocked)


class MemoryExportLedger:
    """An in-process ledger for tests and single-process demos; forgets everything on exit."""

    def __init__(self) -> None:
        self._counters: dict[tuple[str, int], set[str]] = {}
        self._lock = threading.Lock()

    def admit(self, *, year: int, people: Collection[str], limits: Mapping[str, int | None]) -> Admission:
        digests = {person_digest(p) for p in people}
        with self._lock:
            known = {name: self._counters.get((name, year), set()) for name in limits}
            counts = {name: len(found) for name, found in known.items()}
            admission = plan_admission(counts=counts, present=known, digests=digests, limits=limits)
            if admission.admitted:
                for name in limits:
                    self._counters.setdefault((name, year), set()).update(digests)
            return admission

    def totals(self, *, year: int) -> Mapping[str, int]:
        with self._lock:
            return {name: len(found) for (name, y), found in sorted(self._counters.items()) if y == year}
