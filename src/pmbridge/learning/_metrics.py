"""Validation a node can release: predicted scores as per-bin counts of positives and negatives (no
person's score leaves), coarsened until every count meets the threshold; AUROC and calibration from
the network's summed counts; the adjusted Rand index; thresholded sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from pmbridge.errors import QueryError
from pmbridge.learning._dp import FloatArray, IntArray

SCORE_BINS = 20
"""Equal-width bins of the predicted probability: fine enough that the binned AUROC is within about
0.01 of the exact one, coarse enough that most bins hold several people."""


def _binary(y: FloatArray, n: int) -> FloatArray:
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (n,) or not np.isin(y, (0.0, 1.0)).all():
        raise QueryError("outcomes must be 0 or 1, one per prediction", hint="pass the binary label")
    return y


def score_histogram(p: FloatArray, y: FloatArray, bins: int = SCORE_BINS) -> tuple[IntArray, IntArray]:
    """Positives and negatives per equal-width bin of the predicted probability ``p`` (1.0 goes in
    the top bin).

    >>> pos, neg = score_histogram(np.array([0.1, 0.9, 0.95, 0.4]), np.array([0, 1, 1, 0]), bins=2)
    >>> pos.tolist(), neg.tolist()
    ([0, 2], [2, 0])
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise QueryError("predictions must be probabilities in [0, 1], one per person", hint="")
    if bins < 1:
        raise QueryError(f"need at least one bin, got {bins}", hint=f"e.g. {SCORE_BINS}")
    y = _binary(y, len(p))
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    positives = np.bincount(index[y == 1], minlength=bins).astype(np.int64)
    negatives = np.bincount(index[y == 0], minlength=bins).astype(np.int64)
    return positives, negatives


def _groups(pos: IntArray, neg: IntArray, min_count: int) -> list[tuple[int, int]] | None:
    """Runs [start, stop) of adjacent bins, as fine as greedy merging allows, in which the number of
    positives and of negatives are each 0 or at least ``min_count``; None when the totals are not."""

    def releasable(count: int) -> bool:
        return count == 0 or count >= min_count

    if not (releasable(int(pos.sum())) and releasable(int(neg.sum()))):
        return None
    groups: list[tuple[int, int]] = []
    start = 0
    cum_pos = np.concatenate([[0], np.cumsum(pos)])
    cum_neg = np.concatenate([[0], np.cumsum(neg)])
    for stop in range(1, len(pos) + 1):  # a loop over bins, not people
        p, n = int(cum_pos[stop] - cum_pos[start]), int(cum_neg[stop] - cum_neg[start])
        if p + n > 0 and releasable(p) and releasable(n):
            groups.append((start, stop))
            start = stop
    if start < len(pos):
        groups.append((start, len(pos)))
    # A trailing run that does not meet the threshold joins the runs before it until it does.
    while len(groups) > 1:
        first, stop = groups[-1]
        p, n = int(cum_pos[stop] - cum_pos[first]), int(cum_neg[stop] - cum_neg[first])
        if releasable(p) and releasable(n):
            break
        groups[-2:] = [(groups[-2][0], stop)]
    return groups


def release_histogram(pos: IntArray, neg: IntArray, *, min_count: int) -> tuple[IntArray, IntArray] | None:
    """The histogram a node may release: adjacent bins merged until every positive and negative count
    is 0 or at least ``min_count``; None when the node's own totals are not (it sits the metric out).

    A merged run's counts go into the one bin of the run nearest its people's mean bin and the other
    bins read 0, so the arrays keep their length and still add up across nodes; totals are kept.

    >>> pos, neg = release_histogram(np.array([6, 0, 2, 3]), np.array([0, 4, 5, 1]), min_count=5)
    >>> pos.tolist(), neg.tolist()
    ([6, 0, 5, 0], [0, 0, 10, 0])
    >>> release_histogram(np.array([3, 0]), np.array([9, 9]), min_count=5) is None
    True
    """
    pos, neg = np.asarray(pos, dtype=np.int64), np.asarray(neg, dtype=np.int64)
    if pos.shape != neg.shape or pos.ndim != 1 or (pos < 0).any() or (neg < 0).any():
        raise QueryError("a histogram is two equal-length rows of counts >= 0", hint="use score_histogram")
    if min_count < 1:
        raise QueryError(f"min_count must be >= 1, got {min_count}", hint="use the node's threshold")
    groups = _groups(pos, neg, min_count)
    if groups is None:
        return None
    out_pos, out_neg = np.zeros_like(pos), np.zeros_like(neg)
    bins = np.arange(len(pos))
    for start, stop in groups:  # a loop over runs of bins
        p, n = pos[start:stop], neg[start:stop]
        people = p + n
        total = int(people.sum())
        at = start if total == 0 else round(float((people * bins[start:stop]).sum()) / total)
        out_pos[at], out_neg[at] = p.sum(), n.sum()
    return out_pos, out_neg


