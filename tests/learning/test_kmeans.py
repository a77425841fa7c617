"""Federated k-means: without noise a round equals pooled Lloyd's step, with noise it still finds
separable clusters, and no released cluster count lies between 1 and min_count − 1."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import QueryError
from pmbridge.learning._dp import NodePrivacy, gaussian_sigma, keyed_rng
from pmbridge.learning._kmeans import RELEASES_PER_ROUND, assign, init_centroids, kmeans_sums, kmeans_update
from pmbridge.learning._metrics import adjusted_rand_index
from pmbridge.learning._partition import dirichlet_split

SECRET = b"node-secret-0123456789"
EXACT = NodePrivacy(epsilon=None, clip=math.inf, min_count=1)


def blobs(n: int, seed: int, spread: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.2, 0.2, 0.8], [0.8, 0.3, 0.2], [0.4, 0.9, 0.5]])
    truth = rng.integers(0, 3, n)
    x = np.clip(centres[truth] + spread * rng.normal(size=(n, 3)), 0.0, 1.0)
    return x, truth


def lloyd(centroids: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Pooled Lloyd's step, written out per cluster as the oracle."""
    nearest = assign(centroids, x)
    return np.array(
        [
            x[nearest == j].mean(axis=0) if (nearest == j).any() else centroids[j]
            for j in range(len(centroids))
        ]
    )


def federated_round(
    centroids: np.ndarray,
    x: np.ndarray,
    parts: list[np.ndarray],
    privacy: NodePrivacy,
    sigma: float,
    round_: int,
) -> np.ndarray:
    released = [
        kmeans_sums(
            centroids, x[part], privacy=privacy, sigma=sigma, rng=keyed_rng(SECRET, "run", node, round_)
        )
        for node, part in enumerate(parts)
    ]
    sums = np.sum([s for s, _ in released], axis=0)
    counts = np.sum([c for _, c in released], axis=0)
    return kmeans_update(centroids, sums, counts)


def test_assign_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    x, centroids = rng.random((200, 4)), rng.random((5, 4))
    brute = np.argmin(((x[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)
    assert np.array_equal(assign(centroids, x), brute)


def test_a_noiseless_federated_round_is_pooled_lloyd() -> None:
    x, truth = blobs(900, seed=1)
    parts = dirichlet_split(truth, 4, alpha=0.5, seed=1)
    centroids = init_centroids(3, 3, seed=1)
    for round_ in range(10):
        federated = federated_round(centroids, x, parts, EXACT, 0.0, round_)
        np.testing.assert_allclose(federated, lloyd(centroids, x), rtol=1e-12, atol=1e-14)
        centroids = federated


def test_private_federated_kmeans_finds_separable_clusters() -> None:
    x, truth = blobs(3000, seed=2)
    parts = dirichlet_split(truth, 5, alpha=0.5, seed=2)
    rounds = 10
    privacy = NodePrivacy(epsilon=1.0, clip=0.5)
    sigma = gaussian_sigma(epsilon=1.0, delta=privacy.delta, releases=RELEASES_PER_ROUND * rounds)
    private = pooled = init_centroids(3, 3, seed=3)
    for round_ in range(rounds):
        private = federated_round(private, x, parts, privacy, sigma, round_)
        pooled = lloyd(pooled, x)
    assert adjusted_rand_index(assign(pooled, x), truth) == pytest.approx(1.0)
    assert adjusted_rand_index(assign(private, x), assign(pooled, x)) >= 0.9


def test_the_noise_is_keyed() -> None:
    x, _ = blobs(300, seed=4)
    centroids = init_centroids(3, 3, seed=4)
    privacy = NodePrivacy(epsilon=1.0)

    def release(round_: int) -> tuple[np.ndarray, np.ndarray]:
        return kmeans_sums(centroids, x, privacy=privacy, sigma=2.0, rng=keyed_rng(SECRET, "run", round_))

    first, again, other = release(1), release(1), release(2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 60),
    k=st.integers(1, 6),
    min_count=st.integers(1, 12),
    noised=st.booleans(),
)
def test_no_released_cluster_count_is_below_min_count(
    seed: int, n: int, k: int, min_count: int, noised: bool
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 2))
    privacy = NodePrivacy(epsilon=1.0 if noised else None, min_count=min_count)
    sums, counts = kmeans_sums(
        init_centroids(k, 2, seed), x, privacy=privacy, sigma=1.5, rng=np.random.default_rng(seed)
    )
    assert ((counts == 0) | (counts >= min_count)).all()
    assert (sums[counts == 0] == 0).all()


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10_000), clip=st.floats(0.01, 2.0))
def test_one_person_moves_the_released_offsets_by_at_most_the_clip(seed: int, clip: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.random((40, 3))
    centroids = init_centroids(4, 3, seed)
    privacy = NodePrivacy(epsilon=None, clip=clip, min_count=1)
    none = np.random.default_rng(0)

    def offsets(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sums, counts = kmeans_sums(centroids, rows, privacy=privacy, sigma=0.0, rng=none)
        return sums - counts[:, None] * centroids, counts

    with_all, counts_all = offsets(x)
    without, counts_without = offsets(x[:-1])
    assert np.linalg.norm(with_all - without) <= clip * (1 + 1e-9)
    assert np.abs(counts_all - counts_without).sum() == 1


def test_a_cluster_nobody_joined_keeps_its_centroid() -> None:
    previous = np.array([[0.1, 0.1], [0.9, 0.9]])
    updated = kmeans_update(previous, np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([4.0, 0.0]))
    assert updated.tolist() == [[0.25, 0.5], [0.9, 0.9]]


def test_noise_cannot_push_a_centroid_out_of_the_feature_box() -> None:
    updated = kmeans_update(np.zeros((1, 2)), np.array([[-3.0, 30.0]]), np.array([10.0]))
    assert updated.tolist() == [[0.0, 1.0]]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(QueryError):
        assign(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(QueryError, match="noise multiplier"):
        kmeans_sums(
            np.zeros((2, 2)),
            np.zeros((4, 2)),
            privacy=NodePrivacy(epsilon=1.0),
            sigma=0.0,
            rng=np.random.default_rng(),
        )
    with pytest.raises(QueryError):
        kmeans_update(np.zeros((2, 2)), np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(QueryError):
        init_centroids(0, 2, seed=0)
