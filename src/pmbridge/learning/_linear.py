"""Logistic regression (binary) and softmax regression (multiclass) as one linear model, trained by
local full-batch gradient steps with per-person clipping, keyed Gaussian noise and a FedProx term.

Binary is softmax over two classes whose first logit is pinned at 0, so one code path serves both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]

from pmbridge.errors import QueryError
from pmbridge.learning._dp import FloatArray, IntArray, NodePrivacy, clip_factors, row_norms


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Weights (features + 1, k): row 0 is the intercept; k = 1 for binary (the log-odds of class 1),
    else one column per class."""

    weights: FloatArray

    @property
    def n_features(self) -> int:
        return int(self.weights.shape[0]) - 1

    @property
    def n_classes(self) -> int:
        """2 for binary, else the number of classes."""
        k = int(self.weights.shape[1])
        return 2 if k == 1 else k


def init_linear(n_features: int, n_classes: int) -> LinearModel:
    """The all-zero model every training starts from (1 or 2 classes mean binary).

    >>> init_linear(3, 2).weights.shape, init_linear(3, 4).weights.shape
    ((4, 1), (4, 4))
    """
    if n_features < 0 or n_classes < 1:
        raise QueryError(
            f"a linear model needs >= 0 features and >= 1 class, got {n_features} and {n_classes}",
            hint="check the training request's features and labels",
        )
    k = 1 if n_classes <= 2 else n_classes
    return LinearModel(np.zeros((n_features + 1, k)))


def _with_intercept(x: FloatArray) -> FloatArray:
    return np.hstack([np.ones((x.shape[0], 1)), x])


def _log_softmax(logits: FloatArray) -> FloatArray:
    """Row-wise log-softmax by the log-sum-exp shift, finite for any finite logits."""
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    result: FloatArray = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return result


def _class_probabilities(weights: FloatArray, x1: FloatArray) -> FloatArray:
    """(n, classes) probabilities; binary gets the pinned zero logit for class 0."""
    logits = x1 @ weights
    if weights.shape[1] == 1:
        logits = np.hstack([np.zeros_like(logits), logits])
    probabilities: FloatArray = np.exp(_log_softmax(logits))
    return probabilities


def predict_proba(model: LinearModel, x: FloatArray) -> FloatArray:
    """P(class 1) per row (n,) for binary, (n, k) class probabilities for multiclass.

    >>> predict_proba(init_linear(2, 2), np.array([[0.5, 1.0]])).tolist()
    [0.5]
    """
    _check_x(model, x)
    probabilities = _class_probabilities(model.weights, _with_intercept(x))
    if model.weights.shape[1] == 1:
        binary: FloatArray = probabilities[:, 1]
        return binary
    return probabilities


def check_step(
    learning_rate: float, proximal_mu: float, local_steps: int, *, privacy: NodePrivacy, sigma: float
) -> bool:
    """Refuse settings a local training step cannot take; True when the step is noised."""
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise QueryError(f"learning_rate must be positive, got {learning_rate!r}", hint="e.g. 1.0")
    if not (math.isfinite(proximal_mu) and proximal_mu >= 0):
        raise QueryError(f"proximal_mu must be >= 0, got {proximal_mu!r}", hint="0 is plain FedAvg")
    if local_steps < 1:
        raise QueryError(f"local_steps must be >= 1, got {local_steps!r}", hint="e.g. 1")
    noised = privacy.epsilon is not None
    if noised and not (math.isfinite(sigma) and sigma > 0):
        raise QueryError(
            f"a private training needs a positive noise multiplier, got {sigma!r}",
            hint="compute it with gaussian_sigma(epsilon=…, delta=…, releases=rounds * local_steps)",
        )
    return noised


def _check_x(model: LinearModel, x: FloatArray) -> None:
    check_design(x, model.n_features)


def check_design(x: FloatArray, features: int) -> None:
    """Refuse a design matrix that is not (people, ``features``) of finite values."""
    if x.ndim != 2 or x.shape[1] != features:
        raise QueryError(
            f"the data have shape {x.shape}, the model expects (people, {features})",
            hint="build the design matrix from the same training request as the model",
        )
    if not np.isfinite(x).all():
        raise QueryError("the design matrix has missing or infinite values", hint="use complete cases")


def _residuals(weights: FloatArray, x1: FloatArray, labels: IntArray) -> FloatArray:
    """∂(−log-likelihood)/∂logits per row: probabilities minus the one-hot label, in the model's columns."""
    residual = _class_probabilities(weights, x1)
    residual[np.arange(len(labels)), labels] -= 1.0
    if weights.shape[1] == 1:
        binary: FloatArray = residual[:, 1:]
        return binary
    return residual


