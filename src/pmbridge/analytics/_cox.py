"""Cox proportional hazards, equal to the fit on the pooled rows: at the hub's β a node sends per-bin
risk-set sums (``cox_contribution``), the hub adds them and takes the partial likelihood's derivatives.

Pooled: times are binned on the common grid (each time is its bin's upper edge; at a tied time the
censored are still at risk), Breslow or Efron ties. Stratified by node: each node sends the
derivatives of its own partial likelihood on its exact times (``cox_stratum_contribution``), so no
time leaves it. Weights are float64 ``exp(xβ - offset)``: the pooled sums need one scale for every
node, so the hub may send an ``offset`` (0 by default), and a node refuses a linear predictor above
700 after it (the largest exp() that float64 holds is about e^709); centred covariates keep it small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._grid import bin_index, check_bins, released_times
from pmbridge.analytics._survival_checks import ArrayLike, check_enough_events, survival_arrays
from pmbridge.errors import QueryError

Ties = Literal["breslow", "efron"]
FloatArray = npt.NDArray[np.float64]
MAX_LINEAR_PREDICTOR = 700.0


@dataclass(frozen=True, slots=True)
class CoxContribution:
    """A node's sums per bin ``k`` at ``beta``: events ``d``; over the risk set (binned time at or
    after bin k) ``s0`` = Σ w, ``s1`` = Σ w·x, ``s2`` = Σ w·x·xᵀ with w = exp(xβ - offset); for
    Efron ties the same sums over the bin's events (``e0``, ``e1``, ``e2``); and over all events
    Σ x and Σ xβ."""

    edges: tuple[float, ...]
    ties: str
    beta: tuple[float, ...]
    offset: float
    n: int
    d: FloatArray
    s0: FloatArray
    s1: FloatArray
    s2: FloatArray
    e0: FloatArray | None
    e1: FloatArray | None
    e2: FloatArray | None
    sum_x_events: FloatArray
    sum_xbeta_events: float


@dataclass(frozen=True, slots=True)
class CoxDerivatives:
    """The partial log-likelihood at β, its gradient (score) and the observed information."""

    loglik: float
    score: FloatArray
    information: FloatArray
    n: int
    events: int


def _design(covariates: ArrayLike, n: int, beta: Sequence[float]) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(covariates, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape[0] != n:
        raise QueryError(
            f"covariates must be a matrix with one row per person ({n})", hint="pass an n×p design"
        )
    if x.shape[1] != len(b) or len(b) == 0:
        raise QueryError(
            f"beta has {len(b)} coefficients for {x.shape[1]} covariates",
            hint="a Cox model has one coefficient per column of covariates and no intercept",
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(b))):
        raise QueryError(
            "covariates and beta must be finite numbers", hint="drop or impute missing covariates"
        )
    return x, b


def _weights(x: FloatArray, beta: FloatArray, offset: float) -> tuple[FloatArray, FloatArray]:
    eta = x @ beta
    if len(eta) and float(np.max(eta - offset)) > MAX_LINEAR_PREDICTOR:
        raise QueryError(
            f"a linear predictor of {float(np.max(eta)):.3g} overflows exp() (offset {offset:g})",
            hint="centre and scale the covariates, or have the hub send a larger offset",
        )
    return eta, np.exp(eta - offset)


def _sums(
    x: FloatArray, w: FloatArray, index: npt.NDArray[np.int64], bins: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Σ w, Σ w·x and Σ w·x·xᵀ per bin (p² bincounts keep memory at O(n), not O(n·p²))."""
    p = x.shape[1]
    c0 = np.bincount(index, weights=w, minlength=bins).astype(np.float64)
    c1 = np.empty((bins, p))
    c2 = np.empty((bins, p, p))
    for a in range(p):
        wa = w * x[:, a]
        c1[:, a] = np.bincount(index, weights=wa, minlength=bins)
        for b in range(a, p):
            c2[:, a, b] = c2[:, b, a] = np.bincount(index, weights=wa * x[:, b], minlength=bins)
    return c0, c1, c2


def _at_or_after(c: FloatArray) -> FloatArray:
    return np.cumsum(c[::-1], axis=0)[::-1]


def _check_ties(ties: str) -> None:
    if ties not in ("breslow", "efron"):
        raise QueryError(f"unknown ties method {ties!r}", hint="use ties='efron' or ties='breslow'")


