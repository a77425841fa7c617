"""The linear model against oracles: without noise, local steps converge to statsmodels' pooled fit,
FedAvg over nodes reproduces pooled gradient descent, and a person moves the noised sum by at most
the clip."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import QueryError
from pmbridge.learning._aggregate import weighted_mean
from pmbridge.learning._dp import NodePrivacy, clip_rows
from pmbridge.learning._linear import (
    LinearModel,
    _with_intercept,
    clipped_gradient_sum,
    init_linear,
    linear_step,
    predict_proba,
)
from pmbridge.learning._metrics import auroc_exact
from pmbridge.learning._partition import dirichlet_split

EXACT = NodePrivacy(epsilon=None, clip=math.inf)


def simulate_binary(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3))
    logits = -1.0 + x @ np.array([2.0, -1.5, 0.8])
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(np.float64)
    return x, y


def simulate_multiclass(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 2))
    logits = np.column_stack([np.zeros(n), 0.5 + 2.0 * x[:, 0] - x[:, 1], -0.5 + 3.0 * x[:, 1]])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).astype(np.float64)
    return x, y


def train(model: LinearModel, x: np.ndarray, y: np.ndarray, steps: int, lr: float) -> LinearModel:
    return linear_step(
        model,
        x,
        y,
        global_model=model,
        learning_rate=lr,
        proximal_mu=0.0,
        privacy=EXACT,
        sigma=0.0,
        rng=np.random.default_rng(0),
        local_steps=steps,
    )


def test_binary_local_steps_converge_to_the_pooled_logistic_fit() -> None:
    x, y = simulate_binary(2000, seed=1)
    reference = sm.Logit(y, sm.add_constant(x)).fit(disp=0, tol=1e-12).params
    fitted = train(init_linear(3, 2), x, y, steps=2000, lr=4.0)
    np.testing.assert_allclose(fitted.weights[:, 0], reference, atol=1e-8)


def test_multiclass_local_steps_converge_to_the_pooled_softmax_fit() -> None:
    x, y = simulate_multiclass(3000, seed=2)
    reference = sm.MNLogit(y, sm.add_constant(x)).fit(disp=0, method="newton", tol=1e-12).params
    # Softmax curvature is up to twice the binary one, so the step is half as long.
    fitted = train(init_linear(2, 3), x, y, steps=2000, lr=2.0)
    # Softmax is over-parametrised; contrasts with class 0 are what statsmodels estimates.
    contrasts = fitted.weights[:, 1:] - fitted.weights[:, :1]
    np.testing.assert_allclose(contrasts, np.asarray(reference), atol=1e-8)
    p = predict_proba(fitted, x)
    assert p.shape == (3000, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def fedavg(
    parts: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    rounds: int,
    local_steps: int,
    lr: float,
    mu: float = 0.0,
    model: LinearModel | None = None,
) -> LinearModel:
    global_model = model or init_linear(x.shape[1], 2)
    for _ in range(rounds):
        locals_ = [
            linear_step(
                global_model,
                x[part],
                y[part],
                global_model=global_model,
                learning_rate=lr,
                proximal_mu=mu,
                privacy=EXACT,
                sigma=0.0,
                rng=np.random.default_rng(0),
                local_steps=local_steps,
            ).weights
            for part in parts
        ]
        global_model = LinearModel(weighted_mean(locals_, [len(part) for part in parts]))
    return global_model


def test_fedavg_with_one_local_step_is_pooled_gradient_descent() -> None:
    x, y = simulate_binary(1500, seed=3)
    parts = dirichlet_split(y.astype(np.int64), 4, alpha=0.5, seed=3)
    federated = pooled = init_linear(3, 2)
    for _ in range(25):
        federated = fedavg(parts, x, y, rounds=1, local_steps=1, lr=4.0, model=federated)
        pooled = train(pooled, x, y, steps=1, lr=4.0)
        np.testing.assert_allclose(federated.weights, pooled.weights, rtol=1e-12, atol=1e-13)


def test_fedavg_over_non_iid_nodes_reaches_the_pooled_fit() -> None:
    x, y = simulate_binary(1500, seed=4)
    reference = sm.Logit(y, sm.add_constant(x)).fit(disp=0, tol=1e-12).params
    parts = dirichlet_split(y.astype(np.int64), 4, alpha=0.5, seed=4)
    exact = fedavg(parts, x, y, rounds=1500, local_steps=1, lr=4.0)
    np.testing.assert_allclose(exact.weights[:, 0], reference, atol=1e-8)


def test_several_local_steps_drift_with_heterogeneity_but_rank_people_alike() -> None:
    x, y = simulate_binary(1500, seed=4)
    reference = sm.Logit(y, sm.add_constant(x)).fit(disp=0, tol=1e-12).params
    pooled_auroc = auroc_exact(sm.add_constant(x) @ reference, y)
    for alpha, tolerance in [(100.0, 0.03), (0.5, 0.25)]:
        parts = dirichlet_split(y.astype(np.int64), 4, alpha=alpha, seed=4)
        drifted = fedavg(parts, x, y, rounds=300, local_steps=5, lr=1.0, mu=0.1)
        # Several local steps pull each node toward its own optimum (client drift), more so the
        # less alike the nodes are; the ranking of people, which AUROC measures, barely moves.
        np.testing.assert_allclose(drifted.weights[:, 0], reference, atol=tolerance)
        assert auroc_exact(predict_proba(drifted, x), y) == pytest.approx(pooled_auroc, abs=0.002)


def per_person_gradients(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The explicit (people × parameters) gradient matrix the fast path avoids building."""
    x1 = _with_intercept(x)
    p = 1 / (1 + np.exp(-(x1 @ weights[:, 0])))
    return x1 * (p - y)[:, None]


