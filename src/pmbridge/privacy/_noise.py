"""Noise on counts: OpenDP's discrete Laplace (geometric) mechanism, calibrated to ε per count.

A count changes by at most 1 when one person is added or removed (sensitivity 1), so noise of
scale 1/ε makes one released count ε-differentially private; OpenDP proves the map.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
from collections.abc import Callable

import numpy as np
import opendp.prelude as dp

from pmbridge.privacy._released import ReleasedCount, ReleaseMethod
from pmbridge.privacy._thresholds import round_up_to_floor

NoiseSource = Callable[[int, float], int]
"""Draws a noisy version of an exact count at a given ε: ``noise(exact, epsilon) -> int``."""

SENSITIVITY = 1
"""How much one person can change a count of people."""


def discrete_laplace(exact: int, epsilon: float) -> int:
    """``exact`` plus discrete Laplace noise whose privacy loss OpenDP bounds by ``epsilon``.

    The draw comes from OpenDP's sampler (the operating system's CSPRNG, exact integer
    arithmetic), so it cannot be seeded; repeats are made identical by caching, not by seeds.

    >>> isinstance(discrete_laplace(100, 1.0), int)
    True
    """
    return int(_measurement(epsilon)(exact))


def noise_scale(epsilon: float) -> float:
    """The largest scale whose OpenDP privacy map stays within ``epsilon`` for sensitivity 1.

    Plain ``1/ε`` can overshoot by a rounding step (ε 0.7 maps to 0.7000000000000001), so the
    scale is searched with OpenDP's own map.

    >>> noise_scale(1.0)
    1.0
    """
    return float(_calibrate(epsilon)[0])


@functools.lru_cache(maxsize=64)
def _calibrate(epsilon: float) -> tuple[float, dp.Measurement]:
    dp.enable_features("contrib")
    space = dp.atom_domain(T=int), dp.absolute_distance(T=int)
    scale = float(
        dp.binary_search_param(lambda s: dp.m.make_laplace(*space, scale=s), d_in=SENSITIVITY, d_out=epsilon)
    )
    return scale, dp.m.make_laplace(*space, scale=scale)


def _measurement(epsilon: float) -> dp.Measurement:
    return _calibrate(epsilon)[1]


def noised_count(
    exact: int, *, noise: NoiseSource, epsilon: float, min_count: int, round_to: int = 1
) -> ReleasedCount:
    """A count already known to pass the threshold, released with fresh noise (and rounding).

    >>> noised_count(6, noise=lambda c, e: c - 4, epsilon=1.0, min_count=5).value
    5
    >>> noised_count(40, noise=discrete_laplace, epsilon=1.0, min_count=5, round_to=10).value % 10
    0
    """
    return noised_release(noise(exact, epsilon), epsilon=epsilon, min_count=min_count, round_to=round_to)


def noised_release(noisy: int, *, epsilon: float, min_count: int, round_to: int = 1) -> ReleasedCount:
    """A noisy draw post-processed into the released range, saying how it was made.

    The value never falls below ``min_count`` (a noisy 3 for a true 6 would read as a small
    cell) and is rounded to ``round_to``. Post-processing costs no privacy, and doing it twice
    changes nothing, so a cached draw goes through it again unchanged.

    >>> noised_release(17, epsilon=1.0, min_count=5, round_to=10).display
    '≈20'
    >>> noised_release(-2, epsilon=1.0, min_count=11).value
    11
    """
    return ReleasedCount(
        value=round_up_to_floor(noisy, multiple=round_to, min_count=min_count),
        how=ReleaseMethod.NOISED,
        threshold=min_count,
        epsilon=epsilon,
        rounded_to=round_to if round_to > 1 else None,
        reason=f"discrete Laplace noise at ε {epsilon:g}, never below {min_count}"
        + (f", rounded to a multiple of {round_to}" if round_to > 1 else ""),
    )


def keyed_discrete_laplace(exact: int, epsilon: float, *, secret: bytes, key: str) -> int:
    """``exact`` plus discrete Laplace noise drawn from a generator seeded by HMAC(secret, key).

    The public tier's noise: the same question (``key``) gets the same noise from any caller, on
    any day, without storing it, so a crowd of anonymous identities or a thousand repeats average
    nothing away. It is the difference of two geometric draws with ``p = 1 - exp(-ε)``, which is
    discrete Laplace with scale 1/ε. NumPy's seeded generator stands in for OpenDP's, which
    cannot be seeded; this tier makes no differential-privacy claim (docs/privacy.md says why).

    >>> a = keyed_discrete_laplace(100, 1.0, secret=b"s", key="q")
    >>> a == keyed_discrete_laplace(100, 1.0, secret=b"s", key="q")
    True
    """
    seed = int.from_bytes(hmac.new(secret, key.encode(), hashlib.sha256).digest()[:16], "big")
    generator = np.random.default_rng(seed)
    p = -math.expm1(-epsilon)
    return exact + int(generator.geometric(p)) - int(generator.geometric(p))