def _contribution(
    x: FloatArray,
    events: npt.NDArray[np.bool_],
    index: npt.NDArray[np.int64],
    bins: int,
    *,
    edges: tuple[float, ...],
    ties: Ties,
    beta: FloatArray,
    offset: float,
) -> CoxContribution:
    """The per-bin sums of one node (or one stratum, each distinct time its own bin) at β."""
    eta, w = _weights(x, beta, offset)
    c0, c1, c2 = _sums(x, w, index, bins)
    efron = _sums(x[events], w[events], index[events], bins) if ties == "efron" else (None, None, None)
    return CoxContribution(
        edges=edges,
        ties=ties,
        beta=tuple(float(v) for v in beta),
        offset=float(offset),
        n=len(x),
        d=np.bincount(index[events], minlength=bins).astype(np.float64),
        s0=_at_or_after(c0),
        s1=_at_or_after(c1),
        s2=_at_or_after(c2),
        e0=efron[0],
        e1=efron[1],
        e2=efron[2],
        sum_x_events=x[events].sum(axis=0),
        sum_xbeta_events=float(eta[events].sum()),
    )


def cox_contribution(
    covariates: ArrayLike,
    time: ArrayLike,
    event: ArrayLike,
    *,
    edges: Sequence[float],
    beta: Sequence[float],
    ties: Ties,
    min_count: int,
    offset: float = 0.0,
) -> CoxContribution:
    """A node's per-bin sums on the hub's grid at ``beta``; refuses (``too_few_events``,
    ``event_time_bins``) rather than release a bin holding 1 to ``min_count - 1`` events or people
    leaving the risk set (the difference of two risk-set sums would be theirs alone: ask for the
    grid with ``exits=True``).

    >>> part = cox_contribution([[0.0], [1.0], [1.0]], [1, 2, 3], [1, 1, 0], edges=(0, 2, 4),
    ...                         beta=[0.0], ties="efron", min_count=1)
    >>> part.d.tolist(), part.s0.tolist(), part.s1.tolist(), part.e0.tolist()
    ([2.0, 0.0], [3.0, 1.0], [[2.0], [1.0]], [2.0, 0.0])
    """
    _check_ties(ties)
    t, e, _ = survival_arrays(time, event)
    x, b = _design(covariates, len(t), beta)
    check_enough_events(e, min_count=min_count)
    grid = tuple(float(v) for v in edges)
    values, labels = released_times(t, e, None, exits=True)
    check_bins(values, grid, min_count=min_count, groups=labels, rule="event_time_bins")
    bins = len(grid) - 1
    index = bin_index(t, grid)
    events = e == 1
    return _contribution(x, events, index, bins, edges=grid, ties=ties, beta=b, offset=offset)


def combine_cox(contributions: Sequence[CoxContribution]) -> CoxContribution:
    """The sum of the nodes' contributions, after checking that they answer the same request and
    have the shapes it implies."""
    if not contributions:
        raise QueryError("no Cox contributions to combine", hint="ask at least one node")
    first = contributions[0]
    bins, p = len(first.edges) - 1, len(first.beta)
    shapes = {"d": (bins,), "s0": (bins,), "s1": (bins, p), "s2": (bins, p, p), "sum_x_events": (p,)}
    if first.ties == "efron":
        shapes |= {"e0": (bins,), "e1": (bins, p), "e2": (bins, p, p)}
    for part in contributions:
        request = (part.edges, part.ties, part.beta, part.offset)
        if request != (first.edges, first.ties, first.beta, first.offset):
            raise QueryError(
                "the nodes' contributions answer different requests (grid, ties, β or offset)",
                hint="send every node the same step, and combine only the replies to it",
            )
        for name, shape in shapes.items():
            value = getattr(part, name)
            if value is None or value.shape != shape or not np.all(np.isfinite(value)):
                raise QueryError(
                    f"a node's {name} is not {shape} finite numbers",
                    hint="leave out the node whose reply is malformed",
                )
        if np.any(part.d < 0) or np.any(part.d != np.round(part.d)):
            raise QueryError("a node's event counts are not whole numbers", hint="leave that node out")

    def total(name: str) -> FloatArray:
        return np.asarray(sum(getattr(part, name) for part in contributions), dtype=np.float64)

    efron = first.ties == "efron"
    return CoxContribution(
        edges=first.edges,
        ties=first.ties,
        beta=first.beta,
        offset=first.offset,
        n=sum(part.n for part in contributions),
        d=total("d"),
        s0=total("s0"),
        s1=total("s1"),
        s2=total("s2"),
        e0=total("e0") if efron else None,
        e1=total("e1") if efron else None,
        e2=total("e2") if efron else None,
        sum_x_events=total("sum_x_events"),
        sum_xbeta_events=float(sum(part.sum_xbeta_events for part in contributions)),
    )


