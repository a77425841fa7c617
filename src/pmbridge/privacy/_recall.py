"""Same people, same answer: the release a cohort already received, found by its members.

A count of people is remembered with the cohort behind it. A later question whose cohort is
fewer than k people away, however it was worded, is answered with that earlier number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pmbridge.privacy._differencing import Cohort, cohort_distance
from pmbridge.privacy._ledger_types import CachedCount


@dataclass(frozen=True, slots=True)
class CohortScope:
    """Whose releases (a researcher, or the shared public tier), on which dataset, counting what."""

    account: str
    dataset: str
    unit: str

    @property
    def key(self) -> str:
        """One string for storage.

        >>> CohortScope("alice", "ds1", "individuals").key
        'alice\\x1fds1\\x1findividuals'
        """
        return "\x1f".join((self.account, self.dataset, self.unit))


@dataclass(frozen=True, slots=True)
class Recalled:
    """A release for a cohort: the stored answer, the question it was first given for, and whether
    it was drawn just now (``fresh``) or recalled from an earlier question."""

    count: CachedCount
    question: str
    fresh: bool


def nearest_release(
    cohort: Cohort, remembered: Iterable[tuple[str, Cohort, CachedCount]], *, within: int
) -> Recalled | None:
    """The remembered release whose cohort is closest to ``cohort``, if fewer than ``within`` apart.

    Ties go to the earliest remembered. An empty cohort recalls nothing: a count of nobody says
    nothing about anyone and needs no earlier answer.

    >>> a = frozenset(range(20))
    >>> hit = nearest_release(a - {3}, [("q1", a, CachedCount(20, 21, 1.0, 2026))], within=5)
    >>> hit.question, hit.count.value, hit.fresh
    ('q1', 21, False)
    >>> far = frozenset(range(30, 50))
    >>> nearest_release(far, [("q1", a, CachedCount(20, 21, 1.0, 2026))], within=5) is None
    True
    """
    if not cohort:
        return None
    best: tuple[int, str, CachedCount] | None = None
    for question, other, count in remembered:
        if not other or abs(len(other) - len(cohort)) >= within:
            continue
        distance = cohort_distance(cohort, other, stop_at=within)
        if distance < within and (best is None or distance < best[0]):
            best = (distance, question, count)
            if distance == 0:
                break
    return None if best is None else Recalled(best[2], best[1], fresh=False)
