"""A node's round releases only what privacy and disclosure control allow: it sits out below the
minimum count, its noise is keyed (a repeat gets the same noise), and no released count of its
validation lies between 1 and min_count - 1."""

from __future__ import annotations

import numpy as np
import pytest
from flwr.app import RecordDict

from pmbridge.flower import _wire as w
from pmbridge.flower._hub_rounds import NodeReply, initial_state, validation
from pmbridge.flower._node_round import NodeData, evaluate, train
from pmbridge.learning import Design, design_matrix, parse_training
from pmbridge.learning._dp import NodePrivacy
from tests.flower.cohort import SECRET, seizure_spec

SPEC = seizure_spec(rounds=5)
CLUSTERS = parse_training({"task": "clustering", "features": ["age", "male"], "clusters": 3, "rounds": 5})


def node(
    n: int, *, epsilon: float | None = 1.0, secret: bytes = SECRET, seed: int = 0, spec=SPEC
) -> NodeData:
    rng = np.random.default_rng(seed)
    age, male = rng.uniform(0, 100, n), rng.integers(0, 2, n).astype(float)
    seizure = (rng.random(n) < age / 100).astype(float)
    design = design_matrix(spec, {"age": age, "male": male, "seizure": seizure}, np.arange(n, dtype=np.int64))
    return NodeData("rome", design, secret, NodePrivacy(epsilon=epsilon, min_count=5))


def status(reply: RecordDict) -> str:
    return str(reply.config_records[w.NODE]["status"])


def weights(reply: RecordDict) -> np.ndarray:
    return reply.array_records[w.ARRAYS][w.WEIGHTS].numpy()


def test_a_node_with_fewer_people_than_min_count_sits_out_and_releases_nothing() -> None:
    reply = train(SPEC, node(4), {w.WEIGHTS: initial_state(SPEC)}, round_=1)
    assert status(reply) == w.SAT_OUT
    assert "fewer than 5" in str(reply.config_records[w.NODE]["reason"])
    assert not reply.array_records and not reply.metric_records


def test_the_same_request_gets_the_same_noise_and_a_new_round_new_noise() -> None:
    start = {w.WEIGHTS: initial_state(SPEC)}
    first = weights(train(SPEC, node(200), start, round_=1))
    again = weights(train(SPEC, node(200), start, round_=1))
    other_round = weights(train(SPEC, node(200), start, round_=2))
    other_secret = weights(train(SPEC, node(200, secret=SECRET + b"!"), start, round_=1))
    exact = weights(train(SPEC, node(200, epsilon=None), start, round_=1))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other_round)
    assert not np.array_equal(first, other_secret)
    assert not np.array_equal(first, exact)  # noise was added


def test_a_linear_reply_carries_the_weights_and_the_people_who_trained() -> None:
    data = node(200)
    reply = train(SPEC, data, {w.WEIGHTS: initial_state(SPEC)}, round_=1)
    assert status(reply) == w.TRAINED
    assert weights(reply).shape == (3, 1)
    assert reply.metric_records["metrics"]["num-examples"] == data.design.part(False).people


@pytest.mark.parametrize("seed", range(20))
def test_no_released_validation_count_lies_between_one_and_min_count(seed: int) -> None:
    n = int(np.random.default_rng(seed).integers(5, 80))
    model = {w.WEIGHTS: np.random.default_rng(seed).normal(size=(3, 1))}
    reply = evaluate(SPEC, node(n, seed=seed), model)
    if status(reply) == w.SAT_OUT:
        assert not reply.array_records
        return
    for key in (w.POSITIVES, w.NEGATIVES):
        counts = reply.array_records[w.ARRAYS][key].numpy()
        assert not ((counts > 0) & (counts < 5)).any(), counts