def cox_derivatives(total: CoxContribution, *, ties: Ties) -> CoxDerivatives:
    """The pooled partial likelihood's value, score and information from the combined sums."""
    _check_ties(ties)
    if ties != total.ties:
        raise QueryError(
            f"the contributions were computed for {total.ties} ties, not {ties}",
            hint="ask the nodes again with the ties method of the fit",
        )
    return _derivatives(total, efron=ties == "efron")


def _derivatives(total: CoxContribution, *, efron: bool) -> CoxDerivatives:
    d = np.round(total.d).astype(np.int64)
    bins = len(d)
    # One row per event: its bin and Efron's fraction l/d of the bin's tied events removed.
    row_bin = np.repeat(np.arange(bins), d)
    starts = np.repeat(np.cumsum(d) - d, d)
    fraction = (np.arange(len(row_bin)) - starts) / np.repeat(d, d).astype(np.float64)
    if not efron or total.e0 is None or total.e1 is None or total.e2 is None:
        fraction = np.zeros(len(row_bin))
        e0, e1, e2 = np.zeros(bins), np.zeros_like(total.s1), np.zeros_like(total.s2)
    else:
        e0, e1, e2 = total.e0, total.e1, total.e2
    phi = total.s0[row_bin] - fraction * e0[row_bin]
    if np.any(phi <= 0) or not np.all(np.isfinite(phi)):
        raise QueryError(
            "a risk set's weights summed to 0 or overflowed",
            hint="centre and scale the covariates, or have the hub send an offset near the mean xβ",
        )
    u = (total.s1[row_bin] - fraction[:, None] * e1[row_bin]) / phi[:, None]
    loglik = total.sum_xbeta_events - float(np.log(phi).sum()) - total.offset * len(row_bin)
    score = total.sum_x_events - u.sum(axis=0)
    a = np.bincount(row_bin, weights=1 / phi, minlength=bins)
    b = np.bincount(row_bin, weights=fraction / phi, minlength=bins)
    information = np.einsum("k,kij->ij", a, total.s2) - np.einsum("k,kij->ij", b, e2) - u.T @ u
    return CoxDerivatives(float(loglik), score, information, total.n, len(row_bin))


def cox_stratum_contribution(
    covariates: ArrayLike,
    time: ArrayLike,
    event: ArrayLike,
    *,
    beta: Sequence[float],
    ties: Ties,
    min_count: int,
) -> CoxDerivatives:
    """A node's own stratum of a fit stratified by node: its partial likelihood on its exact times
    at ``beta``, with its derivatives; only these sums leave it. Scaled by the node's largest xβ,
    which is valid within one stratum and never overflows.

    >>> part = cox_stratum_contribution([[0.0], [1.0]], [1, 2], [1, 1], beta=[0.0], ties="breslow",
    ...                                 min_count=1)
    >>> round(part.loglik, 4), part.score.tolist(), part.information.tolist()
    (-0.6931, [-0.5], [[0.25]])
    """
    _check_ties(ties)
    t, e, _ = survival_arrays(time, event)
    x, b = _design(covariates, len(t), beta)
    check_enough_events(e, min_count=min_count)
    times, index = np.unique(t, return_inverse=True)
    offset = float(np.max(x @ b))
    events = e == 1
    stratum = _contribution(x, events, index, len(times), edges=(), ties=ties, beta=b, offset=offset)
    return _derivatives(stratum, efron=ties == "efron")


def combine_strata(parts: Sequence[CoxDerivatives]) -> CoxDerivatives:
    """The stratified partial likelihood: the sum of the strata's values and derivatives."""
    if not parts:
        raise QueryError("no strata to combine", hint="ask at least one node")
    p = len(parts[0].score)
    for part in parts:
        if part.score.shape != (p,) or part.information.shape != (p, p):
            raise QueryError(
                f"a node's score or information is not of {p} coefficients",
                hint="leave out the node whose reply is malformed",
            )
    return CoxDerivatives(
        float(sum(part.loglik for part in parts)),
        np.asarray(sum(part.score for part in parts), dtype=np.float64),
        np.asarray(sum(part.information for part in parts), dtype=np.float64),
        sum(part.n for part in parts),
        sum(part.events for part in parts),
    )
