"""A node's binned survival parts: the grid it proposes and the checks before it evaluates on one.

Event times are released only in bins; a Cox model's per-bin sums also change by the people who
leave the risk set, so its bins must hold 0 or at least k exits too. Edges already released to the
same researcher for the same people (:class:`Released`) are kept apart for events (every binned
output) and exits (Cox only), and no new grid may cut a small cell out of either union.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._grid import check_edges, coarsened_edges, proposed_edges, released_times
from pmbridge.analytics._protocol import Step
from pmbridge.analytics._released_grids import fitting_edges

FloatArray = npt.NDArray[np.float64]
Edges = tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Released:
    """Edges already released for these people: ``values`` binned event times (or a summary's
    variable), ``exits`` binned the times people left a Cox model's risk set."""

    values: Edges = ()
    exits: Edges = ()


def _series(
    time: FloatArray, event: FloatArray, group: FloatArray | None, released: Released, *, exits: bool
) -> list[tuple[FloatArray, npt.NDArray[np.int64] | None, Edges]]:
    """Each series a grid must respect, with its labels and the edges already released for it."""
    out = [(*released_times(time, event, group, exits=False), released.values)]
    if exits:
        out.append((time, None, released.exits))
    return out


def propose(
    step: Step,
    time: FloatArray,
    event: FloatArray,
    *,
    bin_days: int,
    min_count: int,
    released: Released,
    group: FloatArray | None = None,
    exits: bool = False,
) -> Edges:
    """Round 1 (no edges in the step): this node's merged grid; round 2: the hub's candidate merged
    where this node needs it. Either way coarsened until no union with released edges cuts a
    small cell."""
    if step.edges is None:
        proposal = proposed_edges(
            time, event, bin_days=bin_days, min_count=min_count, group=group, exits=exits
        )
    else:
        proposal = coarsened_edges(
            time, event, step.edges, bin_days=bin_days, min_count=min_count, group=group, exits=exits
        )
    for values, labels, before in _series(time, event, group, released, exits=exits):
        proposal = fitting_edges(values, proposal, before, min_count=min_count, groups=labels)
    return proposal


def check_grid(
    edges: Edges,
    time: FloatArray,
    event: FloatArray,
    *,
    bin_days: int,
    min_count: int,
    released: Released,
    group: FloatArray | None = None,
    exits: bool = False,
) -> None:
    """Refuse a grid off the ``bin_days`` lattice or with a small bin (``event_time_bins``), or one
    whose union with released edges cuts out a small cell (``released_bins``)."""
    check_edges(time, event, edges, bin_days=bin_days, min_count=min_count, group=group, exits=exits)
    for values, labels, before in _series(time, event, group, released, exits=exits):
        fitting_edges(values, edges, before, min_count=min_count, groups=labels, strict=True)
