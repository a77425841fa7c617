"""Validation metrics: released histograms never show a count between 1 and min_count − 1 and keep
their totals, binned AUROC agrees with the exact one, ARI agrees with hand-computed tables."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pmbridge.errors import QueryError
from pmbridge.learning._metrics import (
    SCORE_BINS,
    adjusted_rand_index,
    auroc,
    auroc_exact,
    calibration,
    release_histogram,
    released_sizes,
    score_histogram,
)

counts = hnp.arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 12) | st.integers(0, 200))


@settings(max_examples=500, deadline=None)
@given(pos=counts, data=st.data(), min_count=st.integers(1, 11))
def test_a_released_histogram_shows_no_count_below_min_count_and_keeps_totals(
    pos: np.ndarray, data: st.DataObject, min_count: int
) -> None:
    neg = data.draw(hnp.arrays(np.int64, pos.shape, elements=st.integers(0, 12) | st.integers(0, 200)))
    released = release_histogram(pos, neg, min_count=min_count)
    totals_releasable = all(t == 0 or t >= min_count for t in (pos.sum(), neg.sum()))
    if released is None:
        assert not totals_releasable
        return
    assert totals_releasable
    out_pos, out_neg = released
    assert out_pos.shape == out_neg.shape == pos.shape
    for cells in (out_pos, out_neg):
        assert ((cells == 0) | (cells >= min_count)).all()
    assert out_pos.sum() == pos.sum() and out_neg.sum() == neg.sum()


def test_release_histogram_merges_only_where_needed() -> None:
    pos, neg = np.array([9, 0, 7, 5]), np.array([0, 8, 6, 5])
    released = release_histogram(pos, neg, min_count=5)
    assert released is not None
    assert [a.tolist() for a in released] == [pos.tolist(), neg.tolist()]
    merged = release_histogram(np.array([1, 9]), np.array([5, 5]), min_count=5)
    assert merged is not None
    assert [a.tolist() for a in merged] == [[0, 10], [0, 10]]  # at the people's mean bin
    assert release_histogram(np.array([1, 3]), np.array([5, 5]), min_count=5) is None


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 1000) | st.floats(0, 1000).map(round), max_size=20),
    min_count=st.integers(1, 20),
)
def test_released_sizes_never_show_a_number_below_min_count(sizes: list[int], min_count: int) -> None:
    shown = released_sizes(sizes, min_count=min_count)
    assert len(shown) == len(sizes)
    for size, released in zip(sizes, shown, strict=True):
        assert released is None if size < min_count else released == size


def brute_force_auroc(p: np.ndarray, y: np.ndarray) -> float:
    positives, negatives = p[y == 1], p[y == 0]
    wins = (positives[:, None] > negatives[None, :]).sum() + 0.5 * (
        positives[:, None] == negatives[None, :]
    ).sum()
    return float(wins / (len(positives) * len(negatives)))


@settings(max_examples=200, deadline=None)
@given(
    p=hnp.arrays(np.float64, st.integers(2, 40), elements=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])),
    data=st.data(),
)
def test_auroc_exact_is_the_pairwise_probability(p: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(hnp.arrays(np.float64, p.shape, elements=st.sampled_from([0.0, 1.0])))
    if y.min() == y.max():
        y[0] = 1.0 - y[0]
    assert auroc_exact(p, y) == pytest.approx(brute_force_auroc(p, y), abs=1e-12)


def test_the_binned_auroc_approaches_the_exact_one() -> None:
    rng = np.random.default_rng(0)
    score = rng.normal(size=20_000)
    y = (rng.random(20_000) < 1 / (1 + np.exp(-1.5 * score))).astype(np.float64)
    p = 1 / (1 + np.exp(-score))
    exact = auroc_exact(p, y)
    assert auroc(*score_histogram(p, y, bins=2000)) == pytest.approx(exact, abs=1e-4)
    assert auroc(*score_histogram(p, y)) == pytest.approx(exact, abs=0.01)
    released = release_histogram(*score_histogram(p, y), min_count=5)
    assert released is not None
    assert auroc(*released) == pytest.approx(exact, abs=0.01)


def test_scores_on_bin_centres_give_the_exact_auroc() -> None:
    rng = np.random.default_rng(1)
    p = (rng.integers(0, SCORE_BINS, 500) + 0.5) / SCORE_BINS
    y = (rng.random(500) < p).astype(np.float64)
    assert auroc(*score_histogram(p, y)) == pytest.approx(auroc_exact(p, y), abs=1e-12)


def test_summed_node_histograms_give_the_pooled_auroc() -> None:
    rng = np.random.default_rng(2)
    p, y = rng.random(900), (rng.random(900) < 0.4).astype(np.float64)
    nodes = np.array_split(np.arange(900), 3)
    summed = [sum(h) for h in zip(*(score_histogram(p[i], y[i]) for i in nodes), strict=True)]
    pooled = score_histogram(p, y)
    assert all(np.array_equal(a, b) for a, b in zip(summed, pooled, strict=True))


def test_calibration_reads_rates_per_bin() -> None:
    pos, neg = np.array([0, 2, 6, 0]), np.array([5, 6, 2, 0])
    assert calibration(pos, neg, bins=4) == [(0.125, 0.0, 5), (0.375, 0.25, 8), (0.625, 0.75, 8)]


def test_adjusted_rand_index_of_hand_computed_tables() -> None:
    # a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]: the table is [[2,1,0],[0,1,2]]; Σ C(nij,2) = 2,
    # Σ C(ai,2) = 6, Σ C(bj,2) = 3, C(6,2) = 15, so ARI = (2 − 6·3/15) / ((6+3)/2 − 6·3/15) = 8/33.
    a, b = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 1, 2, 2])
    assert adjusted_rand_index(a, b) == pytest.approx(float(Fraction(8, 33)), abs=1e-15)
    # [0,0,1,1] vs [0,0,1,2]: index 1, rows 2, columns 1, C(4,2) = 6: (1 − 1/3) / (3/2 − 1/3) = 4/7.
    assert adjusted_rand_index(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 2])) == pytest.approx(4 / 7)
    assert adjusted_rand_index(np.array([0, 0, 0, 0]), np.array([0, 1, 2, 3])) == 0.0
    assert adjusted_rand_index(np.array([3, 3, 7]), np.array([1, 1, 0])) == 1.0


@settings(max_examples=200, deadline=None)
@given(a=hnp.arrays(np.int64, st.integers(2, 40), elements=st.integers(0, 4)), data=st.data())
def test_adjusted_rand_index_is_symmetric_and_ignores_names(a: np.ndarray, data: st.DataObject) -> None:
    b = data.draw(hnp.arrays(np.int64, a.shape, elements=st.integers(0, 4)))
    renamed = np.array([7, 3, 9, 1, 5])[a]
    assert adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_index(b, a), abs=1e-12)
    assert adjusted_rand_index(renamed, b) == pytest.approx(adjusted_rand_index(a, b), abs=1e-12)
    assert adjusted_rand_index(a, a) == 1.0


def test_adjusted_rand_index_is_near_zero_by_chance() -> None:
    rng = np.random.default_rng(3)
    assert abs(adjusted_rand_index(rng.integers(0, 4, 20_000), rng.integers(0, 4, 20_000))) < 0.005


@pytest.mark.parametrize(
    "call",
    [
        lambda: score_histogram(np.array([1.2]), np.array([1.0])),
        lambda: score_histogram(np.array([0.2]), np.array([2.0])),
        lambda: release_histogram(np.array([1, 2]), np.array([1]), min_count=5),
        lambda: auroc(np.array([3, 0]), np.array([0, 0])),
        lambda: auroc_exact(np.array([0.1, 0.2]), np.array([1.0, 1.0])),
        lambda: adjusted_rand_index(np.array([0, 1]), np.array([0])),
        lambda: released_sizes([3], min_count=0),
    ],
)
def test_bad_inputs_are_refused(call: object) -> None:
    with pytest.raises(QueryError):
        call()  # type: ignore[operator]


def test_every_bin_edge_lands_in_one_bin() -> None:
    edges = np.array([i / SCORE_BINS for i in range(SCORE_BINS + 1)])
    pos, neg = score_histogram(edges, np.ones_like(edges))
    assert pos.sum() == SCORE_BINS + 1 and neg.sum() == 0
    assert pos[-1] == 2  # 1.0 joins the top bin
