"""Checks on the parameters a hub asks a node to evaluate a model at, not only on the data.

A fit's score and information are sums over many people, but at a β of the caller's choosing they
need not be: a very steep β makes every weight 0 or 1 except at a threshold, and two such
thresholds apart by one person differ by that person's covariates. So the node refuses a β whose
linear predictor is implausible for a model of people (|xβ| above 30 on any row: odds or hazard
ratios beyond e³⁰) or whose weights rest on too few people (their effective number, (Σw)²/Σw²,
below k/2), in the whole fit and, for Cox, in every risk set of the binned grid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._formula import Design
from pmbridge.errors import DisclosureRefused

FloatArray = npt.NDArray[np.float64]
MAX_LINEAR_PREDICTOR = 30.0
EFFECTIVE_SHARE = 0.5
"""The weights must rest on at least this share of k people: at an honest β a risk set of exactly k
people has unequal hazards, so its effective number is a little below k, never near 1."""


def effective_number(weights: FloatArray) -> float:
    """(Σw)² / Σw²: how many people the weights effectively rest on.

    >>> effective_number(np.array([1.0, 1.0, 1.0])), effective_number(np.array([1.0, 0.0, 0.0]))
    (3.0, 1.0)
    """
    squares = float(np.sum(weights * weights))
    return 0.0 if squares <= 0 else float(np.sum(weights)) ** 2 / squares


def _refuse(message: str) -> DisclosureRefused:
    return DisclosureRefused(
        "implausible_parameters",
        message,
        hint="send the parameters the hub's fitter proposes; a fit of this model starts from zero",
    )


def check_linear_predictor(eta: FloatArray) -> None:
    """Refuse a β giving any row a linear predictor (offset aside) beyond ±30.

    >>> check_linear_predictor(np.array([0.5, -2.0]))
    >>> check_linear_predictor(np.array([0.5, 400.0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pmbridge.errors.DisclosureRefused: refused by the implausible_parameters rule: ...
    """
    if len(eta) and float(np.max(np.abs(eta))) > MAX_LINEAR_PREDICTOR:
        raise _refuse(f"these parameters give a linear predictor beyond ±{MAX_LINEAR_PREDICTOR:g}")


def check_weights(weights: FloatArray, *, min_count: int) -> None:
    """Refuse when the fit's weights rest on fewer than ``min_count`` people."""
    if len(weights) and effective_number(weights) < EFFECTIVE_SHARE * min_count:
        raise _refuse(f"at these parameters the model's weights rest on fewer than {min_count} people")


def check_risk_sets(weights: FloatArray, index: npt.NDArray[np.int64], bins: int, *, min_count: int) -> None:
    """Refuse when the relative hazards of any non-empty risk set (people whose binned time is at
    or after bin k) rest on fewer than ``min_count`` people."""
    total = np.cumsum(np.bincount(index, weights=weights, minlength=bins)[::-1])[::-1]
    squares = np.cumsum(np.bincount(index, weights=weights * weights, minlength=bins)[::-1])[::-1]
    people = np.cumsum(np.bincount(index, minlength=bins)[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = np.where(squares > 0, total * total / squares, 0.0)
    if np.any((people > 0) & (effective < EFFECTIVE_SHARE * min_count)):
        raise _refuse(f"at these parameters a risk set's weights rest on fewer than {min_count} people")


def relative_weights(eta: FloatArray) -> FloatArray:
    """exp(η − max η): the relative hazards, scaled so none overflows."""
    return np.exp(eta - float(np.max(eta))) if len(eta) else eta


def check_cox_parameters(
    x: FloatArray,
    beta: Sequence[float],
    time_bins: npt.NDArray[np.int64] | None,
    bins: int,
    *,
    min_count: int,
) -> None:
    """A Cox β: plausible linear predictors, and every risk set's weights on at least k people
    (``time_bins`` None: the node's own stratum, one risk set per distinct time)."""
    eta = x @ np.asarray(beta, dtype=np.float64)
    check_linear_predictor(eta)
    w = relative_weights(eta)
    check_weights(w, min_count=min_count)
    if time_bins is not None:
        check_risk_sets(w, time_bins, bins, min_count=min_count)


def check_glm_parameters(design: Design, beta: Sequence[float], *, family: str, min_count: int) -> None:
    """A GLM β: for the binomial and Poisson families, plausible linear predictors and weights on
    enough people (a gaussian model's score and information at any β follow from X'X, X'y and y'y,
    which its first step releases anyway)."""
    if family == "gaussian":
        return
    eta = design.X @ np.asarray(beta, dtype=np.float64)
    check_linear_predictor(eta)
    full = eta + design.offset
    if family == "binomial":
        mu = 1.0 / (1.0 + np.exp(-full))
        variance = mu * (1.0 - mu)
    else:
        variance = relative_weights(full)
    check_weights(design.weights * variance, min_count=min_count)
