"""One node's answer to one message of a training: a local training step or a final evaluation,
each returning only what node-side privacy and disclosure control let out.

Noise is keyed by the node's secret, the training's signed run id, the request's digest, the round
and a digest of the incoming model: no two releases a node makes share their noise, so no difference
of two releases cancels it (each training is charged its ε, so fresh noise per training composes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, MetricRecord, RecordDict

from pmbridge.flower import _wire as w
from pmbridge.learning import Design, TrainingSpec, spec_digest
from pmbridge.learning._dp import FloatArray, NodePrivacy, gaussian_sigma, keyed_rng
from pmbridge.learning._kmeans import RELEASES_PER_ROUND, assign, kmeans_sums
from pmbridge.learning._linear import LinearModel, linear_step, predict_proba
from pmbridge.learning._metrics import release_histogram, score_histogram
from pmbridge.learning._mlp import MlpShape, mlp_predict_proba, mlp_shape, mlp_step
from pmbridge.learning._survival_validation import interval_histograms

HISTOGRAM_TASKS: Final = frozenset({"binary", "multiclass", "survival"})
"""Tasks whose validation the node reports as a released score histogram (AUROC, calibration)."""


@dataclass(frozen=True, slots=True)
class NodeData:
    """What a node trains with: its name, design matrix, noise secret and privacy settings."""

    name: str
    design: Design
    secret: bytes
    privacy: NodePrivacy
    run: str = ""
    """The training's signed run id: with the round and the incoming model it keys the noise."""


def sat_out(name: str, reason: str, rule: str = "") -> RecordDict:
    """A reply that takes no part in this round, saying why and under which rule (a policy rule
    such as X4, ``min_count``, ``budget_exhausted``), never with a number below min_count."""
    return RecordDict(
        {w.NODE: ConfigRecord({"name": name, "status": w.SAT_OUT, "reason": reason, "rule": rule})}
    )


def _done(
    name: str, status: w.NodeStatus, arrays: dict[str, FloatArray], people: int | None = None
) -> RecordDict:
    record = RecordDict(
        {
            w.NODE: ConfigRecord({"name": name, "status": status}),
            w.ARRAYS: ArrayRecord({k: Array(np.ascontiguousarray(v)) for k, v in arrays.items()}),
        }
    )
    if people is not None:
        record["metrics"] = MetricRecord({"num-examples": people})
    return record


def model_digest(arrays: dict[str, FloatArray]) -> str:
    """The incoming model, by content: a second model in the same round gets other noise."""
    h = hashlib.sha256()
    for key in sorted(arrays):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key], dtype=np.float64).tobytes())
    return h.hexdigest()


def releases(spec: TrainingSpec) -> int:
    """The Gaussian releases one node makes over the whole training (what the noise is split over)."""
    if spec.model == "kmeans":
        return RELEASES_PER_ROUND * spec.rounds
    return spec.rounds * spec.local_steps


def noise_multiplier(spec: TrainingSpec, privacy: NodePrivacy) -> float:
    """σ per release so that the whole training is (ε, δ)-DP at this node; 0 without ε."""
    if privacy.epsilon is None:
        return 0.0
    return gaussian_sigma(epsilon=privacy.epsilon, delta=privacy.delta, releases=releases(spec))


def _too_few(data: NodeData, people: int, what: str) -> str | None:
    k = data.privacy.min_count
    return None if people >= k else f"fewer than {k} {what}"


def train(spec: TrainingSpec, data: NodeData, arrays: dict[str, FloatArray], *, round_: int) -> RecordDict:
    """The node's local round: updated weights (linear) or noisy sums and counts (k-means)."""
    part = data.design.part(False)
    if reason := _too_few(data, part.people, "people to train on"):
        return sat_out(data.name, reason, rule="min_count")
    rng = keyed_rng(data.secret, data.run, spec_digest(spec), round_, model_digest(arrays), "train")
    sigma = noise_multiplier(spec, data.privacy)
    if spec.model == "kmeans":
        sums, counts = kmeans_sums(arrays[w.CENTROIDS], part.x, privacy=data.privacy, sigma=sigma, rng=rng)
        return _done(data.name, w.TRAINED, {w.SUMS: sums, w.COUNTS: counts})
    if part.y is None:
        return sat_out(data.name, "the request has no label to train a linear model on", rule="no_label")
    if spec.model == "mlp":
        shape = _mlp_shape(spec, part.x.shape[1])
        stepped_mlp = mlp_step(
            shape,
            arrays[w.WEIGHTS],
            part.x,
            part.y,
            global_params=arrays[w.WEIGHTS],
            learning_rate=spec.learning_rate,
            proximal_mu=spec.proximal_mu,
            privacy=data.privacy,
            sigma=sigma,
            rng=rng,
            local_steps=spec.local_steps,
        )
        return _done(data.name, w.TRAINED, {w.WEIGHTS: stepped_mlp}, people=part.people)
    model = LinearModel(arrays[w.WEIGHTS])
    stepped = linear_step(
        model,
        part.x,
        part.y,
        global_model=model,
        learning_rate=spec.learning_rate,
        proximal_mu=spec.proximal_mu,
        privacy=data.privacy,
        sigma=sigma,
        rng=rng,
        local_steps=spec.local_steps,
        person=part.person,
    )
    return _done(data.name, w.TRAINED, {w.WEIGHTS: stepped.weights}, people=part.people)