def test_the_fast_clipped_sum_equals_clipping_each_persons_gradient() -> None:
    x, y = simulate_binary(300, seed=5)
    weights = np.array([[0.3], [-2.0], [1.0], [0.5]])
    expected = clip_rows(per_person_gradients(weights, x, y), 0.4).sum(axis=0)
    fast = clipped_gradient_sum(weights, _with_intercept(x), y.astype(np.int64), bound=0.4, person=None)
    np.testing.assert_allclose(fast[:, 0], expected, rtol=1e-12)


def test_a_person_with_several_rows_is_clipped_as_one() -> None:
    x, y = simulate_binary(300, seed=6)
    person = np.repeat(np.arange(100), 3)
    weights = np.array([[0.3], [-2.0], [1.0], [0.5]])
    rows = per_person_gradients(weights, x, y)
    people = np.zeros((100, 4))
    np.add.at(people, person, rows)
    expected = clip_rows(people, 0.4).sum(axis=0)
    summed = clipped_gradient_sum(weights, _with_intercept(x), y.astype(np.int64), bound=0.4, person=person)
    np.testing.assert_allclose(summed[:, 0], expected, rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    classes=st.sampled_from([2, 4]),
    clip=st.floats(0.01, 10.0),
    scale=st.floats(0.0, 50.0),
)
def test_one_person_moves_the_clipped_sum_by_at_most_the_clip(
    seed: int, classes: int, clip: float, scale: float
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.random((30, 3))
    y = rng.integers(0, classes, 30).astype(np.int64)
    weights = scale * rng.normal(size=init_linear(3, classes).weights.shape)
    x1 = _with_intercept(x)
    with_everyone = clipped_gradient_sum(weights, x1, y, bound=clip, person=None)
    without_last = clipped_gradient_sum(weights, x1[:-1], y[:-1], bound=clip, person=None)
    assert np.linalg.norm(with_everyone - without_last) <= clip


def test_the_noise_is_the_keyed_gaussian_on_the_sum() -> None:
    x, y = simulate_binary(200, seed=7)
    private = NodePrivacy(epsilon=1.0, clip=0.5)
    model = init_linear(3, 2)
    kwargs = {"global_model": model, "learning_rate": 1.0, "proximal_mu": 0.0, "local_steps": 1}
    plain = linear_step(
        model,
        x,
        y,
        privacy=NodePrivacy(epsilon=None, clip=0.5),
        sigma=0.0,
        rng=np.random.default_rng(9),
        **kwargs,
    )
    noised = linear_step(model, x, y, privacy=private, sigma=3.0, rng=np.random.default_rng(9), **kwargs)
    again = linear_step(model, x, y, privacy=private, sigma=3.0, rng=np.random.default_rng(9), **kwargs)
    expected_noise = np.random.default_rng(9).normal(0.0, 3.0 * 0.5, size=(4, 1)) / 200
    np.testing.assert_allclose(plain.weights - noised.weights, expected_noise, rtol=1e-10)
    assert np.array_equal(noised.weights, again.weights)


def test_a_private_step_without_noise_is_refused() -> None:
    x, y = simulate_binary(50, seed=8)
    model = init_linear(3, 2)
    with pytest.raises(QueryError, match="noise multiplier"):
        linear_step(
            model,
            x,
            y,
            global_model=model,
            learning_rate=1.0,
            proximal_mu=0.0,
            privacy=NodePrivacy(epsilon=1.0),
            sigma=0.0,
            rng=np.random.default_rng(0),
            local_steps=1,
        )


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (np.zeros((3, 2)), np.zeros(3)),  # wrong number of features
        (np.zeros((3, 3)), np.array([0.0, 1.0, 2.0])),  # a class the binary model lacks
        (np.zeros((3, 3)), np.array([0.0, 0.5, 1.0])),  # not a class index
        (np.full((3, 3), np.nan), np.zeros(3)),  # missing values
        (np.zeros((0, 3)), np.zeros(0)),  # nobody
    ],
)
def test_bad_inputs_are_refused(x: np.ndarray, y: np.ndarray) -> None:
    model = init_linear(3, 2)
    with pytest.raises(QueryError):
        train(model, x, y, steps=1, lr=1.0)


def test_predictions_are_stable_for_extreme_weights() -> None:
    model = LinearModel(np.array([[0.0, 0.0], [1e4, -1e4], [0.0, 0.0]]))
    p = predict_proba(model, np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    binary = predict_proba(LinearModel(np.array([[0.0], [1e4]])), np.array([[1.0], [-1.0]]))
    assert binary.tolist() == [1.0, 0.0]
