"""Input checks and the ``too_few_events`` rule shared by every survival output of a node.

A node runs these on its own rows before it computes anything; the event-time bin rule is in ``_grid``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pmbridge.errors import DisclosureRefused, QueryError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = Sequence[float] | npt.NDArray[np.generic]


def survival_arrays(
    time: ArrayLike, event: ArrayLike, *, group: ArrayLike | None = None
) -> tuple[FloatArray, IntArray, IntArray | None]:
    """``time`` as float days (finite, > 0), ``event`` and ``group`` as 0/1 integer arrays.

    >>> survival_arrays([3, 5.5], [1, 0])
    (array([3. , 5.5]), array([1, 0]), None)
    >>> survival_arrays([0, 5], [1, 1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.QueryError: survival times must be finite and > 0 days; 1 are not ...
    """
    t = np.asarray(time, dtype=np.float64).reshape(-1)
    e = _binary(event, "event", len(t))
    bad = int(np.count_nonzero(~np.isfinite(t) | (t <= 0)))
    if bad:
        raise QueryError(
            f"survival times must be finite and > 0 days; {bad} are not",
            hint="drop rows without a follow-up time, or count a same-day event as 1 day",
        )
    g = None if group is None else _binary(group, "group", len(t))
    return t, e, g


def _binary(values: ArrayLike, name: str, n: int) -> IntArray:
    raw = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(raw) != n:
        raise QueryError(
            f"{name} has {len(raw)} values but time has {n}",
            hint=f"pass one {name} value per row of time",
        )
    if not np.all((raw == 0) | (raw == 1)):
        raise QueryError(f"{name} must be 0 or 1 for every row", hint=f"recode {name} as 0/1")
    return raw.astype(np.int64)


def check_enough_events(event: IntArray, *, min_count: int, group: IntArray | None = None) -> None:
    """Refuse (``too_few_events``) a node with fewer than ``min_count`` events, or, when a
    ``group`` splits the rows, a group holding 1 to ``min_count - 1`` of them.

    >>> check_enough_events(np.array([1, 1, 0]), min_count=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.DisclosureRefused: refused by the too_few_events rule: this node holds 2 events, ...
    """
    total = int(event.sum())
    if total < min_count:
        raise DisclosureRefused(
            "too_few_events",
            f"this node holds {total} events, fewer than the minimum of {min_count}",
            hint="leave this node out of the analysis, or widen the cohort",
        )
    if group is not None:
        for label in (0, 1):
            count = int(event[group == label].sum())
            if 0 < count < min_count:
                raise DisclosureRefused(
                    "too_few_events",
                    f"group {label} holds {count} events at this node, fewer than the minimum of {min_count}",
                    hint="leave this node out of the grouped analysis, or group on a commoner variable",
                )
