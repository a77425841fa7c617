"""The hub aggregates only what nodes released: sat-out and failed nodes leave the model alone, and
the network's validation never shows a count between 1 and min_count - 1."""

from __future__ import annotations

import numpy as np

from pmbridge.flower import _wire as w
from pmbridge.flower._hub_rounds import NodeReply, aggregate, initial_state, validation
from pmbridge.learning import parse_training
from tests.flower.cohort import seizure_spec

SPEC = seizure_spec(rounds=3)
CLUSTERS = parse_training({"task": "clustering", "features": ["age", "male"], "clusters": 2})


def trained(name: str, weights: list[float], people: float) -> NodeReply:
    return NodeReply(1, name, w.TRAINED, arrays={w.WEIGHTS: np.array(weights).reshape(3, 1)}, people=people)


def test_weights_are_averaged_by_people_over_the_nodes_that_trained() -> None:
    replies = [
        trained("a", [1.0, 1.0, 1.0], 30),
        trained("b", [5.0, 5.0, 5.0], 10),
        NodeReply(3, "c", w.SAT_OUT, "fewer than 5 people to train on"),
        NodeReply(4, "d", "error", "refused by rule app_pin: …"),
    ]
    merged = aggregate(SPEC, initial_state(SPEC), replies)
    np.testing.assert_allclose(merged.ravel(), [2.0, 2.0, 2.0])


def test_when_no_node_trains_the_model_stays_as_it_was() -> None:
    start = initial_state(SPEC) + 0.5
    assert np.array_equal(aggregate(SPEC, start, [NodeReply(1, "a", w.SAT_OUT, "too few")]), start)


def test_kmeans_adds_the_nodes_sums_and_counts() -> None:
    def sums(s: list[list[float]], c: list[float]) -> NodeReply:
        return NodeReply(1, "n", w.TRAINED, arrays={w.SUMS: np.array(s), w.COUNTS: np.array(c)})

    merged = aggregate(
        CLUSTERS, np.zeros((2, 2)), [sums([[1, 1], [0, 0]], [5, 0]), sums([[4, 4], [6, 3]], [5, 6])]
    )
    np.testing.assert_allclose(merged, [[0.5, 0.5], [1.0, 0.5]])


def histogram(name: str, pos: np.ndarray, neg: np.ndarray) -> NodeReply:
    return NodeReply(1, name, w.EVALUATED, arrays={w.POSITIVES: pos, w.NEGATIVES: neg})


def test_the_network_s_auroc_and_calibration_come_from_released_histograms() -> None:
    rng = np.random.default_rng(0)
    replies = []
    for name in ("a", "b", "c"):
        pos, neg = np.zeros(w.VALIDATION_BINS), np.zeros(w.VALIDATION_BINS)
        for b in rng.choice(w.VALIDATION_BINS, 6, replace=False):
            (pos if b > 40 else neg)[b] = rng.integers(5, 20)
        replies.append(histogram(name, pos, neg))
    result = validation(SPEC, replies, min_count=5)
    assert 0.9 <= result["auroc"] <= 1.0
    assert result["calibration"], result
    assert all(people >= 5 for _centre, _rate, people in result["calibration"])


def test_without_released_histograms_there_is_no_auroc() -> None:
    assert validation(SPEC, [NodeReply(1, "a", w.SAT_OUT, "too few")], min_count=5)["auroc"] is None


def test_network_cluster_sizes_below_min_count_are_not_numbers() -> None:
    replies = [
        NodeReply(
            1, "a", w.EVALUATED, arrays={w.COUNTS: np.array([40.0, 0.0]), "suppressed": np.array([0.0, 1.0])}
        ),
        NodeReply(
            2, "b", w.EVALUATED, arrays={w.COUNTS: np.array([3.0, 9.0]), "suppressed": np.array([0.0, 0.0])}
        ),
    ]
    result = validation(CLUSTERS, replies, min_count=10)
    assert result["cluster_sizes"] == [43, None]
    assert result["sizes_partial"] == [False, True]
