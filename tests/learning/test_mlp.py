"""The MLP against oracles: its gradient against finite differences, clipping that bounds each
person's pull on the summed gradient, and data (XOR) that it learns and a linear model cannot,
pooled and federated through a node's round and the hub's aggregation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import QueryError
from pmbridge.flower import _wire as w
from pmbridge.flower._hub_rounds import NodeReply, aggregate, initial_state, validation
from pmbridge.flower._node_round import NodeData, evaluate, train
from pmbridge.learning import design_matrix, parse_training, spec_digest, spec_from_wire, spec_to_wire
from pmbridge.learning._dp import NodePrivacy
from pmbridge.learning._linear import _with_intercept, init_linear, linear_step, predict_proba
from pmbridge.learning._metrics import auroc_exact
from pmbridge.learning._mlp import (
    init_mlp,
    mlp_gradient_sum,
    mlp_loss,
    mlp_predict_proba,
    mlp_shape,
    mlp_step,
)
from pmbridge.learning._schema import training_schema

EXACT = NodePrivacy(epsilon=None, clip=math.inf)
SECRET = b"a-test-secret-of-more-than-16-bytes"


def xor(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four blobs near the corners of the unit square; the label is whether the corner's two
    coordinates differ, which no straight line separates."""
    rng = np.random.default_rng(seed)
    corner = rng.integers(0, 2, (n, 2)).astype(np.float64)
    x = np.clip(corner * 0.6 + 0.2 + rng.normal(0.0, 0.08, (n, 2)), 0.0, 1.0)
    return x, (corner[:, 0] != corner[:, 1]).astype(np.float64)


def fit(x: np.ndarray, y: np.ndarray, *, hidden: int, classes: int, steps: int, lr: float) -> np.ndarray:
    shape = mlp_shape(x.shape[1], hidden, classes)
    start = init_mlp(shape, 0)
    return mlp_step(
        shape,
        start,
        x,
        y,
        global_params=start,
        learning_rate=lr,
        proximal_mu=0.0,
        privacy=EXACT,
        sigma=0.0,
        rng=np.random.default_rng(0),
        local_steps=steps,
    )


@pytest.mark.parametrize("classes", [2, 3])
def test_the_gradient_matches_finite_differences(classes: int) -> None:
    rng = np.random.default_rng(classes)
    x = rng.random((12, 3))
    y = rng.integers(0, classes, 12).astype(np.float64)
    shape = mlp_shape(3, 4, classes)
    params = init_mlp(shape, 1) + rng.normal(0.0, 0.3, shape.size)
    analytic = mlp_gradient_sum(shape, params, _with_intercept(x), y.astype(np.int64), bound=math.inf)
    step = 1e-6
    numeric = np.array(
        [
            (mlp_loss(shape, params + step * e, x, y) - mlp_loss(shape, params - step * e, x, y)) / (2 * step)
            for e in np.eye(shape.size)
        ]
    )
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    people=st.integers(2, 30),
    hidden=st.integers(1, 6),
    classes=st.integers(2, 4),
    bound=st.floats(0.01, 5.0),
    scale=st.floats(0.1, 20.0),
)
def test_one_person_moves_the_clipped_sum_by_at_most_the_clip(
    seed: int, people: int, hidden: int, classes: int, bound: float, scale: float
) -> None:
    rng = np.random.default_rng(seed)
    x1 = _with_intercept(rng.random((people, 3)))
    labels = rng.integers(0, classes, people)
    shape = mlp_shape(3, hidden, classes)
    params = rng.normal(0.0, scale, shape.size)
    everyone = mlp_gradient_sum(shape, params, x1, labels, bound=bound)
    without = mlp_gradient_sum(shape, params, x1[1:], labels[1:], bound=bound)
    assert np.linalg.norm(everyone - without) <= bound


