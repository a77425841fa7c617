"""Same people, same answer: the release a cohort already received, found by its members.

A count of people is remembered with the cohort behind it. A later question whose cohort is
fewer than k people away, however it was worded, is answered with that earlier number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

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


SKETCH_BUCKETS = 64
"""People per hash bucket, kept beside each remembered cohort: the L1 distance of two sketches is
at most the number of people in one cohort but not the other, so sketches ``within`` or more apart
rule a remembered cohort out without unpacking it."""

_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: ids spread evenly over the buckets
_SHIFT = np.uint64(64 - 6)


def cohort_sketch(cohort: Cohort) -> bytes:
    """How many members fall in each of :data:`SKETCH_BUCKETS` hash buckets, as bytes.

    >>> import numpy as np
    >>> int(np.frombuffer(cohort_sketch(frozenset(range(1000))), dtype=np.uint32).sum())
    1000
    """
    ids = np.fromiter(cohort, dtype=np.int64, count=len(cohort)).astype(np.uint64)
    buckets = (ids * _MIX) >> _SHIFT
    return np.bincount(buckets.astype(np.int64), minlength=SKETCH_BUCKETS).astype(np.uint32).tobytes()


@dataclass(frozen=True, slots=True)
class Remembered:
    """A release kept with its cohort: the question it answered, the members (unpacked only when
    the sketch cannot rule it out) and the answer."""

    question: str
    size: int
    sketch: bytes
    members: Callable[[], Cohort]
    count: CachedCount


def remembered(question: str, cohort: Cohort, count: CachedCount) -> Remembered:
    """A release kept in memory.

    >>> remembered("q", frozenset({1, 2}), CachedCount(2, 2, 0.0, 2026, "exact")).size
    2
    """
    return Remembered(question, len(cohort), cohort_sketch(cohort), lambda: cohort, count)


def nearest_release(cohort: Cohort, candidates: Iterable[Remembered], *, within: int) -> Recalled | None:
    """The remembered release whose cohort is closest to ``cohort``, if fewer than ``within`` apart.

    Sizes and sketches rule most candidates out; the rest are compared member by member. Ties go
    to the earliest remembered. An empty cohort recalls nothing: a count of nobody says nothing
    about anyone and needs no earlier answer.

    >>> a = frozenset(range(20))
    >>> hit = nearest_release(a - {3}, [remembered("q1", a, CachedCount(20, 21, 1.0, 2026))], within=5)
    >>> hit.question, hit.count.value, hit.fresh
    ('q1', 21, False)
    >>> far = frozenset(range(30, 50))
    >>> nearest_release(far, [remembered("q1", a, CachedCount(20, 21, 1.0, 2026))], within=5) is None
    True
    """
    if not cohort:
        return None
    near = [c for c in candidates if c.size and abs(c.size - len(cohort)) < within]
    if not near:
        return None
    mine = np.frombuffer(cohort_sketch(cohort), dtype=np.uint32).astype(np.int64)
    theirs = np.frombuffer(b"".join(c.sketch for c in near), dtype=np.uint32).astype(np.int64)
    apart = np.abs(theirs.reshape(len(near), SKETCH_BUCKETS) - mine).sum(axis=1)
    best: tuple[int, str, CachedCount] | None = None
    for candidate, lower_bound in zip(near, apart.tolist(), strict=True):
        if lower_bound >= within:
            continue
        distance = cohort_distance(cohort, candidate.members(), stop_at=within)
        if distance < within and (best is None or distance < best[0]):
            best = (distance, candidate.question, candidate.count)
            if distance == 0:
                break
    return None if best is None else Recalled(best[2], best[1], fresh=False)
