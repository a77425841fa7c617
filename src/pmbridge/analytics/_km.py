"""Kaplan–Meier curves and the log-rank test from per-bin counts: a node counts its rows on the common
grid (``km_table``), the hub adds the tables (``combine_km``) and estimates (``kaplan_meier``, ``logrank``).

Everyone's time is the upper edge of its bin, and the results equal lifelines' on the pooled binned
times; at a tied time the censored are still at risk. Bins of 1 day over whole-day times lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from pmbridge.analytics._grid import bin_index, check_bins
from pmbridge.analytics._survival_checks import ArrayLike, check_enough_events, survival_arrays
from pmbridge.errors import DisclosureRefused, QueryError


@dataclass(frozen=True, slots=True)
class KaplanMeierTable:
    """Per group (rows: one, or groups 0 and 1) and per bin (columns): the number at risk at the
    bin's upper edge, the events and the censored there."""

    edges: tuple[float, ...]
    grouped: bool
    at_risk: npt.NDArray[np.float64]
    events: npt.NDArray[np.float64]
    censored: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class KaplanMeierCurve:
    """S(t) at each bin edge where ``group`` (None: everyone) had events, with Greenwood's standard
    error and lifelines' default interval (exponential Greenwood, on log(-log S)); where S reaches 0
    the error and both limits are 0."""

    group: int | None
    times: tuple[float, ...]
    survival: tuple[float, ...]
    se: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    at_risk: tuple[int, ...]
    events: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LogRankResult:
    """The log-rank test of group 1 against group 0; observed and expected events per group."""

    chi2: float
    df: int
    p: float
    observed: tuple[float, float]
    expected: tuple[float, float]


def km_table(
    time: ArrayLike,
    event: ArrayLike,
    *,
    edges: Sequence[float],
    min_count: int,
    group: ArrayLike | None = None,
) -> KaplanMeierTable:
    """A node's counts on the hub's grid; refuses (``too_few_events``, ``event_time_bins``) rather
    than release a bin holding 1 to ``min_count - 1`` events of any group.

    >>> table = km_table([1, 2, 2, 3, 5], [1, 1, 0, 1, 1], edges=(0, 2, 6), min_count=2)
    >>> table.at_risk.tolist(), table.events.tolist(), table.censored.tolist()
    ([[5.0, 2.0]], [[2.0, 2.0]], [[1.0, 0.0]])
    """
    t, e, g = survival_arrays(time, event, group=group)
    check_enough_events(e, min_count=min_count, group=g)
    grid = tuple(float(x) for x in edges)
    events = e == 1
    check_bins(
        t[events], grid, min_count=min_count, groups=None if g is None else g[events], rule="event_time_bins"
    )
    bins = len(grid) - 1
    index = bin_index(t, grid)
    if len(t) and (index.min() < 0 or index.max() >= bins):
        raise DisclosureRefused(
            "event_time_bins",
            f"the bins [{grid[0]:g}, {grid[-1]:g}] do not cover every follow-up time at this node",
            hint="use the common grid of the nodes' proposed edges",
        )
    rows = [np.ones(len(t), dtype=bool)] if g is None else [g == 0, g == 1]
    shape = (len(rows), bins)
    at_risk, died, censored = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for r, member in enumerate(rows):
        died[r] = np.bincount(index[member & events], minlength=bins)
        censored[r] = np.bincount(index[member & ~events], minlength=bins)
        at_risk[r] = np.cumsum((died[r] + censored[r])[::-1])[::-1]
    return KaplanMeierTable(grid, g is not None, at_risk, died, censored)


