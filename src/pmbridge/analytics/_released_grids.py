"""Bins released to one researcher stay undifferenceable: the union of all their grids must pass too.

Two grids that each hold 0 or at least k values per bin can still tell a small count apart: bins
(0, 7] and (0, 5] give (5, 7] by subtraction. So a node keeps the edges it already released for a
cohort's values, and a new grid is coarsened (a proposal) or refused (an evaluation) until every
cell of the union of old and new edges holds 0 or at least k values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._grid import Edges, bin_index
from pmbridge.errors import DisclosureRefused

FloatArray = npt.NDArray[np.float64]


def union_grid(edges: Sequence[float], released: Sequence[float]) -> Edges:
    """``edges`` with the released edges that fall strictly inside them.

    >>> union_grid((0, 7, 14), (5, 7, 30))
    (0.0, 5.0, 7.0, 14.0)
    """
    low, high = edges[0], edges[-1]
    return tuple(sorted({float(e) for e in edges} | {float(e) for e in released if low < e < high}))


def _small_cell(values: FloatArray, grid: Edges, min_count: int, groups: npt.ArrayLike | None) -> int | None:
    """The first cell of ``grid`` holding 1 to k − 1 values (of any group), or None."""
    index = bin_index(values, grid)
    bins = len(grid) - 1
    inside = (index >= 0) & (index < bins)
    labels = (
        [np.ones(len(values), dtype=np.bool_)] if groups is None else [groups == g for g in np.unique(groups)]
    )
    for member in labels:
        counts = np.bincount(index[inside & member], minlength=bins)
        small = np.flatnonzero((counts > 0) & (counts < min_count))
        if len(small):
            return int(small[0])
    return None


def fitting_edges(
    values: FloatArray,
    proposal: Sequence[float],
    released: Sequence[float],
    *,
    min_count: int,
    groups: npt.ArrayLike | None = None,
    strict: bool = False,
) -> Edges:
    """``proposal`` less the inner edges that would cut, with the ``released`` ones, a cell of 1 to
    k − 1 values; with ``strict`` such a grid is refused (``released_bins``) instead.

    >>> times = np.array([1.0, 2, 3, 6, 6, 6, 8, 9, 10])
    >>> fitting_edges(times, (0, 7, 14), (), min_count=3)
    (0.0, 7.0, 14.0)
    >>> fitting_edges(times, (0, 7, 14), (5.0,), min_count=3)  # (5, 7] holds 3: fine
    (0.0, 7.0, 14.0)
    >>> fitting_edges(times, (0, 7, 14), (4.0,), min_count=3)  # (4, 7] would hold 3, (0, 4] 3
    (0.0, 7.0, 14.0)
    >>> fitting_edges(times, (0, 6.5, 14), (6.0,), min_count=3)  # (6, 6.5] would hold 0, fine
    (0.0, 6.5, 14.0)
    >>> fitting_edges(times, (0, 8.5, 14), (8.0,), min_count=3)  # (8, 8.5] empty, (8.5, 14] holds 2
    (0.0, 14.0)
    """
    kept = [float(e) for e in proposal]
    mine = set(kept[1:-1]) - {float(e) for e in released}
    while True:
        grid = union_grid(kept, released)
        cell = _small_cell(values, grid, min_count, groups)
        if cell is None:
            return tuple(kept)
        if strict:
            raise DisclosureRefused(
                "released_bins",
                "these bins, together with bins you already received for the same people, would cut "
                f"out a bin of fewer than {min_count}",
                hint="use the same bin width as before, or the common grid the nodes propose",
            )
        bounds = [e for e in (grid[cell + 1], grid[cell]) if e in mine and e in kept]
        if not bounds:
            return (kept[0], kept[-1])
        kept.remove(bounds[0])
