"""Validation a node can release for a discrete-time hazard: per interval, among its people at risk,
score histograms of those with the event in the interval and those without, each disclosure-checked.

The hub sums them into a per-interval AUROC (incident/dynamic, Heagerty & Zheng 2005) and a mean.
"""

from __future__ import annotations

import numpy as np

from pmbridge.errors import QueryError
from pmbridge.learning._dp import FloatArray
from pmbridge.learning._linear import LinearModel
from pmbridge.learning._metrics import release_histogram, score_histogram


def hazard_scores(model: LinearModel, x: FloatArray, *, intervals: int) -> FloatArray:
    """Each person-period row's predicted hazard, mapped rank-preservingly within its interval onto
    [0, 1]: the features' part of the linear predictor between the least and the greatest value the
    model can give (features lie in [0, 1], so that range follows from the weights alone).

    A yearly hazard spans a few hundredths, which equal-width bins of the hazard itself would lump
    into one or two bins; within an interval the interval's own term is shared, so this order is
    the hazard's order, and every node bins on the same scale from the same model.

    >>> model = LinearModel(np.array([[-3.0], [2.0], [-1.0], [0.5]]))  # 2 features, 1 interval term
    >>> hazard_scores(model, np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]), intervals=2).tolist()
    [1.0, 0.0]
    """
    features = model.n_features - (intervals - 1)
    if features < 0 or x.ndim != 2 or x.shape[1] != model.n_features:
        raise QueryError(
            f"the data have shape {x.shape}, the hazard model expects (rows, {model.n_features}) with "
            f"{intervals - 1} interval indicators last",
            hint="build the design matrix from the same survival request as the model",
        )
    coefficients = model.weights[1 : features + 1, 0]
    low = float(np.minimum(coefficients, 0.0).sum())
    high = float(np.maximum(coefficients, 0.0).sum())
    if not high > low:
        return np.full(x.shape[0], 0.5)
    scores: FloatArray = np.clip((x[:, :features] @ coefficients - low) / (high - low), 0.0, 1.0)
    return scores


def row_intervals(x: FloatArray, *, intervals: int) -> FloatArray:
    """Each person-period row's interval 0 … intervals-1, from its indicator columns (the last
    ``intervals - 1``; the first interval has none)."""
    if intervals < 1 or x.ndim != 2 or x.shape[1] < intervals - 1:
        raise QueryError(
            f"a survival design has {intervals - 1} interval indicators last", hint="use design_matrix"
        )
    indicators = x[:, x.shape[1] - (intervals - 1) :]
    index: FloatArray = indicators @ np.arange(1, intervals, dtype=np.float64)
    return index


def censored_counts(at_risk: list[int], events: list[int]) -> list[int]:
    """People who leave the risk set in each interval but the last without the event: what the
    difference of two intervals' released totals shows (at risk in j, minus its events, minus at
    risk in j+1).

    >>> censored_counts([40, 30, 12], [5, 10, 2])
    [5, 8]
    """
    return [at_risk[j] - events[j] - at_risk[j + 1] for j in range(len(at_risk) - 1)]


def interval_histograms(
    model: LinearModel, x: FloatArray, y: FloatArray, *, intervals: int, bins: int, min_count: int
) -> tuple[FloatArray, FloatArray] | None:
    """(intervals, bins) released histograms of the hazard score: per interval, rows of the people
    at risk in it with the event there (positives) and without (negatives, the censored in it
    included, as in the hazard's likelihood); an interval no one is at risk in reads 0.

    All intervals or none (None): each released total is 0 or at least ``min_count``, and so is
    every difference the totals let anyone compute (those censored in an interval), since one
    interval withheld beside released ones, or a small censored count, would show through them.
    """
    scores = hazard_scores(model, x, intervals=intervals)
    where = row_intervals(x, intervals=intervals)
    positives = np.zeros((intervals, bins))
    negatives = np.zeros((intervals, bins))
    at_risk, events = [], []
    for j in range(intervals):  # a loop over intervals, not people
        rows = where == j
        at_risk.append(int(rows.sum()))
        events.append(int(y[rows].sum()))
        if not rows.any():
            continue
        released = release_histogram(*score_histogram(scores[rows], y[rows], bins=bins), min_count=min_count)
        if released is None:
            return None
        positives[j], negatives[j] = released
    if any(0 < c < min_count for c in censored_counts(at_risk, events)):
        return None
    return positives, negatives
