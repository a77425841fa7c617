"""Federated summaries: exact pooled mean and variance, histogram quantiles within a bin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.analytics import combine_summary, summary_contribution
from pmbridge.errors import QueryError


def _nodes(seed: int = 11) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(120 + 15 * i, 10 + 5 * i, n) for i, n in enumerate((300, 800, 1500))]


def test_mean_and_variance_equal_numpy_on_the_pooled_values() -> None:
    nodes = _nodes()
    pooled = np.concatenate(nodes)
    result = combine_summary([summary_contribution(values) for values in nodes])
    assert result.n == pooled.size
    assert result.mean is not None and result.variance is not None and result.sd is not None
    assert abs(result.mean - np.mean(pooled)) < 1e-9
    assert abs(result.variance - np.var(pooled, ddof=1)) < 1e-9
    assert abs(result.sd - np.std(pooled, ddof=1)) < 1e-9
    assert result.quantiles == ()


def test_stable_for_large_values_with_small_spread() -> None:
    """Raw Σx² would lose this variance to cancellation; (n, mean, M2) keeps it."""
    rng = np.random.default_rng(5)
    nodes = [1e9 + rng.normal(0, 0.01, n) for n in (300, 800, 1500)]
    result = combine_summary([summary_contribution(values) for values in nodes])
    assert result.variance is not None
    assert result.variance == pytest.approx(np.var(np.concatenate(nodes), ddof=1), rel=1e-6)


def test_quantiles_from_the_pooled_histogram() -> None:
    nodes = _nodes()
    pooled = np.concatenate(nodes)
    edges = list(np.linspace(40, 240, 101))  # 2-unit bins
    result = combine_summary(
        [summary_contribution(values, edges=edges) for values in nodes],
        edges=edges,
        quantiles=(0.1, 0.5, 0.9),
    )
    assert result.counts is not None and sum(result.counts) == pooled.size
    for quantile in result.quantiles:
        assert quantile.approximate
        assert quantile.value is not None
        assert quantile.high - quantile.low == pytest.approx(2.0)
        truth = np.quantile(pooled, quantile.probability)
        assert abs(quantile.value - truth) <= 2.0
        assert quantile.low <= quantile.value <= quantile.high


def test_quantile_beyond_the_edges_has_no_value() -> None:
    values = np.arange(100.0)
    edges = [50.0, 60.0, 70.0]
    result = combine_summary(
        [summary_contribution(values, edges=edges)], edges=edges, quantiles=(0.1, 0.55, 0.99)
    )
    assert result.counts == (50, 10, 11, 29)
    low, middle, high = result.quantiles
    assert low.value is None and low.high == 50.0
    assert middle.value == pytest.approx(55.0)
    assert high.value is None and high.low == 70.0


def test_missing_values_are_left_out_and_bad_input_refused() -> None:
    assert summary_contribution([np.nan, 1.0, 3.0]).n == 2
    empty = combine_summary([summary_contribution([])])
    assert (empty.n, empty.mean, empty.variance) == (0, None, None)
    with pytest.raises(QueryError, match="infinities"):
        summary_contribution([1.0, np.inf])
    with pytest.raises(QueryError, match="edges"):
        summary_contribution([1.0], edges=[1.0, 1.0])
    with pytest.raises(QueryError, match="same edges"):
        combine_summary([summary_contribution([1.0], edges=[0, 2])], edges=[0, 1, 2])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=0, max_size=40),
        min_size=1,
        max_size=5,
    )
)
def test_any_split_gives_the_pooled_answer(parts: list[list[float]]) -> None:
    pooled = np.array([v for part in parts for v in part])
    result = combine_summary([summary_contribution(part) for part in parts])
    assert result.n == pooled.size
    if pooled.size:
        assert result.mean == pytest.approx(np.mean(pooled), rel=1e-9, abs=1e-6)
    if pooled.size > 1:
        assert result.variance == pytest.approx(np.var(pooled, ddof=1), rel=1e-7, abs=1e-6)
