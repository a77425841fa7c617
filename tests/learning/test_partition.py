"""The non-IID benchmark split: seeded, disjoint, covering every row, and less alike at small α."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pmbridge.errors import QueryError
from pmbridge.learning._partition import dirichlet_split

labels = hnp.arrays(np.int64, st.integers(0, 300), elements=st.integers(0, 5))


@settings(max_examples=200, deadline=None)
@given(labels=labels, nodes=st.integers(1, 8), alpha=st.floats(0.05, 100.0), seed=st.integers(0, 2**32))
def test_the_split_is_disjoint_covers_every_row_and_is_seeded(
    labels: np.ndarray, nodes: int, alpha: float, seed: int
) -> None:
    parts = dirichlet_split(labels, nodes, alpha=alpha, seed=seed)
    assert len(parts) == nodes
    joined = np.concatenate(parts)
    assert np.array_equal(np.sort(joined), np.arange(len(labels)))  # disjoint and covering
    assert all(np.array_equal(np.sort(p), p) for p in parts)
    again = dirichlet_split(labels, nodes, alpha=alpha, seed=seed)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again, strict=True))


def test_another_seed_gives_another_split() -> None:
    labels = np.repeat(np.arange(3), 200)
    first = dirichlet_split(labels, 5, alpha=0.5, seed=1)
    other = dirichlet_split(labels, 5, alpha=0.5, seed=2)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def label_spread(alpha: float) -> float:
    """How far the nodes' label shares are from the pooled share, averaged over seeds."""
    labels = np.repeat([0, 1], 2000)
    spreads = []
    for seed in range(20):
        parts = dirichlet_split(labels, 5, alpha=alpha, seed=seed)
        shares = [labels[p].mean() for p in parts if len(p)]
        spreads.append(np.std(shares))
    return float(np.mean(spreads))


def test_a_small_alpha_gives_nodes_unlike_label_mixes() -> None:
    assert label_spread(0.5) > 0.2 > 0.05 > label_spread(1000.0)


def test_bad_requests_are_refused() -> None:
    with pytest.raises(QueryError):
        dirichlet_split(np.zeros(4, dtype=np.int64), 0, alpha=0.5, seed=0)
    with pytest.raises(QueryError):
        dirichlet_split(np.zeros(4, dtype=np.int64), 2, alpha=0.0, seed=0)
    with pytest.raises(QueryError):
        dirichlet_split(np.zeros((2, 2), dtype=np.int64), 2, alpha=0.5, seed=0)