def test_the_same_seed_gives_the_same_start_and_hidden_units_differ() -> None:
    shape = mlp_shape(4, 8, 2)
    assert np.array_equal(init_mlp(shape, 3), init_mlp(shape, 3))
    assert not np.array_equal(init_mlp(shape, 3), init_mlp(shape, 4))
    first = shape.unpack(init_mlp(shape, 3))[0]
    assert len({tuple(column) for column in first.T}) == 8  # no two units start alike


def test_an_mlp_learns_xor_that_a_linear_model_cannot() -> None:
    x, y = xor(800, seed=0)
    shape = mlp_shape(2, 8, 2)
    mlp = fit(x, y, hidden=8, classes=2, steps=300, lr=4.0)
    start = init_linear(2, 2)
    linear = linear_step(
        start,
        x,
        y,
        global_model=start,
        learning_rate=4.0,
        proximal_mu=0.0,
        privacy=EXACT,
        sigma=0.0,
        rng=np.random.default_rng(0),
        local_steps=300,
    )
    test_x, test_y = xor(400, seed=1)
    assert auroc_exact(mlp_predict_proba(shape, mlp, test_x), test_y) > 0.98
    assert auroc_exact(predict_proba(linear, test_x), test_y) < 0.65


def test_multiclass_probabilities_sum_to_one() -> None:
    rng = np.random.default_rng(5)
    shape = mlp_shape(3, 5, 4)
    p = mlp_predict_proba(shape, rng.normal(size=shape.size), rng.random((10, 3)))
    assert p.shape == (10, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_a_wrong_parameter_vector_is_refused_with_its_fix() -> None:
    shape = mlp_shape(2, 3, 2)
    with pytest.raises(QueryError, match="has 13 parameters, got 12") as caught:
        mlp_predict_proba(shape, np.zeros(12), np.zeros((1, 2)))
    assert "init_mlp" in (caught.value.hint or "")


# -- the request ---------------------------------------------------------------------------

XOR_REQUEST: dict[str, Any] = {
    "task": "binary",
    "model": "mlp",
    "hidden_units": 8,
    "features": [{"name": "f1", "range": [0, 1]}, {"name": "f2", "range": [0, 1]}],
    "label": "odd",
    "variables": {
        "f1": {"measurement": "LOINC:0000-1"},
        "f2": {"measurement": "LOINC:0000-2"},
        "odd": {"phenotype": "HP:0000001"},
    },
    "rounds": 150,
    "learning_rate": 4.0,
}


def test_the_request_names_the_mlp_and_its_hidden_units() -> None:
    spec = parse_training(XOR_REQUEST)
    assert (spec.model, spec.hidden_units) == ("mlp", 8)
    assert spec_from_wire(spec_to_wire(spec)) == spec
    assert parse_training({k: v for k, v in XOR_REQUEST.items() if k != "hidden_units"}).hidden_units == 16
    logistic = {k: v for k, v in XOR_REQUEST.items() if k not in ("model", "hidden_units")}
    assert parse_training(logistic).hidden_units == 0
    assert spec_digest(parse_training({**XOR_REQUEST, "hidden_units": 9})) != spec_digest(spec)
    schema = training_schema()["properties"]
    assert "mlp" in schema["model"]["enum"] and schema["hidden_units"]["maximum"] == 64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hidden_units": 0}, "'hidden_units' must be a whole number from 1 to 64"),
        ({"hidden_units": 65}, "'hidden_units' must be a whole number from 1 to 64"),
        ({"model": "logistic"}, "'hidden_units' applies to the mlp model only"),
        ({"task": "survival", "label": None}, "a survival task trains a logistic model, not 'mlp'"),
    ],
)
def test_a_wrong_mlp_request_is_refused_with_its_fix(change: dict[str, Any], message: str) -> None:
    request = {k: v for k, v in {**XOR_REQUEST, **change}.items() if v is not None}
    with pytest.raises(QueryError, match=message):
        parse_training(request)


# -- federated, through a node's round and the hub's aggregation --------------------------


