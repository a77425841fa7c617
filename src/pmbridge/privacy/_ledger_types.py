"""The values a privacy ledger keeps: ε in billionths, noise-cache keys and the answers given."""

from __future__ import annotations

from dataclasses import dataclass

NANO = 1_000_000_000
"""ε is kept in integer billionths, so that 500 charges of 0.1 sum to exactly 50."""


def to_nano(epsilon: float) -> int:
    """ε in integer billionths (rounded to the nearest).

    >>> sum(to_nano(0.1) for _ in range(500)) == to_nano(50.0)
    True
    """
    return round(epsilon * NANO)


@dataclass(frozen=True, slots=True)
class NoiseKey:
    """Whose answer, on which dataset, to which question (a query or cohort digest)."""

    researcher: str
    dataset: str
    digest: str


@dataclass(frozen=True, slots=True)
class CachedCount:
    """An answer given: the exact count it was made for, the value released, the ε it charged, the
    year, and how it was made (``noised``, ``exact`` or ``rounded``)."""

    exact: int
    value: int
    epsilon: float
    year: int
    how: str = "noised"