def auroc(pos: IntArray, neg: IntArray) -> float:
    """The area under the ROC curve from per-bin counts (summed over nodes), ties within a bin 1/2.

    >>> auroc(np.array([0, 1, 3]), np.array([2, 1, 0]))
    0.9583333333333334
    """
    pos, neg = np.asarray(pos, dtype=np.float64), np.asarray(neg, dtype=np.float64)
    total_pos, total_neg = float(pos.sum()), float(neg.sum())
    if pos.shape != neg.shape or total_pos <= 0 or total_neg <= 0:
        raise QueryError(
            "AUROC needs positives and negatives in equal-length histograms",
            hint="validate on people with both outcomes",
        )
    negatives_below = np.concatenate([[0.0], np.cumsum(neg)[:-1]])
    area = float(np.sum(pos * (negatives_below + 0.5 * neg)))
    return area / (total_pos * total_neg)


def calibration(pos: IntArray, neg: IntArray, bins: int = SCORE_BINS) -> list[tuple[float, float, int]]:
    """Per non-empty bin: (bin centre, standing for the mean predicted probability; the observed rate
    of positives; the number of people). Pass released histograms, whose counts meet the threshold.

    >>> calibration(np.array([0, 3]), np.array([5, 1]), bins=2)
    [(0.25, 0.0, 5), (0.75, 0.75, 4)]
    """
    pos, neg = np.asarray(pos, dtype=np.int64), np.asarray(neg, dtype=np.int64)
    if pos.shape != (bins,) or neg.shape != (bins,):
        raise QueryError(f"the histograms must have {bins} bins", hint="pass the bins they were made with")
    people = pos + neg
    return [
        ((b + 0.5) / bins, int(pos[b]) / int(people[b]), int(people[b]))
        for b in np.flatnonzero(people).tolist()
    ]


def auroc_exact(p: FloatArray, y: FloatArray) -> float:
    """The exact AUROC from individual scores (Mann–Whitney U with mid-ranks for ties): for tests and
    benchmarks, never released.

    >>> auroc_exact(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.75
    """
    p = np.asarray(p, dtype=np.float64)
    y = _binary(y, len(p))
    positives, negatives = int((y == 1).sum()), int((y == 0).sum())
    if positives == 0 or negatives == 0:
        raise QueryError("AUROC needs positives and negatives", hint="validate on both outcomes")
    ranks = stats.rankdata(p)
    u = float(ranks[y == 1].sum()) - positives * (positives + 1) / 2
    return u / (positives * negatives)


def _pairs(counts: IntArray) -> float:
    c = counts.astype(np.float64)
    return float(np.sum(c * (c - 1) / 2))


def adjusted_rand_index(a: IntArray, b: IntArray) -> float:
    """The adjusted Rand index of two labelings of the same people (Hubert & Arabie 1985): 1 for the
    same partition up to renaming, about 0 for chance agreement.

    >>> adjusted_rand_index(np.array([0, 0, 1, 1]), np.array([5, 5, 2, 2]))
    1.0
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise QueryError("the labelings must be equal-length and non-empty", hint="label the same people")
    _, row = np.unique(a, return_inverse=True)
    _, col = np.unique(b, return_inverse=True)
    table = np.zeros((row.max() + 1, col.max() + 1), dtype=np.int64)
    np.add.at(table, (row, col), 1)
    index = _pairs(table.ravel())
    rows, cols = _pairs(table.sum(axis=1)), _pairs(table.sum(axis=0))
    expected = rows * cols / math.comb(a.size, 2) if a.size > 1 else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:  # both partitions trivial (one cluster, or all singletons)
        return 1.0
    return (index - expected) / (maximum - expected)


def released_sizes(counts: Sequence[int], *, min_count: int) -> list[int | None]:
    """Each size as released: the number itself when it is at least ``min_count``, else None, which
    is shown as "fewer than min_count" and never as a number.

    >>> released_sizes([12, 3, 0, 5], min_count=5)
    [12, None, None, 5]
    """
    if min_count < 1:
        raise QueryError(f"min_count must be >= 1, got {min_count}", hint="use the node's threshold")
    return [int(c) if int(c) >= min_count else None for c in counts]
