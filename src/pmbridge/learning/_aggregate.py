"""The hub's aggregation of node updates: the weighted mean FedAvg and FedProx use, weighted by each
node's released number of people."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pmbridge.errors import QueryError
from pmbridge.learning._dp import FloatArray


def weighted_mean(arrays: Sequence[FloatArray], weights: Sequence[float]) -> FloatArray:
    """Σ wᵢ·aᵢ / Σ wᵢ over the nodes' arrays (all of one shape).

    Weighting by people makes one local step per round equal to a pooled gradient step.

    >>> weighted_mean([np.array([0.0, 2.0]), np.array([4.0, 2.0])], [3, 1]).tolist()
    [1.0, 2.0]
    """
    if not arrays or len(arrays) != len(weights):
        raise QueryError(
            f"{len(arrays)} arrays and {len(weights)} weights: need one weight per array, at least one",
            hint="aggregate only the nodes that took part in the round",
        )
    shapes = {np.shape(a) for a in arrays}
    if len(shapes) != 1:
        raise QueryError(
            f"the nodes' arrays have different shapes {sorted(shapes)}",
            hint="every node must train the model of the same request",
        )
    w = np.asarray(weights, dtype=np.float64)
    if not (np.isfinite(w).all() and (w >= 0).all()) or not math.fsum(w.tolist()) > 0:
        raise QueryError("weights must be >= 0 with a positive total", hint="weight nodes by their people")
    stacked = np.stack([np.asarray(a, dtype=np.float64) for a in arrays])
    mean: FloatArray = np.tensordot(w / w.sum(), stacked, axes=1)
    return mean