def clipped_gradient_sum(
    weights: FloatArray, x1: FloatArray, labels: IntArray, *, bound: float, person: IntArray | None
) -> FloatArray:
    """The sum over people of each person's log-loss gradient clipped to L2 norm ``bound``.

    Without ``person`` every row is a person and a row's gradient is the outer product of its
    features and residual, whose norm is the product of theirs, so clipping needs no
    (rows × parameters) matrix. With ``person`` (several rows per person, as in a discrete-time
    hazard) the rows' gradients are summed per person first, then clipped.
    """
    residual = _residuals(weights, x1, labels)
    if person is None:
        factors = clip_factors(row_norms(x1) * row_norms(residual), bound)
        total: FloatArray = x1.T @ (residual * factors[:, None])
        return total
    rows = x1.shape[0]
    per_row = (x1[:, :, None] * residual[:, None, :]).reshape(rows, -1)
    owner = sparse.csr_matrix((np.ones(rows), (person, np.arange(rows))), shape=(int(person.max()) + 1, rows))
    per_person = np.asarray(owner @ per_row)
    factors = clip_factors(row_norms(per_person), bound)
    summed: FloatArray = (per_person * factors[:, None]).sum(axis=0).reshape(weights.shape)
    return summed


def _labels(model: LinearModel, y: FloatArray, rows: int) -> IntArray:
    if y.shape != (rows,):
        raise QueryError(f"the labels have shape {y.shape}, expected ({rows},)", hint="one label per row")
    if not np.isfinite(y).all():
        raise QueryError("a label is missing or infinite", hint="use complete cases")
    labels = y.astype(np.int64)
    if not ((labels == y).all() and (labels >= 0).all()):
        raise QueryError("labels must be class indices 0, 1, …", hint="binary labels are 0 or 1")
    if (labels >= model.n_classes).any():
        raise QueryError(
            f"a label is {int(labels.max())}, but the model has only {model.n_classes} classes",
            hint="build the model with init_linear(features, classes) from the same request",
        )
    return labels


def _people(person: IntArray | None, rows: int) -> int:
    if person is None:
        return rows
    if person.shape != (rows,) or (rows and person.min() < 0):
        raise QueryError("person must give each row's person as 0, 1, …", hint="pass Design.person")
    return len(np.unique(person))


def linear_step(
    model: LinearModel,
    x: FloatArray,
    y: FloatArray,
    *,
    global_model: LinearModel,
    learning_rate: float,
    proximal_mu: float,
    privacy: NodePrivacy,
    sigma: float,
    rng: np.random.Generator,
    local_steps: int,
    person: IntArray | None = None,
) -> LinearModel:
    """A node's local training in one round: ``local_steps`` full-batch gradient steps from ``model``.

    Each step is one Gaussian release: the per-person gradients are clipped to ``privacy.clip``,
    summed, and (when ``privacy.epsilon`` is set) N(0, (σ·clip)²) is added before dividing by the
    number of people; the FedProx term μ(w − w_global) keeps a node near the global model. A round
    therefore costs ``local_steps`` releases; get σ from
    ``gaussian_sigma(releases=rounds * local_steps, ...)``. Weight the nodes' models by their
    numbers of people, so that one local step per round reproduces pooled gradient descent.

    ``person`` gives each row's person when a person has several rows; clipping then bounds the
    person, not the row.
    """
    _check_x(model, x)
    rows = x.shape[0]
    labels = _labels(model, y, rows)
    people = _people(person, rows)
    if people == 0:
        raise QueryError("no people to train on", hint="a node without people sits the round out")
    if global_model.weights.shape != model.weights.shape:
        raise QueryError("the global model's shape differs from the local one", hint="use the same request")
    noised = check_step(learning_rate, proximal_mu, local_steps, privacy=privacy, sigma=sigma)
    x1 = _with_intercept(x)
    weights = model.weights.astype(np.float64, copy=True)
    anchor = global_model.weights
    for _ in range(local_steps):
        total = clipped_gradient_sum(weights, x1, labels, bound=privacy.clip, person=person)
        if noised:
            total = total + rng.normal(0.0, sigma * privacy.clip, size=total.shape)
        weights -= learning_rate * (total / people + proximal_mu * (weights - anchor))
    return LinearModel(weights)