def combine_km(tables: Sequence[KaplanMeierTable]) -> KaplanMeierTable:
    """The sum of the nodes' tables, after checking that they share one grid and hold counts.

    >>> t = km_table([1, 2, 2, 3, 5], [1, 1, 0, 1, 0], edges=(0, 2, 6), min_count=1)
    >>> combine_km([t, t]).events.tolist()
    [[4.0, 2.0]]
    """
    if not tables:
        raise QueryError("no Kaplan–Meier tables to combine", hint="ask at least one node for its table")
    first = tables[0]
    shape = (2 if first.grouped else 1, len(first.edges) - 1)
    for table in tables:
        if table.edges != first.edges or table.grouped != first.grouped:
            raise QueryError(
                "the nodes' tables use different grids or groupings",
                hint="send every node the same common edges and group variable",
            )
        for counts in (table.at_risk, table.events, table.censored):
            if counts.shape != shape or np.any(counts < 0) or np.any(counts != np.round(counts)):
                raise QueryError(
                    f"a node's table is not {shape[0]}×{shape[1]} whole counts",
                    hint="leave out the node whose reply is malformed",
                )
    return KaplanMeierTable(
        first.edges,
        first.grouped,
        sum((t.at_risk for t in tables), np.zeros(shape)),
        sum((t.events for t in tables), np.zeros(shape)),
        sum((t.censored for t in tables), np.zeros(shape)),
    )


def kaplan_meier(table: KaplanMeierTable, *, alpha: float = 0.05) -> tuple[KaplanMeierCurve, ...]:
    """One product-limit curve per row of ``table`` (per group, or one for everyone).

    >>> t = km_table([1, 2, 2, 3, 5], [1, 1, 0, 1, 0], edges=(0, 1, 2, 3, 4, 5), min_count=1)
    >>> curve, = kaplan_meier(t)
    >>> curve.times, [round(s, 4) for s in curve.survival]
    ((1.0, 2.0, 3.0), [0.8, 0.6, 0.3])
    """
    z = float(stats.norm.ppf(1 - alpha / 2))
    upper_edges = np.asarray(table.edges[1:])
    curves = []
    for r in range(table.events.shape[0]):
        d, n = table.events[r], table.at_risk[r]
        has = d > 0
        d, n = d[has], n[has]
        survival = np.cumprod(1 - d / n)
        with np.errstate(divide="ignore", invalid="ignore"):
            # lifelines counts a step where everyone dies as 0 towards Greenwood's sum.
            cumulative_sq = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
            v = np.log(survival)
            lower = np.exp(-np.exp(np.log(-v) - z * np.sqrt(cumulative_sq) / v))
            upper = np.exp(-np.exp(np.log(-v) + z * np.sqrt(cumulative_sq) / v))
        gone = survival <= 0
        se = np.where(gone, 0.0, survival * np.sqrt(cumulative_sq))
        curves.append(
            KaplanMeierCurve(
                group=r if table.grouped else None,
                times=tuple(float(x) for x in upper_edges[has]),
                survival=tuple(float(x) for x in survival),
                se=tuple(float(x) for x in se),
                lower=tuple(float(x) for x in np.where(gone, 0.0, lower)),
                upper=tuple(float(x) for x in np.where(gone, 0.0, upper)),
                at_risk=tuple(int(x) for x in n),
                events=tuple(int(x) for x in d),
            )
        )
    return tuple(curves)


def logrank(table: KaplanMeierTable) -> LogRankResult:
    """The log-rank test on a grouped table, equal to lifelines' ``logrank_test`` on the pooled
    binned times.

    >>> t = km_table([1, 2, 3, 4, 2, 5, 6, 7], [1, 1, 1, 0, 1, 1, 1, 0], edges=range(9), min_count=1,
    ...              group=[0, 0, 0, 0, 1, 1, 1, 1])
    >>> round(logrank(t).chi2, 6)
    1.719836
    """
    if not table.grouped:
        raise QueryError("the log-rank test needs two groups", hint="ask the nodes for a table with a group")
    d = table.events.sum(axis=0)
    n = table.at_risk.sum(axis=0)
    has = d > 0
    d, n = d[has], n[has]
    n0, n1 = table.at_risk[0][has], table.at_risk[1][has]
    expected1 = d * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(n > 1, d * n0 * n1 * (n - d) / (n * n * (n - 1)), 0.0)
    total_variance = float(variance.sum())
    if total_variance <= 0:
        raise QueryError(
            "the log-rank test is undefined: no event happened while both groups were at risk",
            hint="check the group variable; both groups need people at risk at some event time",
        )
    observed = (float(table.events[0].sum()), float(table.events[1].sum()))
    expected = (float(d.sum() - expected1.sum()), float(expected1.sum()))
    chi2 = (observed[1] - expected[1]) ** 2 / total_variance
    return LogRankResult(chi2, 1, float(stats.chi2.sf(chi2, 1)), observed, expected)