def evaluate(spec: TrainingSpec, data: NodeData, arrays: dict[str, FloatArray]) -> RecordDict:
    """The node's validation of the final model: a released score histogram (binary tasks) or
    cluster sizes (k-means), each below-threshold count suppressed."""
    k = data.privacy.min_count
    if spec.model == "kmeans":
        x = data.design.x
        if reason := _too_few(data, len(x), "people"):
            return sat_out(data.name, reason, rule="min_count")
        centroids = arrays[w.CENTROIDS]
        counts = np.bincount(assign(centroids, x), minlength=len(centroids)).astype(np.float64)
        suppressed = (counts > 0) & (counts < k)
        released = np.where(suppressed, 0.0, counts)
        return _done(
            data.name, w.EVALUATED, {w.COUNTS: released, "suppressed": suppressed.astype(np.float64)}
        )
    if spec.task not in HISTOGRAM_TASKS:
        return sat_out(data.name, f"no released validation for {spec.task} tasks yet", rule="no_validation")
    part = data.design.part(True)
    if part.y is None:
        return sat_out(data.name, "the request has no label to validate on", rule="no_label")
    if reason := _too_few(data, part.people, "people held out for validation"):
        return sat_out(data.name, reason, rule="min_count")
    if spec.task == "survival":
        return _per_interval(data.name, spec, arrays[w.WEIGHTS], part, min_count=k)
    if spec.model == "mlp":
        scores = mlp_predict_proba(_mlp_shape(spec, part.x.shape[1]), arrays[w.WEIGHTS], part.x)
    else:
        scores = predict_proba(LinearModel(arrays[w.WEIGHTS]), part.x)
    if spec.task == "multiclass":
        return _one_vs_rest(data.name, scores, part.y, min_count=k)
    histogram = release_histogram(*score_histogram(scores, part.y, bins=w.VALIDATION_BINS), min_count=k)
    if histogram is None:
        return sat_out(data.name, f"fewer than {k} positives or negatives held out", rule="min_count")
    positives, negatives = histogram
    return _done(
        data.name,
        w.EVALUATED,
        {w.POSITIVES: positives.astype(np.float64), w.NEGATIVES: negatives.astype(np.float64)},
    )


def _one_vs_rest(name: str, scores: FloatArray, y: FloatArray, *, min_count: int) -> RecordDict:
    """Per class, the released histogram of its probability among its members (positives) and the
    rest (negatives): rows of (classes, bins). All classes or none: with one class withheld, the
    held-out total minus the released classes would show its small count."""
    classes = scores.shape[1]
    positives = np.zeros((classes, w.VALIDATION_BINS))
    negatives = np.zeros((classes, w.VALIDATION_BINS))
    for c in range(classes):  # a loop over classes, not people
        member = (y == c).astype(np.float64)
        histogram = release_histogram(
            *score_histogram(scores[:, c], member, bins=w.VALIDATION_BINS), min_count=min_count
        )
        if histogram is None:
            return sat_out(name, f"fewer than {min_count} people of some class held out", rule="min_count")
        positives[c], negatives[c] = histogram
    return _done(name, w.EVALUATED, {w.POSITIVES: positives, w.NEGATIVES: negatives})


def _mlp_shape(spec: TrainingSpec, features: int) -> MlpShape:
    return mlp_shape(features, spec.hidden_units, spec.classes if spec.task == "multiclass" else 2)


def _per_interval(
    name: str, spec: TrainingSpec, weights: FloatArray, part: Design, *, min_count: int
) -> RecordDict:
    """Survival: per interval, the released histograms of predicted hazard among the people at risk
    with the event in it (positives) and without (negatives): rows of (intervals, bins)."""
    if part.y is None:
        return sat_out(name, "the request has no label to validate on", rule="no_label")
    released = interval_histograms(
        LinearModel(weights),
        part.x,
        part.y,
        intervals=len(spec.intervals),
        bins=w.VALIDATION_BINS,
        min_count=min_count,
    )
    if released is None or not (released[0].any() or released[1].any()):
        # a node without events still releases its non-events; one with a small count anywhere
        # releases nothing, since its intervals' totals would let a small count be worked out
        return sat_out(
            name,
            f"fewer than {min_count} people at risk, with events or censored, in some interval held out",
            rule="min_count",
        )
    positives, negatives = released
    return _done(name, w.EVALUATED, {w.POSITIVES: positives, w.NEGATIVES: negatives})
