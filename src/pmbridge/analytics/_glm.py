"""Federated GLM as DataSHIELD's ds.glm does it: each node returns its score and information at the
hub's β every Newton round, so the hub's fit equals the fit on the pooled rows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from scipy import special, stats  # type: ignore[import-untyped]

from pmbridge.analytics._formula import Design, FloatArray
from pmbridge.errors import QueryError

Family = Literal["gaussian", "binomial", "poisson"]
FAMILIES: tuple[str, ...] = get_args(Family)

_RELATIVE_DEVIANCE_TOL = 1e-8  # statsmodels' IRLS tolerance
_BETA_TOL = 1e-6
_MAX_HALVINGS = 30


@dataclass(frozen=True, slots=True)
class GlmContribution:
    """What a node returns for one β (sums over its rows; the hub adds them up): ``score`` is
    X'W(y − μ) for the canonical link, ``information`` the Fisher information X'WVX, the rest
    are sums for the deviance, Pearson χ², log-likelihood at scale 1 and the prior weights."""

    n: int
    score: FloatArray
    information: FloatArray
    deviance: float
    pearson_chi2: float
    weight_sum: float
    log_weight_sum: float
    log_likelihood: float


def _xlogy_ratio(y: FloatArray, mu: FloatArray) -> FloatArray:
    """y·log(y/μ), 0 where y is 0."""
    result: FloatArray = special.xlogy(y, y) - special.xlogy(y, mu)
    return result


def _check_response(family: Family, y: FloatArray) -> None:
    if family == "binomial" and ((y < 0) | (y > 1)).any():
        raise QueryError(
            "a binomial response must lie between 0 and 1", hint="use a binary variable (0/1) as the response"
        )
    if family == "poisson" and (y < 0).any():
        raise QueryError("a poisson response must not be negative", hint="use a count as the response")


def glm_contribution(design: Design, *, family: Family, beta: npt.ArrayLike) -> GlmContribution:
    """Node side: this node's score, information and deviance at the hub's ``beta``.

    >>> from pmbridge.analytics._formula import build_design, parse_formula
    >>> d = build_design(parse_formula("y ~ 1", allowed={"y"}), {"y": np.array([1.0, 3.0])})
    >>> c = glm_contribution(d, family="gaussian", beta=[0.0])
    >>> c.score.tolist(), c.information.tolist(), c.deviance
    ([4.0], [[2.0]], 10.0)
    """
    if family not in FAMILIES:
        raise QueryError(f"unknown family {family!r}", hint=f"use one of {', '.join(FAMILIES)}")
    if design.y is None:
        raise QueryError("a GLM needs a response", hint="write the formula as 'y ~ a + b'")
    b = np.asarray(beta, dtype=np.float64)
    if b.shape != (design.X.shape[1],) or not np.isfinite(b).all():
        raise QueryError(
            f"β must be {design.X.shape[1]} finite numbers, one per design column",
            hint="send the β the hub's fitter proposed for this formula",
        )
    x, y, w = design.X, design.y, design.weights
    _check_response(family, y)
    eta = x @ b + design.offset
    if family == "gaussian":
        mu, variance = eta, np.ones_like(eta)
        deviance = float(np.sum(w * (y - mu) ** 2))
        log_likelihood = 0.0  # the hub computes it from the deviance (it needs the scale)
    elif family == "binomial":
        mu = special.expit(eta)
        variance = mu * (1.0 - mu)
        deviance = float(2.0 * np.sum(w * (_xlogy_ratio(y, mu) + _xlogy_ratio(1.0 - y, 1.0 - mu))))
        log_likelihood = float(
            np.sum(
                special.gammaln(w + 1)
                - special.gammaln(w * y + 1)
                - special.gammaln(w * (1 - y) + 1)
                + special.xlogy(w * y, mu)
                + special.xlogy(w * (1 - y), 1 - mu)
            )
        )
    else:
        mu = np.exp(eta)
        variance = mu
        deviance = float(2.0 * np.sum(w * (_xlogy_ratio(y, mu) - (y - mu))))
        log_likelihood = float(np.sum(w * (special.xlogy(y, mu) - mu - special.gammaln(y + 1))))
    working = w * variance
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.sum(np.where(variance > 0, w * (y - mu) ** 2 / variance, 0.0)))
    return GlmContribution(
        n=design.n,
        score=x.T @ (w * (y - mu)),
        information=(x * working[:, None]).T @ x,
        deviance=deviance,
        pearson_chi2=pearson,
        weight_sum=float(np.sum(w)),
        log_weight_sum=float(np.sum(np.log(w))),
        log_likelihood=log_likelihood,
    )


def combine_glm(contributions: Sequence[GlmContribution]) -> GlmContribution:
    """Hub side: the network's totals, the plain sum of the nodes' contributions."""
    if not contributions:
        raise QueryError(
            "no node contributed to the model", hint="check that the cohort matches people at nodes"
        )
    shapes = {c.score.shape for c in contributions}
    if len(shapes) != 1:
        raise QueryError(
            "the nodes' contributions have different numbers of parameters",
            hint="every node must build the design from the same formula",
        )
    sums = {name: math.fsum(getattr(c, name) for c in contributions) for name in _SUMMED}
    return GlmContribution(
        n=sum(c.n for c in contributions),
        score=np.sum([c.score for c in contributions], axis=0),
        information=np.sum([c.information for c in contributions], axis=0),
        **sums,
    )


_SUMMED = ("deviance", "pearson_chi2", "weight_sum", "log_weight_sum", "log_likelihood")


@dataclass(frozen=True, slots=True)
class GlmStep:
    """The fitter's answer to one round: ``status`` "continue" (send ``beta`` to the nodes),
    "converged" (``beta`` is the estimate, and the totals just given are at it) or "failed"
    (``reason`` says why, in words for the caller)."""

    status: Literal["continue", "converged", "failed"]
    beta: FloatArray
    iteration: int
    reason: str = ""


def _newton_step(total: GlmContribution) -> FloatArray | str:
    """The Newton step I⁻¹U, or why there is none."""
    information = total.information
    if not np.isfinite(information).all() or not np.isfinite(total.score).all():
        return "the information matrix is not finite"
    scale = np.sqrt(np.clip(np.diag(information), 0.0, None))
    if (scale <= 0).any():
        return "a design column is zero for every person (or has no weight)"
    standardised = information / np.outer(scale, scale)
    if np.linalg.cond(standardised) > 1e12:
        return "the information matrix is singular: covariates are collinear or constant"
    return np.asarray(np.linalg.solve(information, total.score), dtype=np.float64)


class GlmFitter:
    """Hub side: the Newton (= IRLS for these canonical links) driver with step halving.

    Call :meth:`start`, send β to the nodes, give :meth:`update` the combined contributions at that
    β, and repeat with the β it returns until it says "converged" or "failed".
    """

    def __init__(self, p: int, *, family: Family, max_iterations: int = 25) -> None:
        if family not in FAMILIES:
            raise QueryError(f"unknown family {family!r}", hint=f"use one of {', '.join(FAMILIES)}")
        if p < 1 or max_iterations < 1:
            raise QueryError(
                "a model needs at least one parameter and one iteration", hint="check the formula"
            )
        self.p = p
        self.family: Family = family
        self.max_iterations = max_iterations
        self.iterations = 0
        self.converged = False
        self._beta: FloatArray = np.zeros(p)
        self._accepted: FloatArray | None = None
        self._accepted_deviance = math.inf
        self._step: FloatArray = np.zeros(p)
        self._halvings = 0

    def start(self) -> FloatArray:
        return self._beta.copy()

    def _failed(self, reason: str) -> GlmStep:
        return GlmStep("failed", self._beta.copy(), self.iterations, reason)

    def update(self, total: GlmContribution) -> GlmStep:
        if total.score.shape != (self.p,):
            raise QueryError(
                "the totals do not match the model's parameters", hint="combine the same formula"
            )
        self.iterations += 1
        deviance = total.deviance
        worse = not math.isfinite(deviance) or deviance > self._accepted_deviance * (1 + 1e-12) + 1e-12
        if self._accepted is not None and worse:
            self._halvings += 1
            if self._halvings > _MAX_HALVINGS or self.iterations >= self.max_iterations:
                return self._failed("the deviance stopped decreasing: the model cannot be fitted")
            self._beta = self._accepted + self._step / 2**self._halvings
            return GlmStep("continue", self._beta.copy(), self.iterations)
        if self.family == "binomial" and deviance <= 1e-8 * max(total.weight_sum, 1.0):
            return self._failed(
                "perfect separation: the covariates predict the outcome exactly, "
                "so the coefficients are infinite"
            )
        moved = np.inf if self._accepted is None else float(np.max(np.abs(self._beta - self._accepted)))
        change = abs(deviance - self._accepted_deviance) / (abs(deviance) + 0.1)
        self._accepted, self._accepted_deviance, self._halvings = self._beta.copy(), deviance, 0
        if change < _RELATIVE_DEVIANCE_TOL and moved <= _BETA_TOL * (1.0 + float(np.max(np.abs(self._beta)))):
            self.converged = True
            return GlmStep("converged", self._beta.copy(), self.iterations)
        step = _newton_step(total)
        if isinstance(step, str):
            return self._failed(step)
        if self.iterations >= self.max_iterations:
            reason = f"no convergence in {self.max_iterations} iterations"
            if self.family == "binomial":
                reason += (
                    " (often quasi-perfect separation: a covariate level where every outcome is the same)"
                )
            return self._failed(reason)
        self._step = step
        self._beta = self._accepted + step
        return GlmStep("continue", self._beta.copy(), self.iterations)

    def result(self, total: GlmContribution, columns: Sequence[str]) -> GlmResult:
        """The fitted model from the totals at the converged β (the last ones given to update)."""
        if not self.converged or self._accepted is None:
            raise QueryError(
                "the model did not converge, so it has no estimates",
                hint="simplify the model: drop or merge covariates, or ask about a larger cohort",
            )
        if len(columns) != self.p:
            raise QueryError("the column names do not match the parameters", hint="pass the design's columns")
        return glm_result(
            total, beta=self._accepted, columns=columns, family=self.family, iterations=self.iterations
        )


@dataclass(frozen=True, slots=True)
class GlmResult:
    """A fitted GLM as the hub releases it (no residuals or fitted values, by policy)."""

    family: str
    columns: tuple[str, ...]
    coefficients: tuple[float, ...]
    standard_errors: tuple[float, ...]
    statistic: Literal["z", "t"]
    statistics: tuple[float, ...]
    p_values: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]
    deviance: float
    scale: float
    df_residual: int
    aic: float
    n: int
    iterations: int
    converged: bool


def glm_result(
    total: GlmContribution, *, beta: FloatArray, columns: Sequence[str], family: Family, iterations: int
) -> GlmResult:
    """Standard errors, tests and 95 % intervals as statsmodels reports them (``var_weights``).

    The gaussian scale is Pearson χ² / (n − p) and its tests use t with n − p degrees of freedom
    (statsmodels' ``fit(use_t=True)``); binomial and poisson have scale 1 and z tests.
    """
    p = len(beta)
    df_residual = total.n - p
    if df_residual <= 0:
        raise QueryError(
            "the model has as many parameters as people", hint="drop covariates or widen the cohort"
        )
    try:
        inverse = np.linalg.inv(total.information)
    except np.linalg.LinAlgError:
        raise QueryError(
            "the information matrix is singular: covariates are collinear or constant",
            hint="drop one of the collinear covariates",
        ) from None
    if family == "gaussian":
        scale = total.pearson_chi2 / df_residual
        mle_scale = total.deviance / total.n
        log_likelihood = -0.5 * (total.n * (math.log(2 * math.pi * mle_scale) + 1) - total.log_weight_sum)
        reference: stats.rv_continuous | stats.rv_frozen = stats.t(df_residual)
    else:
        scale, log_likelihood, reference = 1.0, total.log_likelihood, stats.norm()
    errors = np.sqrt(np.diag(inverse) * scale)
    if not (np.isfinite(errors).all() and np.isfinite(beta).all()):
        raise QueryError(
            "the fit gave non-finite standard errors", hint="drop collinear or constant covariates"
        )
    statistics = beta / errors
    p_values = 2 * reference.sf(np.abs(statistics))
    quantile = float(reference.ppf(0.975))

    def floats(values: FloatArray) -> tuple[float, ...]:
        return tuple(float(v) for v in values)

    return GlmResult(
        family=family,
        columns=tuple(columns),
        coefficients=floats(beta),
        standard_errors=floats(errors),
        statistic="t" if family == "gaussian" else "z",
        statistics=floats(statistics),
        p_values=floats(p_values),
        ci_lower=floats(beta - quantile * errors),
        ci_upper=floats(beta + quantile * errors),
        deviance=total.deviance,
        scale=scale,
        df_residual=df_residual,
        aic=-2 * log_likelihood + 2 * p,
        n=total.n,
        iterations=iterations,
        converged=True,
    )