def test_cluster_sizes_below_min_count_are_suppressed_and_flagged() -> None:
    age = np.array([10.0] * 58 + [90.0, 90.0])
    male = np.array([0.0] * 58 + [1.0, 1.0])
    design = design_matrix(CLUSTERS, {"age": age, "male": male}, np.arange(60, dtype=np.int64))
    data = NodeData("rome", design, SECRET, NodePrivacy(epsilon=None, min_count=5))
    centroids = np.array([[0.1, 0.0], [0.9, 1.0], [0.5, 0.5]])
    reply = evaluate(CLUSTERS, data, {w.CENTROIDS: centroids})
    arrays = reply.array_records[w.ARRAYS]
    assert arrays[w.COUNTS].numpy().tolist() == [58.0, 0.0, 0.0]  # the pair is never shown as 2
    assert arrays["suppressed"].numpy().tolist() == [0.0, 1.0, 0.0]


MULTICLASS = parse_training(
    {
        "task": "multiclass",
        "features": ["age"],
        "labels": ["young", "middle", "old"],
        "variables": {c: {"phenotype": f"HP:000000{i}"} for i, c in enumerate(("young", "middle", "old"), 1)},
    }
)


def test_multiclass_validation_is_one_released_histogram_per_class() -> None:
    rng = np.random.default_rng(4)
    age = rng.uniform(0, 100, 300)
    group = np.digitize(age, [33, 66])
    columns = {
        "age": age,
        **{c: (group == i).astype(float) for i, c in enumerate(("young", "middle", "old"))},
    }
    data = NodeData(
        "rome",
        design_matrix(MULTICLASS, columns, np.arange(300, dtype=np.int64)),
        SECRET,
        NodePrivacy(epsilon=None),
    )
    model = np.array([[2.0, 0.0, -2.0], [-4.0, 0.0, 4.0]])  # intercepts, then age: young → old
    reply = evaluate(MULTICLASS, data, {w.WEIGHTS: model})
    arrays = reply.array_records[w.ARRAYS]
    positives, negatives = arrays[w.POSITIVES].numpy(), arrays[w.NEGATIVES].numpy()
    assert positives.shape == negatives.shape == (3, w.VALIDATION_BINS)
    assert not (((positives > 0) & (positives < 5)) | ((negatives > 0) & (negatives < 5))).any()
    result = validation(
        MULTICLASS,
        [NodeReply(1, "rome", w.EVALUATED, arrays={w.POSITIVES: positives, w.NEGATIVES: negatives})],
        min_count=5,
    )
    young, _middle, old = result["auroc_per_class"]
    assert young > 0.85 and old > 0.85


def test_a_node_answers_only_its_training_s_rounds_and_only_in_one_flower_run() -> None:
    from pmbridge.errors import QueryError, SignatureRejected
    from pmbridge.flower._client_app import _check_run

    runs: dict[str, int] = {}
    _check_run("t1", 7, 1, 3, runs)
    _check_run("t1", 7, 3, 3, runs)
    with pytest.raises(QueryError, match="outside the training's 1..3"):
        _check_run("t1", 7, 4, 3, runs)
    with pytest.raises(SignatureRejected, match="a grant is good for one run"):
        _check_run("t1", 8, 1, 3, runs)  # the same grant replayed in another Flower run


def test_a_small_class_withholds_every_class_s_validation() -> None:
    """With 3 of 300 in one class, releasing the other two classes' totals would show it (300 −
    the two), so the node releases no class's histogram."""
    rng = np.random.default_rng(5)
    age = rng.uniform(0, 100, 300)
    group = np.where(age < 50, 0, 1)

    def design() -> Design:
        classes = {c: (group == i).astype(float) for i, c in enumerate(("young", "middle", "old"))}
        return design_matrix(MULTICLASS, {"age": age, **classes}, np.arange(300, dtype=np.int64))

    group[design().part(True).inds[:3]] = 2  # three held-out "old": fewer than min_count
    data = NodeData("rome", design(), SECRET, NodePrivacy(epsilon=None), run="r")
    held = data.design.part(True)
    assert held.y is not None and int((held.y == 2).sum()) == 3
    reply = evaluate(MULTICLASS, data, {w.WEIGHTS: np.array([[2.0, 0.0, -2.0], [-4.0, 0.0, 4.0]])})
    node = reply.config_records[w.NODE]
    assert node["status"] == w.SAT_OUT and node["rule"] == "min_count"
    assert not reply.array_records
