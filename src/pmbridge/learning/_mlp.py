"""A small multilayer perceptron (one tanh hidden layer) for binary and multiclass tasks, trained like
the linear model: full-batch local steps on per-person clipped gradients, keyed Gaussian noise, FedProx.

Its parameters travel as one flat vector, so the hub merges MLPs by the same weighted mean as linear
models. Binary has one output logit (class 0's pinned at 0), as in :mod:`._linear`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pmbridge.errors import QueryError
from pmbridge.learning._dp import FloatArray, IntArray, NodePrivacy, clip_factors, row_norms
from pmbridge.learning._linear import _log_softmax, _with_intercept, check_design, check_step


@dataclass(frozen=True, slots=True)
class MlpShape:
    """Layer sizes: ``features`` inputs, ``hidden`` tanh units, ``outputs`` logits (1 for binary)."""

    features: int
    hidden: int
    outputs: int

    @property
    def size(self) -> int:
        """Parameters in the flat vector: (features + 1) × hidden, then (hidden + 1) × outputs."""
        return (self.features + 1) * self.hidden + (self.hidden + 1) * self.outputs

    def unpack(self, params: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The layers' weight matrices (row 0 of each is the bias) from the flat vector."""
        flat = np.asarray(params, dtype=np.float64).ravel()
        if flat.shape != (self.size,):
            raise QueryError(
                f"an MLP of {self.features} features and {self.hidden} hidden units has {self.size} "
                f"parameters, got {flat.size}",
                hint="build the model with init_mlp from the same training request",
            )
        cut = (self.features + 1) * self.hidden
        return (
            flat[:cut].reshape(self.features + 1, self.hidden),
            flat[cut:].reshape(self.hidden + 1, self.outputs),
        )


def mlp_shape(n_features: int, hidden: int, n_classes: int) -> MlpShape:
    """The shape of the MLP of a request (1 or 2 classes mean binary: one output).

    >>> mlp_shape(3, 4, 2).size, mlp_shape(3, 4, 5).size
    (21, 41)
    """
    if n_features < 0 or hidden < 1 or n_classes < 1:
        raise QueryError(
            f"an MLP needs >= 0 features, >= 1 hidden unit and >= 1 class, got {n_features}, {hidden}, "
            f"{n_classes}",
            hint="check the training request's features, hidden_units and labels",
        )
    return MlpShape(n_features, hidden, 1 if n_classes <= 2 else n_classes)


def init_mlp(shape: MlpShape, seed: int) -> FloatArray:
    """The start every node and the hub agree on: Glorot-uniform weights from ``seed``, zero biases.

    A hidden layer cannot start at zero (its units would stay identical), so the start is random,
    drawn from the request's seed alone: the same request starts from the same model.

    >>> np.array_equal(init_mlp(mlp_shape(2, 3, 2), 7), init_mlp(mlp_shape(2, 3, 2), 7))
    True
    """
    rng = np.random.default_rng([seed, shape.features, shape.hidden, shape.outputs])
    first = np.zeros((shape.features + 1, shape.hidden))
    second = np.zeros((shape.hidden + 1, shape.outputs))
    for layer in (first, second):
        fan_in, fan_out = layer.shape[0] - 1, layer.shape[1]
        bound = math.sqrt(6.0 / max(fan_in + fan_out, 1))
        layer[1:] = rng.uniform(-bound, bound, size=(fan_in, fan_out))
    flat: FloatArray = np.concatenate([first.ravel(), second.ravel()])
    return flat


