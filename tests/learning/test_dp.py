"""Node-side privacy: clipping bounds every person, keyed noise repeats exactly and only exactly, and
the accountant's σ gives back the (ε, δ) it was asked for."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pmbridge.errors import ConfigError, QueryError
from pmbridge.learning._dp import NodePrivacy, clip_rows, gaussian_sigma, keyed_rng, zcdp_epsilon

SECRET = b"node-secret-0123456789"

entries = st.floats(-1e100, 1e100, allow_nan=False, allow_infinity=False)
matrices = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 20), st.integers(1, 8)), elements=entries | st.just(0.0)
)
bounds = st.floats(1e-6, 1e6)


@settings(max_examples=300, deadline=None)
@given(g=matrices, bound=bounds)
def test_clip_rows_never_exceeds_the_bound(g: np.ndarray, bound: float) -> None:
    clipped = clip_rows(g, bound)
    assert (np.linalg.norm(clipped, axis=1) <= bound).all()


@settings(max_examples=200, deadline=None)
@given(g=matrices, bound=bounds)
def test_clip_rows_leaves_rows_inside_the_bound_and_keeps_directions(g: np.ndarray, bound: float) -> None:
    clipped = clip_rows(g, bound)
    norms = np.linalg.norm(g, axis=1)
    inside = norms <= bound
    assert np.array_equal(clipped[inside], g[inside])
    outside = ~inside & np.isfinite(norms)
    # A clipped row points the same way, at (just inside) the bound.
    np.testing.assert_allclose(
        clipped[outside], g[outside] * (bound / norms[outside])[:, None], rtol=1e-9, atol=1e-300
    )


def test_clip_rows_refuses_what_it_cannot_bound() -> None:
    with pytest.raises(QueryError):
        clip_rows(np.array([[np.inf, 1.0]]), 1.0)
    with pytest.raises(QueryError):
        clip_rows(np.array([[1.0]]), 0.0)


keys = st.lists(st.one_of(st.text(max_size=20), st.integers(-(2**70), 2**70)), max_size=4)


@settings(max_examples=200, deadline=None)
@given(parts=keys)
def test_the_same_key_gives_identical_noise(parts: list[str | int]) -> None:
    first = keyed_rng(SECRET, *parts).normal(size=16)
    again = keyed_rng(SECRET, *parts).normal(size=16)
    assert np.array_equal(first, again)


@settings(max_examples=200, deadline=None)
@given(run=st.text(max_size=30), other_run=st.text(max_size=30), round_=st.integers(0, 10_000))
def test_different_rounds_runs_and_secrets_give_different_noise(
    run: str, other_run: str, round_: int
) -> None:
    base = keyed_rng(SECRET, run, round_, "gradient").normal(size=8)
    assert not np.array_equal(base, keyed_rng(SECRET, run, round_ + 1, "gradient").normal(size=8))
    assert not np.array_equal(base, keyed_rng(SECRET, run, round_, "counts").normal(size=8))
    assert not np.array_equal(base, keyed_rng(SECRET + b"x", run, round_, "gradient").normal(size=8))
    if other_run != run:
        assert not np.array_equal(base, keyed_rng(SECRET, other_run, round_, "gradient").normal(size=8))


def test_key_parts_are_encoded_without_collisions() -> None:
    draws = {
        keyed_rng(SECRET, *parts).integers(2**63)
        for parts in [("a1",), ("a", 1), ("a", "1"), (1,), ("1",), ("a1", ""), ()]
    }
    assert len(draws) == 7


def test_a_short_node_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="16 bytes"):
        keyed_rng(b"short", "run")


@settings(max_examples=60, deadline=None)
@given(
    epsilon=st.floats(0.01, 20.0),
    delta=st.sampled_from([1e-3, 1e-5, 1e-6, 1e-9]),
    releases=st.integers(1, 2000),
    sensitivity=st.floats(0.01, 100.0),
)
def test_gaussian_sigma_spends_exactly_the_target(
    epsilon: float, delta: float, releases: int, sensitivity: float
) -> None:
    sigma = gaussian_sigma(epsilon=epsilon, delta=delta, releases=releases, sensitivity=sensitivity)
    rho = releases * sensitivity**2 / (2 * sigma**2)
    assert zcdp_epsilon(rho, delta) == pytest.approx(epsilon, rel=1e-9, abs=0)


@settings(max_examples=60, deadline=None)
@given(rho=st.floats(1e-6, 50.0), delta=st.sampled_from([1e-3, 1e-5, 1e-8]))
def test_the_conversion_is_within_the_textbook_bound_and_increasing(rho: float, delta: float) -> None:
    # OpenDP's conversion may reach ε = 0 for a tiny ρ at a large δ; it is never above the bound.
    epsilon = zcdp_epsilon(rho, delta)
    assert 0 <= epsilon <= rho + 2 * math.sqrt(rho * math.log(1 / delta)) + 1e-12
    assert zcdp_epsilon(rho * 1.01, delta) >= epsilon


def test_more_releases_need_more_noise_and_more_epsilon_less() -> None:
    base = gaussian_sigma(epsilon=1.0, delta=1e-5, releases=20)
    assert gaussian_sigma(epsilon=1.0, delta=1e-5, releases=80) == pytest.approx(2 * base)
    assert gaussian_sigma(epsilon=2.0, delta=1e-5, releases=20) < base


def test_a_known_value() -> None:
    # ρ = 0.5 for one Gaussian release at σ = 1: the textbook bound gives 5.30; OpenDP's is tighter.
    assert zcdp_epsilon(0.5, 1e-5) < 0.5 + 2 * math.sqrt(0.5 * math.log(1e5))
    assert gaussian_sigma(epsilon=zcdp_epsilon(0.5, 1e-5), delta=1e-5, releases=1) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "settings_",
    [
        {"epsilon": 0.0},
        {"epsilon": -1.0},
        {"epsilon": math.nan},
        {"epsilon": 1.0, "delta": 0.0},
        {"epsilon": 1.0, "delta": 1.0},
        {"epsilon": 1.0, "clip": 0.0},
        {"epsilon": 1.0, "clip": math.inf},
        {"epsilon": 1.0, "min_count": 0},
    ],
)
def test_bad_node_settings_are_refused(settings_: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        NodePrivacy(**settings_)  # type: ignore[arg-type]


def test_an_unbounded_clip_is_allowed_only_without_noise() -> None:
    assert NodePrivacy(epsilon=None, clip=math.inf).clip == math.inf


@pytest.mark.parametrize(
    "kwargs",
    [
        {"epsilon": 0.0, "delta": 1e-5, "releases": 1},
        {"epsilon": 1.0, "delta": 1e-5, "releases": 0},
        {"epsilon": 1.0, "delta": 2.0, "releases": 1},
        {"epsilon": 1.0, "delta": 1e-5, "releases": 1, "sensitivity": 0.0},
    ],
)
def test_bad_accounting_requests_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(QueryError):
        gaussian_sigma(**kwargs)  # type: ignore[arg-type]
