"""Non-IID splits of a pooled data set over simulated nodes, for benchmarks and tests: each class is
shared out in Dirichlet(α) proportions, so a small α gives nodes very different label mixes."""

from __future__ import annotations

import numpy as np

from pmbridge.errors import QueryError
from pmbridge.learning._dp import IntArray


def dirichlet_split(labels: IntArray, nodes: int, *, alpha: float, seed: int) -> list[IntArray]:
    """Row indices for each of ``nodes`` nodes: disjoint, covering every row, sorted, fixed by ``seed``.

    Per class, the class's rows are shuffled and cut in proportions drawn from Dirichlet(α, …, α)
    (the usual non-IID benchmark split); a node may end up small or empty at small α.

    >>> parts = dirichlet_split(np.array([0, 0, 1, 1, 1]), 2, alpha=0.5, seed=1)
    >>> sorted(np.concatenate(parts).tolist())
    [0, 1, 2, 3, 4]
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise QueryError("labels must be one value per row", hint="pass a 1-d array of class labels")
    if nodes < 1:
        raise QueryError(f"need at least one node, got {nodes}", hint="e.g. 5 nodes")
    if not alpha > 0:
        raise QueryError(f"alpha must be positive, got {alpha!r}", hint="0.5 is the usual non-IID split")
    rng = np.random.default_rng(seed)
    classes, codes = np.unique(labels, return_inverse=True)
    owner = np.empty(len(labels), dtype=np.int64)
    for c in range(len(classes)):  # a loop over classes, not people
        rows = rng.permutation(np.flatnonzero(codes == c))
        shares = rng.dirichlet(np.full(nodes, float(alpha)))
        cuts = np.minimum(np.round(np.cumsum(shares)[:-1] * len(rows)).astype(np.int64), len(rows))
        for node, part in enumerate(np.split(rows, cuts)):
            owner[part] = node
    return [np.flatnonzero(owner == node).astype(np.int64) for node in range(nodes)]
