"""Node-side differential privacy for training: the node's settings, L2 clipping, keyed Gaussian noise,
and the zero-concentrated-DP accountant that turns a training's releases into one (ε, δ).

Every release is a Gaussian mechanism on clipped per-person contributions (add/remove-one
neighbours). A Gaussian release of sensitivity Δ and noise std σ costs ρ = Δ²/(2σ²) in zCDP
(Bun & Steinke 2016); ρ adds up over releases, and OpenDP converts the total to (ε, δ).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import opendp.prelude as dp
from scipy import optimize  # type: ignore[import-untyped]

from pmbridge.errors import ConfigError, QueryError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MIN_SECRET_BYTES = 16
"""A guessable node secret would let anyone recompute the noise and subtract it."""

_SHRINK = 1.0 - 2.0**-40
"""Clipped rows land this much inside the bound, so rounding in the rescale never pushes a norm over it."""


@dataclass(frozen=True, slots=True)
class NodePrivacy:
    """A node's privacy settings for training, from the node's own config: a request cannot set them.

    ``epsilon`` None trains without noise (tests and benchmarks of the non-private fit only); then
    ``clip`` may be ``math.inf`` for the exact unclipped fit. ``min_count`` is the disclosure
    threshold every released count must meet.

    >>> NodePrivacy(epsilon=1.0).delta
    1e-05
    """

    epsilon: float | None
    delta: float = 1e-5
    clip: float = 1.0
    min_count: int = 5

    def __post_init__(self) -> None:
        if self.epsilon is not None and not (math.isfinite(self.epsilon) and self.epsilon > 0):
            raise ConfigError(
                f"training epsilon must be a positive number, got {self.epsilon!r}",
                hint="set the node's training epsilon to e.g. 1.0 (or leave it unset only for tests)",
            )
        if not 0 < self.delta < 1:
            raise ConfigError(
                f"training delta must lie strictly between 0 and 1, got {self.delta!r}",
                hint="use a delta well below 1/people, e.g. 1e-5",
            )
        clip_ok = self.clip > 0 and (math.isfinite(self.clip) or self.epsilon is None)
        if not clip_ok:
            raise ConfigError(
                f"training clip must be a positive finite number, got {self.clip!r}",
                hint="set the node's clip to e.g. 1.0; an infinite clip is only allowed without epsilon",
            )
        if isinstance(self.min_count, bool) or not isinstance(self.min_count, int) or self.min_count < 1:
            raise ConfigError(
                f"min_count must be a positive whole number, got {self.min_count!r}",
                hint="use the node's disclosure threshold (POLICY.md's default is 5)",
            )


def _check_delta(delta: float) -> None:
    if not 0 < delta < 1:
        raise QueryError(f"delta must lie strictly between 0 and 1, got {delta!r}", hint="e.g. 1e-5")


@functools.lru_cache(maxsize=1024)
def zcdp_epsilon(rho: float, delta: float) -> float:
    """The ε of ρ-zCDP at ``delta``, by OpenDP's zCDP→approxDP conversion.

    OpenDP's conversion (Canonne, Kamath & Steinke 2020) is tighter than the textbook
    ε = ρ + 2√(ρ ln(1/δ)), which this never exceeds. The ρ goes in as the privacy map of a
    Gaussian mechanism of scale 1/√(2ρ) at sensitivity 1, which is exactly ρ-zCDP, so OpenDP's
    own measurement types carry it (no "honest-but-curious" feature needed).

    >>> round(zcdp_epsilon(0.1, 1e-5), 4)
    1.9142
    >>> zcdp_epsilon(0.1, 1e-5) <= 0.1 + 2 * math.sqrt(0.1 * math.log(1e5))
    True
    """
    _check_delta(delta)
    if not (math.isfinite(rho) and rho >= 0):
        raise QueryError(f"rho must be a finite number >= 0, got {rho!r}", hint="sum the releases' ρ")
    if rho == 0:
        return 0.0
    dp.enable_features("contrib")
    gaussian = dp.m.make_gaussian(
        dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=math.sqrt(0.5 / rho)
    )
    profile = dp.c.make_zCDP_to_approxDP(gaussian).map(1.0)  # type: ignore[no-untyped-call]
    return float(profile.epsilon(delta))


@functools.lru_cache(maxsize=256)
def _total_rho(epsilon: float, delta: float) -> float:
    """The ρ whose conversion is exactly ``epsilon`` (zcdp_epsilon is increasing in ρ)."""
    log_inverse = math.log(1 / delta)
    # The textbook bound is looser, so its inverse gives ε ≤ target: a lower bracket.
    low = (math.sqrt(log_inverse + epsilon) - math.sqrt(log_inverse)) ** 2
    high = max(epsilon, 2 * low)
    while zcdp_epsilon(high, delta) < epsilon:
        high *= 2
    if zcdp_epsilon(low, delta) >= epsilon:
        return low
    root = optimize.brentq(
        lambda log_rho: zcdp_epsilon(math.exp(log_rho), delta) - epsilon,
        math.log(low),
        math.log(high),
        xtol=1e-15,
        rtol=4 * np.finfo(float).eps,
        maxiter=200,
    )
    return math.exp(float(root))


def gaussian_sigma(*, epsilon: float, delta: float, releases: int, sensitivity: float = 1.0) -> float:
    """The noise std for each of ``releases`` equal Gaussian releases of ``sensitivity``, so that
    the whole training is (ε, δ)-DP: the total ρ solves zcdp_epsilon(ρ, δ) = ε, and each release
    gets ρ/releases, i.e. σ = Δ·√(releases / (2ρ)).

    With ``sensitivity`` 1 the result is a noise multiplier: the std to use is σ × the clip.

    >>> sigma = gaussian_sigma(epsilon=1.0, delta=1e-5, releases=20)
    >>> abs(zcdp_epsilon(20 / (2 * sigma**2), 1e-5) - 1.0) < 1e-9
    True
    """
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise QueryError(f"epsilon must be a positive number, got {epsilon!r}", hint="e.g. 1.0")
    _check_delta(delta)
    if isinstance(releases, bool) or not isinstance(releases, int) or releases < 1:
        raise QueryError(
            f"releases must be a whole number >= 1, got {releases!r}",
            hint="count every noisy release of the training (rounds × local steps)",
        )
    if not (math.isfinite(sensitivity) and sensitivity > 0):
        raise QueryError(f"sensitivity must be a positive number, got {sensitivity!r}", hint="e.g. 1.0")
    return sensitivity * math.sqrt(releases / (2 * _total_rho(float(epsilon), float(delta))))


def keyed_rng(secret: bytes, *parts: str | int) -> np.random.Generator:
    """A generator seeded by HMAC-SHA256(node secret, parts), e.g. (run digest, round, purpose).

    The same request gets the same noise, so repeating it cannot average the noise away; a new
    round, run or purpose gets independent noise. The parts are JSON-encoded, so ("a1",) and
    ("a", 1) or (1,) and ("1",) never collide.

    >>> a = keyed_rng(b"0123456789abcdef", "run", 3).normal()
    >>> a == keyed_rng(b"0123456789abcdef", "run", 3).normal()
    True
    """
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"the node's training secret must be at least {MIN_SECRET_BYTES} bytes",
            hint="generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`",
        )
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, str | int):
            raise QueryError(f"noise key parts must be text or whole numbers, got {part!r}", hint="")
    message = json.dumps(list(parts), ensure_ascii=True, separators=(",", ":")).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def row_norms(g: FloatArray) -> FloatArray:
    """Each row's L2 norm, computed on rows scaled by their largest entry so that huge values do
    not overflow to infinity."""
    scale = np.max(np.abs(g), axis=1) if g.shape[1] else np.zeros(g.shape[0])
    safe = np.where(scale > 0, scale, 1.0)
    norms: FloatArray = scale * np.sqrt(np.sum((g / safe[:, None]) ** 2, axis=1))
    return norms


def clip_factors(norms: FloatArray, bound: float) -> FloatArray:
    """The factor that brings each row of these norms within ``bound`` (1 for rows already inside)."""
    outside = norms > bound
    factors: FloatArray = np.divide(bound * _SHRINK, norms, out=np.ones_like(norms), where=outside)
    return factors


def clip_rows(g: FloatArray, bound: float) -> FloatArray:
    """Each row of ``g`` scaled down to L2 norm at most ``bound`` (rows inside it are unchanged).

    This bounds one person's contribution to a sum, which is what the Gaussian noise is calibrated
    to. A clipped row lands a hair inside the bound so the norm of the result never exceeds it.

    >>> clip_rows(np.array([[3.0, 4.0], [0.3, 0.4]]), 1.0).round(6).tolist()
    [[0.6, 0.8], [0.3, 0.4]]
    """
    if not (bound > 0):
        raise QueryError(f"the clip bound must be positive, got {bound!r}", hint="e.g. 1.0")
    if g.ndim != 2:
        raise QueryError("clip_rows takes a matrix with one row per person", hint="reshape to (n, d)")
    if not np.isfinite(g).all():
        raise QueryError("a contribution is not finite", hint="check the features are scaled to [0, 1]")
    clipped: FloatArray = g * clip_factors(row_norms(g), bound)[:, None]
    return clipped
