"""Federated summary of one numeric variable: exact pooled mean and variance, and quantiles
estimated from the pooled histogram (each node sends only counts per bin, never values).

Each node sends (n, mean, M2), M2 being its sum of squared deviations from its own mean, and the
hub pools them with Chan et al.'s parallel update: unlike raw sums Σx and Σx², it does not lose
the variance to cancellation when values are large and spread is small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.errors import QueryError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SummaryContribution:
    """One node's share: ``n`` values, their ``mean`` and ``m2`` (sum of squared deviations from
    that mean) and, when edges were asked for, ``counts`` per bin: below the first edge, each
    [edgeᵢ, edgeᵢ₊₁) bin (the last one closed, as numpy.histogram), and above the last edge."""

    n: int
    mean: float
    m2: float
    counts: tuple[int, ...] | None = None


def _check_edges(edges: Sequence[float]) -> FloatArray:
    values = np.asarray(edges, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2 or not np.isfinite(values).all() or (np.diff(values) <= 0).any():
        raise QueryError(
            "histogram edges must be at least two increasing numbers", hint="e.g. [0, 20, 40, 60]"
        )
    return values


def summary_contribution(
    values: npt.ArrayLike, *, edges: Sequence[float] | None = None
) -> SummaryContribution:
    """Node side: the summary of this node's values (NaN = missing, left out).

    >>> summary_contribution([1.0, 2.0, float("nan"), 3.0], edges=[0, 2, 4])
    SummaryContribution(n=3, mean=2.0, m2=2.0, counts=(0, 1, 2, 0))
    """
    data = np.asarray(values, dtype=np.float64)
    data = data[~np.isnan(data)]
    if np.isinf(data).any():
        raise QueryError("the values include infinities", hint="store a missing value as NaN")
    n = int(data.size)
    mean = float(np.mean(data)) if n else 0.0
    m2 = float(np.sum((data - mean) ** 2)) if n else 0.0
    counts: tuple[int, ...] | None = None
    if edges is not None:
        bounds = _check_edges(edges)
        inner, _ = np.histogram(data, bins=bounds)
        below, above = int((data < bounds[0]).sum()), int((data > bounds[-1]).sum())
        counts = (below, *(int(c) for c in inner), above)
    return SummaryContribution(n=n, mean=mean, m2=m2, counts=counts)


@dataclass(frozen=True, slots=True)
class Quantile:
    """A quantile estimated by linear interpolation within the pooled histogram bin that holds it:
    ``value`` (None when it falls below the first edge or above the last), and that bin's bounds
    ``low`` and ``high``, the resolution of the estimate. It is approximate by construction."""

    probability: float
    value: float | None
    low: float
    high: float
    approximate: bool = True


@dataclass(frozen=True, slots=True)
class SummaryResult:
    """Pooled n, mean, sample variance (ddof 1) and sd, exact; quantiles approximate (if edges)."""

    n: int
    mean: float | None
    variance: float | None
    sd: float | None
    quantiles: tuple[Quantile, ...] = ()
    counts: tuple[int, ...] | None = None


def _quantile(probability: float, counts: Sequence[int], edges: FloatArray) -> Quantile:
    total = sum(counts)
    target = probability * total
    bounds = [-math.inf, *edges.tolist(), math.inf]
    cumulative = 0
    for index, count in enumerate(counts):
        if count and cumulative + count >= target:
            low, high = bounds[index], bounds[index + 1]
            if math.isinf(low) or math.isinf(high):
                return Quantile(probability, None, low, high)
            return Quantile(probability, low + (target - cumulative) / count * (high - low), low, high)
        cumulative += count
    return Quantile(probability, None, -math.inf, math.inf)  # pragma: no cover - only when total is 0


def combine_summary(
    contributions: Sequence[SummaryContribution],
    *,
    edges: Sequence[float] | None = None,
    quantiles: Sequence[float] = (0.25, 0.5, 0.75),
) -> SummaryResult:
    """Hub side: pool the nodes' summaries (Chan's update), and quantiles from the summed bins.

    >>> parts = [summary_contribution([1.0, 2.0], edges=[0, 4]), summary_contribution([3.0], edges=[0, 4])]
    >>> r = combine_summary(parts, edges=[0, 4], quantiles=[0.5])
    >>> r.n, r.mean, r.variance, r.quantiles[0].value
    (3, 2.0, 1.0, 2.0)
    """
    n, mean, m2 = 0, 0.0, 0.0
    for part in contributions:
        if part.n == 0:
            continue
        total = n + part.n
        delta = part.mean - mean
        mean += delta * part.n / total
        m2 += part.m2 + delta * delta * n * part.n / total
        n = total
    variance = m2 / (n - 1) if n > 1 else None
    found: tuple[Quantile, ...] = ()
    pooled: tuple[int, ...] | None = None
    if edges is not None:
        bounds = _check_edges(edges)
        if any(part.counts is None or len(part.counts) != len(bounds) + 1 for part in contributions):
            raise QueryError(
                "a node's histogram does not match the edges", hint="send every node the same edges"
            )
        pooled = tuple(
            int(sum(column)) for column in zip(*(p.counts or () for p in contributions), strict=True)
        )
        if sum(pooled):
            found = tuple(_quantile(q, pooled, bounds) for q in quantiles)
    return SummaryResult(
        n=n,
        mean=mean if n else None,
        variance=variance,
        sd=None if variance is None else math.sqrt(variance),
        quantiles=found,
        counts=pooled,
    )