def _forward(shape: MlpShape, params: FloatArray, x1: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(hidden activations with a leading 1, class probabilities with class 0 pinned for binary)."""
    first, second = shape.unpack(params)
    hidden = np.tanh(x1 @ first)
    h1 = _with_intercept(hidden)
    logits = h1 @ second
    if shape.outputs == 1:
        logits = np.hstack([np.zeros_like(logits), logits])
    probabilities: FloatArray = np.exp(_log_softmax(logits))
    return h1, probabilities


def mlp_predict_proba(shape: MlpShape, params: FloatArray, x: FloatArray) -> FloatArray:
    """P(class 1) per row (n,) for binary, (n, k) class probabilities for multiclass.

    >>> shape = mlp_shape(2, 3, 2)
    >>> mlp_predict_proba(shape, np.zeros(shape.size), np.array([[0.5, 1.0]])).tolist()
    [0.5]
    """
    _check_x(shape, x)
    _, probabilities = _forward(shape, params, _with_intercept(x))
    if shape.outputs == 1:
        binary: FloatArray = probabilities[:, 1]
        return binary
    return probabilities


def _check_x(shape: MlpShape, x: FloatArray) -> None:
    check_design(x, shape.features)


def _backward(
    shape: MlpShape, params: FloatArray, x1: FloatArray, labels: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per row: h1 (with its 1), the output residual r = ∂loss/∂logits and the hidden residual
    δ = ∂loss/∂(pre-activation). Row i's gradient is (x1ᵢ ⊗ δᵢ, h1ᵢ ⊗ rᵢ)."""
    _, second = shape.unpack(params)
    h1, residual = _forward(shape, params, x1)
    residual[np.arange(len(labels)), labels] -= 1.0
    if shape.outputs == 1:
        residual = residual[:, 1:]
    delta: FloatArray = (residual @ second[1:].T) * (1.0 - h1[:, 1:] ** 2)
    return h1, residual, delta


def mlp_gradient_sum(
    shape: MlpShape, params: FloatArray, x1: FloatArray, labels: IntArray, *, bound: float
) -> FloatArray:
    """The sum over people (one row each) of each person's log-loss gradient, clipped as one flat
    vector to L2 norm ``bound``.

    A row's gradient is two outer products, so its norm is √(|x1|²|δ|² + |h1|²|r|²) and clipping
    needs no (rows × parameters) matrix.
    """
    h1, residual, delta = _backward(shape, params, x1, labels)
    norms = np.hypot(row_norms(x1) * row_norms(delta), row_norms(h1) * row_norms(residual))
    factors = clip_factors(norms, bound)[:, None]
    total: FloatArray = np.concatenate(
        [(x1.T @ (delta * factors)).ravel(), (h1.T @ (residual * factors)).ravel()]
    )
    return total


def mlp_loss(shape: MlpShape, params: FloatArray, x: FloatArray, y: FloatArray) -> float:
    """The summed log-loss (for tests: the gradient's oracle by finite differences)."""
    _, probabilities = _forward(shape, params, _with_intercept(x))
    labels = _labels(shape, y, x.shape[0])
    return float(-np.sum(np.log(probabilities[np.arange(len(labels)), labels])))


def _labels(shape: MlpShape, y: FloatArray, rows: int) -> IntArray:
    classes = max(2, shape.outputs)
    labels = np.asarray(y, dtype=np.float64)
    if labels.shape != (rows,) or not np.isfinite(labels).all():
        raise QueryError("one finite label per row is needed", hint="use complete cases")
    whole = labels.astype(np.int64)
    if not ((whole == labels).all() and (whole >= 0).all() and (whole < classes).all()):
        raise QueryError(f"labels must be class indices 0 … {classes - 1}", hint="binary labels are 0 or 1")
    return whole


def mlp_step(
    shape: MlpShape,
    params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    *,
    global_params: FloatArray,
    learning_rate: float,
    proximal_mu: float,
    privacy: NodePrivacy,
    sigma: float,
    rng: np.random.Generator,
    local_steps: int,
) -> FloatArray:
    """A node's local training in one round, as :func:`._linear.linear_step` does it: each of
    ``local_steps`` steps clips every person's gradient to ``privacy.clip``, sums, adds
    N(0, (σ·clip)²) to every parameter when ``privacy.epsilon`` is set, and divides by the people.

    One row is one person here (binary and multiclass tasks), so the clip bounds a person.
    """
    _check_x(shape, x)
    rows = x.shape[0]
    labels = _labels(shape, y, rows)
    if rows == 0:
        raise QueryError("no people to train on", hint="a node without people sits the round out")
    noised = check_step(learning_rate, proximal_mu, local_steps, privacy=privacy, sigma=sigma)
    anchor = np.asarray(global_params, dtype=np.float64).ravel()
    shape.unpack(anchor)
    x1 = _with_intercept(x)
    weights = np.asarray(params, dtype=np.float64).ravel().copy()
    for _ in range(local_steps):
        total = mlp_gradient_sum(shape, weights, x1, labels, bound=privacy.clip)
        if noised:
            total = total + rng.normal(0.0, sigma * privacy.clip, size=total.shape)
        weights -= learning_rate * (total / rows + proximal_mu * (weights - anchor))
    return weights
