"""The differencing guard: no two counts a researcher receives may differ by a few people.

Asking for A and then for A minus one person tells who that person is unless the second answer
is refused; so is any pair of differently worded questions whose cohorts are 0 to k-1 apart.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from collections.abc import Iterable
from itertools import accumulate

Cohort = frozenset[int]
"""The members behind a count: the node's internal individual ids (any ints, never sent out)."""


def cohort_distance(a: Cohort, b: Cohort, *, stop_at: int | None = None) -> int:
    """How many people are in one cohort but not the other (the symmetric difference).

    With ``stop_at``, counting ends once the distance is known to reach it (and ``stop_at`` is
    returned): two unrelated cohorts are told apart after ``stop_at`` look-ups, not thousands.

    >>> cohort_distance(frozenset({1, 2, 3}), frozenset({2, 3, 4}))
    2
    >>> cohort_distance(frozenset(range(1000)), frozenset(range(1000, 2000)), stop_at=5)
    5
    """
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if stop_at is None:
        return len(small ^ large)
    missing = 0
    for member in small:
        if member not in large:
            missing += 1
            if missing >= stop_at:
                return stop_at
    common = len(small) - missing
    return min(stop_at, len(small) + len(large) - 2 * common)


def differencing_conflict(cohort: Cohort, seen: Iterable[Cohort], *, min_count: int) -> int | None:
    """The smallest distance below ``min_count`` from a cohort already received, or None.

    ``seen`` holds the cohorts of the researcher's *other* questions (a repeat of the same
    question is answered from the cache, not judged here). Distance 0 is a conflict too: in the
    classic attack the second question ("A minus the target") has the same cohort as the first
    exactly when the target is not in A, so answering it then, and refusing only when the
    target is in A, would give the target away. Refusing both makes the two worlds look alike.
    Sizes rule out most of the history: cohorts whose sizes differ by ``d`` are ``d`` apart at least.

    An empty cohort never conflicts, either way: a count of nobody says nothing about anyone, and
    it would otherwise clash with every small cohort (a count of biosamples or variants can reach
    k with fewer than k people behind it) and, for a shared identity such as anonymous, block
    everyone's next question that matches nobody.

    >>> a = frozenset(range(20))
    >>> differencing_conflict(a - {7}, [a], min_count=5)
    1
    >>> differencing_conflict(a, [a], min_count=5)
    0
    >>> differencing_conflict(frozenset(range(5, 25)), [a], min_count=5) is None
    True
    >>> differencing_conflict(frozenset(), [frozenset({7}), frozenset()], min_count=5) is None
    True
    """
    if not cohort:
        return None
    closest: int | None = None
    for other in seen:
        if not other or abs(len(other) - len(cohort)) >= min_count:
            continue
        distance = cohort_distance(cohort, other, stop_at=min_count)
        if distance < min_count and (closest is None or distance < closest):
            closest = distance
    return closest


def pack_cohort(cohort: Cohort) -> bytes:
    """A compact, order-free byte form: sorted ids, delta-encoded, zlib-compressed.

    >>> unpack_cohort(pack_cohort(frozenset({5, -3, 1_000_000}))) == frozenset({5, -3, 1_000_000})
    True
    """
    ordered = sorted(cohort)
    deltas = array("q", (b - a for a, b in zip([0, *ordered], ordered, strict=False)))
    return zlib.compress(deltas.tobytes(), 6)


def unpack_cohort(blob: bytes) -> Cohort:
    """The cohort :func:`pack_cohort` packed."""
    deltas = array("q")
    deltas.frombytes(zlib.decompress(blob))
    return frozenset(accumulate(deltas))


def cohort_digest(cohort: Cohort) -> str:
    """A stable hex digest of the members, whatever order they came in.

    >>> cohort_digest(frozenset({2, 1})) == cohort_digest(frozenset({1, 2}))
    True
    """
    return hashlib.sha256(b"cohort:" + array("q", sorted(cohort)).tobytes()).hexdigest()
