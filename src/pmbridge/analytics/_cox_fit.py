"""The hub's Newton–Raphson driver for a Cox fit: it proposes the next β from the pooled partial
likelihood's derivatives, halves a step that lowers the likelihood, and reports the fit.

It holds no data: each ``update`` takes the derivatives the nodes' sums gave at the β it proposed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from pmbridge.analytics._survival_checks import ArrayLike
from pmbridge.errors import QueryError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CoxStep:
    """The β to ask the nodes for next; ``done`` when the fit has stopped (β is then the fit's)."""

    beta: tuple[float, ...]
    done: bool


@dataclass(frozen=True, slots=True)
class CoxResult:
    """A fitted Cox model: per coefficient its estimate, standard error, Wald z and p, confidence
    limits and hazard ratio; the partial log-likelihood at the fit and how the fit went."""

    coefficients: tuple[float, ...]
    se: tuple[float, ...]
    z: tuple[float, ...]
    p: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]
    hazard_ratios: tuple[float, ...]
    loglik: float
    iterations: int
    converged: bool
    n: int
    events: int


@dataclass(frozen=True, slots=True)
class _Point:
    beta: FloatArray
    loglik: float
    information: FloatArray
    step: FloatArray


class CoxFitter:
    """Newton–Raphson with step-halving, from β = 0.

    Converged when the next Newton step would move no coefficient by ``beta_tolerance`` or more and
    would raise the log-likelihood by less than ``loglik_tolerance`` (relative to its size, at least
    1; the rise is the Newton decrement, g·H⁻¹g/2). Each ``update`` is one round trip to the nodes
    and counts as an iteration.

    >>> fitter = CoxFitter(1)
    >>> fitter.start()
    (0.0,)
    >>> fitter.update(-10.0, [2.0], [[4.0]])  # a quadratic log-likelihood with its top at β = 0.5
    CoxStep(beta=(0.5,), done=False)
    >>> fitter.update(-9.5, [0.0], [[4.0]])
    CoxStep(beta=(0.5,), done=True)
    """

    def __init__(
        self,
        p: int,
        *,
        max_iterations: int = 30,
        beta_tolerance: float = 1e-9,
        loglik_tolerance: float = 1e-10,
        max_halvings: int = 30,
    ) -> None:
        if p < 1:
            raise QueryError("a Cox model needs at least one covariate", hint="add a covariate to the model")
        self.p = p
        self.max_iterations = max_iterations
        self.beta_tolerance = beta_tolerance
        self.loglik_tolerance = loglik_tolerance
        self.max_halvings = max_halvings
        self.iterations = 0
        self.converged = False
        self.done = False
        self._beta = np.zeros(p)
        self._best: _Point | None = None
        self._halvings = 0

    def start(self) -> tuple[float, ...]:
        """The first β to ask the nodes for: all zeros."""
        return tuple(float(v) for v in self._beta)

    def update(self, loglik: float, score: ArrayLike, information: ArrayLike) -> CoxStep:
        """Take the derivatives at the last proposed β; return the next β (or the fit's, when done)."""
        if self.done:
            raise QueryError("the fit has already stopped", hint="read it with result()")
        g = np.asarray(score, dtype=np.float64).reshape(-1)
        h = np.asarray(information, dtype=np.float64)
        if g.shape != (self.p,) or h.shape != (self.p, self.p):
            raise QueryError(f"score and information must be of {self.p} coefficients", hint="check the sums")
        self.iterations += 1
        best = self._best
        if best is not None and not (
            np.isfinite(loglik) and loglik >= best.loglik - 1e-12 * abs(best.loglik)
        ):
            return self._halve(best)
        step = _newton_step(h, g)
        accepted = self._best = _Point(self._beta.copy(), float(loglik), h, step)
        self._halvings = 0
        small_step = float(np.max(np.abs(step))) < self.beta_tolerance
        gain = 0.5 * float(g @ step)  # the rise in log-likelihood the next step promises
        flat = abs(gain) < self.loglik_tolerance * max(1.0, abs(loglik))
        if small_step and flat:
            return self._stop(accepted, converged=True)
        if self.iterations >= self.max_iterations:
            return self._stop(accepted, converged=False)
        self._beta = accepted.beta + step
        return CoxStep(tuple(float(v) for v in self._beta), False)

    def _halve(self, best: _Point) -> CoxStep:
        self._halvings += 1
        step = (self._beta - best.beta) / 2
        if float(np.max(np.abs(step))) < self.beta_tolerance:
            return self._stop(best, converged=True)  # only rounding in the log-likelihood is left
        if self._halvings > self.max_halvings or self.iterations >= self.max_iterations:
            return self._stop(best, converged=False)
        self._beta = best.beta + step
        return CoxStep(tuple(float(v) for v in self._beta), False)

    def _stop(self, best: _Point, *, converged: bool) -> CoxStep:
        self.done = True
        self.converged = converged
        self._beta = best.beta
        return CoxStep(tuple(float(v) for v in self._beta), True)

    def result(self, *, n: int, events: int, alpha: float = 0.05) -> CoxResult:
        """The fit at the best β seen, standard errors from the inverse information there."""
        if self._best is None:
            raise QueryError("the fit has no evaluated point yet", hint="call update() with the nodes' sums")
        best = self._best
        covariance = np.linalg.inv(best.information)
        se = np.sqrt(np.diag(covariance))
        z = best.beta / se
        q = float(stats.norm.ppf(1 - alpha / 2))
        return CoxResult(
            coefficients=_floats(best.beta),
            se=_floats(se),
            z=_floats(z),
            p=_floats(2 * stats.norm.sf(np.abs(z))),
            ci_lower=_floats(best.beta - q * se),
            ci_upper=_floats(best.beta + q * se),
            hazard_ratios=_floats(np.exp(best.beta)),
            loglik=best.loglik,
            iterations=self.iterations,
            converged=self.converged,
            n=n,
            events=events,
        )


def _newton_step(information: FloatArray, score: FloatArray) -> FloatArray:
    try:
        step = np.linalg.solve(information, score)
    except np.linalg.LinAlgError:
        raise QueryError(
            "the information matrix is singular, so the model cannot be fitted",
            hint="drop a covariate that is constant or a combination of others",
        ) from None
    if not np.all(np.isfinite(step)):
        raise QueryError("the Newton step is not finite", hint="centre and scale the covariates")
    return np.asarray(step, dtype=np.float64)


def _floats(values: FloatArray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