def xor_node(name: str, n: int, seed: int, privacy: NodePrivacy) -> NodeData:
    spec = parse_training(XOR_REQUEST)
    x, y = xor(n, seed)
    design = design_matrix(
        spec, {"f1": x[:, 0], "f2": x[:, 1], "odd": y}, np.arange(seed * 10_000, seed * 10_000 + n)
    )
    return NodeData(name, design, SECRET + name.encode(), privacy, run="xor-test")


def federate(spec: Any, nodes: list[NodeData]) -> tuple[np.ndarray, list[NodeReply]]:
    state = initial_state(spec)
    for round_ in range(1, spec.rounds + 1):
        replies = []
        for i, data in enumerate(nodes):
            reply = train(spec, data, {w.WEIGHTS: state}, round_=round_)
            arrays = {k: a.numpy() for k, a in reply.array_records[w.ARRAYS].items()}
            people = float(reply.metric_records["metrics"]["num-examples"])
            replies.append(NodeReply(i, data.name, w.TRAINED, arrays=arrays, people=people))
        state = aggregate(spec, state, replies)
    evaluated = []
    for i, data in enumerate(nodes):
        reply = evaluate(spec, data, {w.WEIGHTS: state})
        status = str(reply.config_records[w.NODE]["status"])
        arrays = (
            {k: a.numpy() for k, a in reply.array_records[w.ARRAYS].items()} if reply.array_records else {}
        )
        evaluated.append(NodeReply(i, data.name, status, arrays=arrays))
    return state, evaluated


def test_a_federated_mlp_learns_xor_and_the_network_validates_it() -> None:
    spec = parse_training(XOR_REQUEST)
    nodes = [xor_node(f"n{i}", n, i + 1, EXACT) for i, n in enumerate((300, 500, 200))]
    state, evaluated = federate(spec, nodes)
    assert state.shape == (mlp_shape(2, 8, 2).size,)
    test_x, test_y = xor(400, seed=99)
    assert auroc_exact(mlp_predict_proba(mlp_shape(2, 8, 2), state, test_x), test_y) > 0.98
    result = validation(spec, evaluated, min_count=5)
    # Below the exact figure: each node's few held-out people fill few bins, merged to min_count.
    assert result["auroc"] > 0.85


def test_one_local_step_of_fedavg_is_one_pooled_gradient_step() -> None:
    spec = parse_training({**XOR_REQUEST, "rounds": 1})
    nodes = [xor_node(f"n{i}", n, i + 1, EXACT) for i, n in enumerate((40, 90, 70))]
    state, _ = federate(spec, nodes)
    parts = [d.design.part(False) for d in nodes]
    x = np.vstack([p.x for p in parts])
    y = np.concatenate([p.y for p in parts if p.y is not None])
    shape = mlp_shape(2, 8, 2)
    start = initial_state(spec)
    pooled = mlp_step(
        shape,
        start,
        x,
        y,
        global_params=start,
        learning_rate=spec.learning_rate,
        proximal_mu=0.0,
        privacy=EXACT,
        sigma=0.0,
        rng=np.random.default_rng(0),
        local_steps=1,
    )
    np.testing.assert_allclose(state, pooled, atol=1e-12)


def test_a_private_mlp_round_is_noised_and_keyed() -> None:
    spec = parse_training({**XOR_REQUEST, "rounds": 5})
    private = xor_node("rome", 300, 1, NodePrivacy(epsilon=1.0, clip=1.0))
    start = {w.WEIGHTS: initial_state(spec)}
    first = train(spec, private, start, round_=1).array_records[w.ARRAYS][w.WEIGHTS].numpy()
    again = train(spec, private, start, round_=1).array_records[w.ARRAYS][w.WEIGHTS].numpy()
    exact = train(spec, xor_node("rome", 300, 1, NodePrivacy(epsilon=None, clip=1.0)), start, round_=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, exact.array_records[w.ARRAYS][w.WEIGHTS].numpy())
