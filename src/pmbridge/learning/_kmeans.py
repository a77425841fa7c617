"""Federated k-means (Lloyd's algorithm): each round a node returns noisy per-cluster sums and counts
at the global centroids, and the hub's new centroids are the summed sums over the summed counts.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from pmbridge.errors import QueryError
from pmbridge.learning._dp import FloatArray, NodePrivacy, clip_rows

RELEASES_PER_ROUND = 2
"""A round releases the sums and the counts: two Gaussian releases, each at the same σ (the sums at
sensitivity ``clip``, the counts at sensitivity 1), so use gaussian_sigma(releases=2 * rounds)."""


def init_centroids(k: int, d: int, seed: int) -> FloatArray:
    """``k`` starting centroids drawn uniformly in [0, 1]^d (where the features live) from ``seed``,
    so every node and the hub start from the same ones without anyone releasing data.

    >>> init_centroids(3, 2, seed=0).shape
    (3, 2)
    """
    if k < 1 or d < 1:
        raise QueryError(f"k-means needs >= 1 cluster and feature, got {k} and {d}", hint="e.g. 3 clusters")
    centroids: FloatArray = np.random.default_rng(seed).random((k, d))
    return centroids


def assign(centroids: FloatArray, x: FloatArray) -> npt.NDArray[np.int64]:
    """Each row's nearest centroid (squared Euclidean distance; ties go to the lower index).

    >>> assign(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[0.1, 0.2], [0.9, 0.7]])).tolist()
    [0, 1]
    """
    _check(centroids, x)
    distances = (
        np.sum(x**2, axis=1)[:, None] - 2.0 * (x @ centroids.T) + np.sum(centroids**2, axis=1)[None, :]
    )
    nearest: npt.NDArray[np.int64] = np.argmin(distances, axis=1).astype(np.int64)
    return nearest


def _check(centroids: FloatArray, x: FloatArray) -> None:
    if centroids.ndim != 2 or x.ndim != 2 or centroids.shape[1] != x.shape[1]:
        raise QueryError(
            f"data of shape {x.shape} do not match centroids of shape {centroids.shape}",
            hint="build the design matrix from the same training request as the centroids",
        )
    if not (np.isfinite(x).all() and np.isfinite(centroids).all()):
        raise QueryError("the data or the centroids are not finite", hint="use complete cases")


def kmeans_sums(
    centroids: FloatArray, x: FloatArray, *, privacy: NodePrivacy, sigma: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """A node's round: per cluster the (noisy) sum of its people's rows and their (noisy) count.

    A person contributes their offset from the assigned (public) centroid, clipped to
    ``privacy.clip``, rather than their row itself: clipping then only pulls in people far from their
    centroid instead of shrinking everyone toward the origin, and the release is
    ``noisy offset sum + noisy count × centroid``, a post-processing of two Gaussian releases
    (see :data:`RELEASES_PER_ROUND`). Without epsilon nothing is noised, and with an infinite clip
    the sums are the exact ones.

    Disclosure control: a cluster whose (noisy) count is below ``privacy.min_count`` is released as
    sum 0 and count 0, so no count between 1 and min_count − 1 ever leaves; thresholding the noisy
    count is post-processing, so it costs no privacy.
    """
    _check(centroids, x)
    k = centroids.shape[0]
    noised = privacy.epsilon is not None
    if noised and not (math.isfinite(sigma) and sigma > 0):
        raise QueryError(
            f"a private training needs a positive noise multiplier, got {sigma!r}",
            hint=f"use gaussian_sigma(epsilon=…, delta=…, releases={RELEASES_PER_ROUND} * rounds)",
        )
    nearest = assign(centroids, x)
    offsets = clip_rows(x - centroids[nearest], privacy.clip) if len(x) else x
    offset_sums = np.zeros_like(centroids, dtype=np.float64)
    np.add.at(offset_sums, nearest, offsets)
    counts = np.bincount(nearest, minlength=k).astype(np.float64)
    if noised:
        offset_sums = offset_sums + rng.normal(0.0, sigma * privacy.clip, size=offset_sums.shape)
        counts = counts + rng.normal(0.0, sigma, size=counts.shape)
    released = counts >= privacy.min_count
    counts = np.where(released, counts, 0.0)
    sums: FloatArray = np.where(released[:, None], offset_sums + counts[:, None] * centroids, 0.0)
    return sums, counts


def kmeans_update(previous: FloatArray, sums: FloatArray, counts: FloatArray) -> FloatArray:
    """The hub's new centroids: the network's sums over its counts, kept in [0, 1]^d.

    A cluster with a total count below 1 (empty everywhere, suppressed, or noise) keeps its previous
    centroid; clipping to the feature box undoes noise that pushed a centroid outside it.

    >>> kmeans_update(np.zeros((2, 1)), np.array([[3.0], [0.0]]), np.array([4.0, 0.0])).tolist()
    [[0.75], [0.0]]
    """
    if sums.shape != previous.shape or counts.shape != (previous.shape[0],):
        raise QueryError(
            "the sums and counts do not match the centroids",
            hint="sum the nodes' kmeans_sums over nodes before updating",
        )
    usable = counts >= 1.0
    safe = np.where(usable, counts, 1.0)
    updated: FloatArray = np.clip(np.where(usable[:, None], sums / safe[:, None], previous), 0.0, 1.0)
    return updated
