"""Similarity of two term sets (two patients, a patient and a disease) from a term similarity.

Best-match average is the textbook choice; the others are there to compare against it.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from statistics import fmean

from pmbridge.similarity._measures import TermSimilarity


class Aggregation(StrEnum):
    """How the pairwise term similarities of two sets become one number."""

    BMA = "bma"
    """Symmetric best-match average: the mean of the two one-sided averages (hpo3's funSimAvg)."""
    QUERY_BMA = "query-bma"
    """One-sided: each query term's best match in the target, averaged (Phenomizer's choice)."""
    FUN_SIM_MAX = "funsimmax"
    """The larger of the two one-sided best-match averages."""
    MAX = "max"
    """The single best pair."""
    AVERAGE = "average"
    """The mean over all pairs."""


def set_similarity(
    query: Collection[str],
    target: Collection[str],
    *,
    similarity: TermSimilarity,
    aggregation: Aggregation = Aggregation.BMA,
) -> float:
    """Similarity of ``query`` and ``target`` (0 when either is empty).

    Every aggregation except ``query-bma`` is symmetric in its two sets.

    >>> def exact(a, b): return 1.0 if a == b else 0.0
    >>> set_similarity({"a", "b"}, {"a"}, similarity=exact)
    0.75
    >>> set_similarity({"a", "b"}, {"a"}, similarity=exact, aggregation=Aggregation.QUERY_BMA)
    0.5
    >>> set_similarity({"a", "b"}, {"a"}, similarity=exact, aggregation=Aggregation.AVERAGE)
    0.5
    """
    if not query or not target:
        return 0.0
    rows = [[similarity(q, t) for t in target] for q in query]
    kind = Aggregation(aggregation)
    if kind is Aggregation.MAX:
        return max(max(row) for row in rows)
    if kind is Aggregation.AVERAGE:
        return fmean(value for row in rows for value in row)
    forward = fmean(max(row) for row in rows)
    if kind is Aggregation.QUERY_BMA:
        return forward
    backward = fmean(max(column) for column in zip(*rows, strict=True))
    if kind is Aggregation.FUN_SIM_MAX:
        return max(forward, backward)
    return (forward + backward) / 2
