"""Federated 2 × 2 tables: the pooled table's χ² equals scipy's chi2_contingency."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pmbridge.analytics import combine_crosstab, crosstab_contribution
from pmbridge.errors import QueryError


def test_pooled_table_and_chi2_equal_scipy() -> None:
    rng = np.random.default_rng(4)
    parts = []
    for n, p in ((300, 0.2), (800, 0.4), (1500, 0.5)):
        rows = (rng.random(n) < p).astype(float)
        columns = (rng.random(n) < 0.3 + 0.2 * rows).astype(float)
        parts.append((rows, columns))
    result = combine_crosstab([crosstab_contribution(r, c) for r, c in parts])
    rows = np.concatenate([r for r, _ in parts])
    columns = np.concatenate([c for _, c in parts])
    expected = np.array([[np.sum((rows == i) & (columns == j)) for j in (0, 1)] for i in (0, 1)])
    assert np.array_equal(np.array(result.table), expected)
    assert result.n == 2600 and result.df == 1
    plain = stats.chi2_contingency(expected, correction=False)
    yates = stats.chi2_contingency(expected, correction=True)
    assert result.chi2 == pytest.approx(plain.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(plain.pvalue, rel=1e-12)
    assert result.chi2_yates == pytest.approx(yates.statistic, rel=1e-12)
    assert result.p_value_yates == pytest.approx(yates.pvalue, rel=1e-12)
    # Pearson's χ² by hand, as a second oracle
    expected_counts = np.outer(expected.sum(1), expected.sum(0)) / expected.sum()
    assert result.chi2 == pytest.approx(
        ((expected - expected_counts) ** 2 / expected_counts).sum(), rel=1e-12
    )


def test_empty_margin_has_no_test() -> None:
    result = combine_crosstab([crosstab_contribution([1.0, 1.0, 1.0], [0.0, 1.0, 1.0])])
    assert result.table == ((0, 0), (1, 2))
    assert result.chi2 is None and result.p_value is None and result.chi2_yates is None


def test_missing_left_out_and_non_binary_refused() -> None:
    assert crosstab_contribution([0.0, np.nan, 1.0], [1.0, 1.0, np.nan]).n == 1
    with pytest.raises(QueryError, match="0 or 1"):
        crosstab_contribution([0.0, 2.0], [1.0, 1.0])
    with pytest.raises(QueryError, match="one value per person"):
        crosstab_contribution([0.0, 1.0], [1.0])
