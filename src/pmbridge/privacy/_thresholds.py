"""Minimum counts and rounding: the deterministic part of releasing one count.

Pure functions over the exact count; noise (and its budget) is added on top by the control.
"""

from __future__ import annotations

from pmbridge.privacy._released import ReleasedCount, ReleaseMethod, suppressed


def below_threshold(exact: int, *, min_count: int, release_zero: bool) -> bool:
    """Whether ``exact`` must be held back: 1 to ``min_count - 1`` (and 0 unless 0 may leave).

    >>> [c for c in range(13) if below_threshold(c, min_count=11, release_zero=True)]
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    >>> below_threshold(0, min_count=5, release_zero=False)
    True
    """
    if exact == 0:
        return not release_zero
    return exact < min_count


def round_up_to_floor(value: int, *, multiple: int, min_count: int) -> int:
    """``value`` rounded half up to a multiple of ``multiple``, never below ``min_count``.

    A count known to be at least the threshold must not come back below it (that would put a
    released number between 1 and k-1), so it goes to the first multiple at or above the floor.

    >>> round_up_to_floor(14, multiple=10, min_count=5), round_up_to_floor(15, multiple=10, min_count=5)
    (10, 20)
    >>> round_up_to_floor(3, multiple=10, min_count=11)
    20
    >>> round_up_to_floor(7, multiple=1, min_count=11)
    11
    """
    rounded = (value + multiple // 2) // multiple * multiple
    if rounded >= min_count:
        return rounded
    return -(-min_count // multiple) * multiple


def threshold_count(exact: int, *, min_count: int, release_zero: bool, round_to: int = 1) -> ReleasedCount:
    """The exact count, rounded, or held back as "fewer than ``min_count``".

    >>> threshold_count(3, min_count=5, release_zero=True).display
    '<5'
    >>> threshold_count(0, min_count=11, release_zero=True).display
    '0'
    >>> threshold_count(23, min_count=5, release_zero=True, round_to=5).display
    '~25'
    """
    if below_threshold(exact, min_count=min_count, release_zero=release_zero):
        return fewer_than(min_count)
    if exact == 0:
        return ReleasedCount(
            value=0, how=ReleaseMethod.EXACT, threshold=min_count, reason="no one matches; 0 is released"
        )
    if round_to > 1:
        return ReleasedCount(
            value=round_up_to_floor(exact, multiple=round_to, min_count=min_count),
            how=ReleaseMethod.ROUNDED,
            threshold=min_count,
            rounded_to=round_to,
            reason=f"rounded to a multiple of {round_to}",
        )
    return ReleasedCount(
        value=exact,
        how=ReleaseMethod.EXACT,
        threshold=min_count,
        reason=f"at least {min_count}: released as counted",
    )


def fewer_than(min_count: int) -> ReleasedCount:
    """A count held back by the minimum-count rule.

    >>> fewer_than(11).reason
    'fewer than 11: counts of 1 to 10 are not released'
    """
    return suppressed(
        threshold=min_count,
        rule="min_count",
        reason=f"fewer than {min_count}: counts of 1 to {min_count - 1} are not released",
    )
