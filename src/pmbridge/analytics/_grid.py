"""The common grid of bins that lets a node release event times or a histogram: each bin holds 0 or
at least ``min_count`` of the node's values. One merging algorithm (``merged_edges``) serves both.

Bins are ``(e[k-1], e[k]]``, the first one closed, ``[e[0], e[1]]``. Round 1: every node proposes
the merge of the base grid it needs (``proposed_edges``). Round 2: the hub sends one proposal as the
candidate (``candidate_edges``, the coarsest) and every node merges the candidate's bins as it needs
(``coarsened_edges``). The hub keeps the edges every reply holds (``common_edges``): each common bin
is a union of whole bins of every reply, so it still holds 0 or at least ``min_count`` events at
every node. Round 2 may be skipped (``common_edges`` of the proposals), but then the nodes' edges
rarely line up and the grid comes out much coarser. A Cox model's grid (``exits=True``) also keeps
0 or at least ``min_count`` people leaving the risk set per bin, or the difference of two risk-set
sums would be one person's covariates. The node never trusts the hub: it checks the grid it is
asked to evaluate on (``check_edges``, ``check_bins``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._survival_checks import ArrayLike, FloatArray, IntArray, survival_arrays
from pmbridge.errors import DisclosureRefused, QueryError

Edges = tuple[float, ...]


def base_grid(end: float, *, bin_days: float) -> Edges:
    """Edges at the multiples of ``bin_days`` from 0 up to the first one at or above ``end``.

    >>> base_grid(15.5, bin_days=7)
    (0.0, 7.0, 14.0, 21.0)
    >>> base_grid(14, bin_days=7)
    (0.0, 7.0, 14.0)
    """
    if not (math.isfinite(bin_days) and bin_days > 0):
        raise QueryError(f"bin_days must be a positive number, not {bin_days!r}", hint="e.g. bin_days=7")
    steps = max(1, math.ceil(end / bin_days))
    while steps * bin_days < end:  # guard against a division that rounds down
        steps += 1
    return tuple(k * float(bin_days) for k in range(steps + 1))


def bin_index(values: npt.NDArray[np.float64], edges: Sequence[float]) -> IntArray:
    """The bin of each value: ``k`` for ``edges[k] < v <= edges[k+1]`` (the first bin closed);
    -1 below the grid, ``len(edges) - 1`` above it.

    >>> bin_index(np.array([0.0, 1.0, 1.5, 3.0, 4.0]), (0.0, 1.0, 3.0))
    array([0, 0, 1, 1, 2])
    """
    grid = np.asarray(edges, dtype=np.float64)
    index = np.searchsorted(grid, values, side="left") - 1
    index[values == grid[0]] = 0
    index[values < grid[0]] = -1
    return index.astype(np.int64)


def _series(values: npt.NDArray[np.float64], groups: ArrayLike | None) -> list[npt.NDArray[np.float64]]:
    if groups is None:
        return [values]
    labels = np.asarray(groups).reshape(-1)
    if len(labels) != len(values):
        raise QueryError(
            f"groups has {len(labels)} values but there are {len(values)} values to bin",
            hint="pass one group label per value",
        )
    return [values[labels == label] for label in np.unique(labels)]


def _counts(series: list[npt.NDArray[np.float64]], edges: Sequence[float]) -> IntArray:
    """Counts per bin (rows) and series (columns); values outside the grid are not counted."""
    bins = len(edges) - 1
    out = np.zeros((bins, max(1, len(series))), dtype=np.int64)
    for j, values in enumerate(series):
        index = bin_index(values, edges)
        inside = (index >= 0) & (index < bins)
        out[:, j] = np.bincount(index[inside], minlength=bins)
    return out


def _releasable(counts: IntArray, min_count: int) -> bool:
    return bool(np.all((counts == 0) | (counts >= min_count)))


def merged_edges(
    values: ArrayLike, *, base_edges: Sequence[float], min_count: int, groups: ArrayLike | None = None
) -> Edges:
    """The base grid with consecutive bins merged until every bin holds 0 or at least ``min_count``
    values (of every group, when ``groups`` labels them); a short tail joins the bins before it,
    so too few values in all give the single bin ``[first, last]``.

    >>> merged_edges([1, 2, 3, 9, 11, 12, 22, 25, 26], base_edges=(0, 7, 14, 21, 28), min_count=3)
    (0.0, 7.0, 14.0, 21.0, 28.0)
    >>> merged_edges([1, 2, 3, 9, 11, 12, 25], base_edges=(0, 7, 14, 21, 28), min_count=3)
    (0.0, 7.0, 28.0)
    >>> merged_edges([1, 2, 9, 11, 15, 16, 25], base_edges=(0, 7, 14, 21, 28), min_count=3)
    (0.0, 14.0, 28.0)
    >>> merged_edges([1, 2], base_edges=(0, 7, 14), min_count=3)
    (0.0, 14.0)
    """
    base = _valid_edges(base_edges, "base_edges")
    data = np.asarray(values, dtype=np.float64).reshape(-1)
    counts = _counts(_series(data, groups), base)
    kept = [0]  # indices into base of the edges kept
    open_count = np.zeros(counts.shape[1], dtype=np.int64)
    for k in range(len(base) - 1):
        open_count += counts[k]
        if _releasable(open_count, min_count):
            kept.append(k + 1)
            open_count[:] = 0
    if kept[-1] != len(base) - 1:
        # The tail holds too few: merge it into the bins before it until the merged bin passes;
        # the empty base bins after its last value stay bins of their own (unless too few values
        # in all leave one bin).
        end = int(np.flatnonzero(counts.any(axis=1))[-1]) + 1
        while len(kept) > 1 and not _releasable(open_count, min_count):
            last = kept.pop()
            open_count += counts[kept[-1] : last].sum(axis=0)
        releasable = _releasable(open_count, min_count)
        kept.extend(range(end, len(base)) if releasable else [len(base) - 1])
    return tuple(base[i] for i in kept)


def check_bins(
    values: ArrayLike,
    edges: Sequence[float],
    *,
    min_count: int,
    groups: ArrayLike | None = None,
    rule: str = "histogram_bins",
) -> None:
    """Refuse (``DisclosureRefused(rule)``) a grid that is not strictly increasing, leaves values
    outside it, or has a bin holding 1 to ``min_count - 1`` values (of any group).

    >>> check_bins([1, 2, 3, 4], (0, 2, 5), min_count=2)
    >>> check_bins([1, 2, 3, 4], (0, 1, 5), min_count=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.DisclosureRefused: refused by the histogram_bins rule: bin 1 ([0, 1]) holds 1 ...
    """
    try:
        grid = _valid_edges(edges, "edges")
    except QueryError as exc:
        raise DisclosureRefused(rule, exc.message, hint=exc.hint) from None
    data = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(data) and (data.min() < grid[0] or data.max() > grid[-1]):
        raise DisclosureRefused(
            rule,
            f"the bins [{grid[0]:g}, {grid[-1]:g}] do not cover every value at this node",
            hint="ask every node for its proposed edges again and combine them with common_edges",
        )
    counts = _counts(_series(data, groups), grid)
    for k, row in enumerate(counts):
        small = [int(c) for c in row if 0 < c < min_count]
        if small:
            lower, upper = grid[k], grid[k + 1]
            raise DisclosureRefused(
                rule,
                f"bin {k + 1} ({'[' if k == 0 else '('}{lower:g}, {upper:g}]) holds {small[0]} "
                f"value(s) at this node, between 1 and {min_count - 1}",
                hint="use the common grid of the nodes' proposed edges; finer bins are refused",
            )


def _valid_edges(edges: Sequence[float], name: str) -> Edges:
    grid = tuple(float(e) for e in edges)
    if len(grid) < 2 or not all(math.isfinite(e) for e in grid):
        raise QueryError(f"{name} must hold at least 2 finite numbers", hint="e.g. [0, 7, 14]")
    if any(b <= a for a, b in itertools.pairwise(grid)):
        raise QueryError(f"{name} must be strictly increasing", hint="sort the edges and drop repeats")
    return grid


def proposed_edges(
    time: ArrayLike,
    event: ArrayLike,
    *,
    bin_days: float,
    min_count: int,
    group: ArrayLike | None = None,
    exits: bool = False,
) -> Edges:
    """A node's proposal: the base grid of ``bin_days`` up to its last time, merged until every bin
    holds 0 or at least ``min_count`` events (of each group, when ``group`` is given) and, with
    ``exits`` (a Cox model's grid), 0 or at least ``min_count`` people leaving the risk set.

    >>> proposed_edges([3, 4, 5, 10, 12, 13, 16], [1, 1, 1, 1, 0, 1, 1], bin_days=7, min_count=3)
    (0.0, 7.0, 21.0)
    """
    t, e, g = survival_arrays(time, event, group=group)
    base = base_grid(float(t.max()) if len(t) else bin_days, bin_days=bin_days)
    values, labels = released_times(t, e, g, exits=exits)
    return merged_edges(values, base_edges=base, min_count=min_count, groups=labels)


def released_times(
    time: ArrayLike, event: ArrayLike, group: ArrayLike | None, *, exits: bool
) -> tuple[FloatArray, IntArray | None]:
    """The times whose bins must hold 0 or at least the min count, with a series label for each:
    the events (labelled by group, if any) and, with ``exits``, every time (label 2), since a Cox
    model's risk-set sums change by the people who leave in a bin.

    >>> released_times([2.0, 3.0], [1, 0], None, exits=True)
    (array([2., 2., 3.]), array([0, 2, 2]))
    """
    t = np.asarray(time, dtype=np.float64).reshape(-1)
    events = np.asarray(event).reshape(-1) == 1
    values = t[events]
    if group is None:
        labels = np.zeros(len(values), dtype=np.int64)
    else:
        labels = np.asarray(group).reshape(-1)[events].astype(np.int64)
    if not exits:
        return values, None if group is None else labels
    return np.concatenate([values, t]), np.concatenate([labels, np.full(len(t), 2, dtype=np.int64)])


def candidate_edges(proposals: Sequence[Sequence[float]]) -> Edges:
    """The hub's candidate for round 2: the proposal with the fewest bins (ties: the first),
    continued past its end by the candidate of the proposals that reach further.

    >>> candidate_edges([(0, 7, 14, 28), (0, 14, 21), (0, 7, 14, 21, 28, 35, 42)])
    (0.0, 14.0, 21.0, 28.0, 35.0, 42.0)
    """
    grids = _proposals(proposals)
    coarsest = min(grids, key=len)
    further = [g for g in grids if g[-1] > coarsest[-1]]
    if not further:
        return coarsest
    return coarsest + tuple(e for e in candidate_edges(further) if e > coarsest[-1])


def coarsened_edges(
    time: ArrayLike,
    event: ArrayLike,
    candidate: Sequence[float],
    *,
    bin_days: float,
    min_count: int,
    group: ArrayLike | None = None,
    exits: bool = False,
) -> Edges:
    """A node's reply in round 2: the hub's candidate with consecutive bins merged as
    ``proposed_edges`` merges the base grid; refuses (``event_time_bins``) a
    candidate off the base grid of ``bin_days`` or short of this node's follow-up.

    >>> coarsened_edges([3, 4, 5, 10, 12, 13, 16], [1, 1, 1, 1, 0, 1, 1], (0, 7, 14, 21),
    ...                 bin_days=7, min_count=3)
    (0.0, 7.0, 21.0)
    """
    t, e, g = survival_arrays(time, event, group=group)
    grid = _on_base_grid(t, candidate, bin_days=bin_days)
    values, labels = released_times(t, e, g, exits=exits)
    return merged_edges(values, base_edges=grid, min_count=min_count, groups=labels)


def common_edges(proposals: Sequence[Sequence[float]]) -> Edges:
    """The hub's grid: the edges every node replied, plus the lowest first and highest last edge.

    >>> common_edges([(0, 7, 14, 28), (0, 14, 21), (0, 7, 14, 21, 35)])
    (0.0, 14.0, 35.0)
    """
    grids = _proposals(proposals)
    shared = set(grids[0]).intersection(*grids[1:])
    shared |= {min(g[0] for g in grids), max(g[-1] for g in grids)}
    return tuple(sorted(shared))


def _proposals(proposals: Sequence[Sequence[float]]) -> list[Edges]:
    if not proposals:
        raise QueryError("no node proposed edges", hint="ask at least one node for its proposed edges")
    return [_valid_edges(p, "every proposal") for p in proposals]


def _on_base_grid(t: npt.NDArray[np.float64], edges: Sequence[float], *, bin_days: float) -> Edges:
    """``edges`` if they are increasing multiples of ``bin_days`` from 0 that cover every time."""
    base_grid(bin_days, bin_days=bin_days)  # refuses a bin width that is not a positive number
    try:
        grid = _valid_edges(edges, "edges")
    except QueryError as exc:
        raise DisclosureRefused("event_time_bins", exc.message, hint=exc.hint) from None
    for edge in grid:
        if edge != round(edge / bin_days) * float(bin_days):
            raise DisclosureRefused(
                "event_time_bins",
                f"edge {edge:g} is not a multiple of the base bin width of {bin_days:g} days",
                hint="use the common grid of the nodes' proposed edges",
            )
    if grid[0] != 0.0:
        raise DisclosureRefused(
            "event_time_bins",
            "the first edge must be 0",
            hint="start the grid at 0 days, as the base grid does",
        )
    if len(t) and t.max() > grid[-1]:
        raise DisclosureRefused(
            "event_time_bins",
            f"the last edge {grid[-1]:g} is below this node's longest follow-up",
            hint="use the common grid of the nodes' proposed edges",
        )
    return grid


def check_edges(
    time: ArrayLike,
    event: ArrayLike,
    edges: Sequence[float],
    *,
    bin_days: float,
    min_count: int,
    group: ArrayLike | None = None,
    exits: bool = False,
) -> None:
    """Refuse (``event_time_bins``) a grid off the base grid of ``bin_days`` (starting at 0), or one
    failing ``check_bins`` on this node's event times (per group, when ``group`` is given; and on
    all its times, with ``exits``).

    >>> check_edges([3, 4, 5, 10], [1, 1, 1, 1], (0, 3.5, 14), bin_days=7, min_count=2)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.DisclosureRefused: refused by the event_time_bins rule: edge 3.5 is not a multiple ...
    """
    t, e, g = survival_arrays(time, event, group=group)
    grid = _on_base_grid(t, edges, bin_days=bin_days)
    values, labels = released_times(t, e, g, exits=exits)
    check_bins(values, grid, min_count=min_count, groups=labels, rule="event_time_bins")
