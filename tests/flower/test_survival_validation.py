"""A survival training's validation: per interval, the released histograms of predicted hazard among
the people at risk, events against the rest; no released count lies between 1 and min_count - 1,
and the network's per-interval AUROC from them is close to the exact one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.flower import _wire as w
from pmbridge.flower._hub_rounds import NodeReply, validation
from pmbridge.flower._node_round import NodeData, evaluate
from pmbridge.learning import design_matrix, parse_training
from pmbridge.learning._dp import NodePrivacy
from pmbridge.learning._linear import LinearModel, predict_proba
from pmbridge.learning._metrics import auroc_exact
from pmbridge.learning._survival_validation import censored_counts, hazard_scores, row_intervals
from tests.flower.cohort import SECRET

SPEC = parse_training(
    {"task": "survival", "features": ["age", "male"], "intervals": [365, 730, 1095], "validation_share": 0.5}
)
MODEL = np.array([[-3.0], [2.0], [0.7], [0.3], [-0.2]])  # intercept, age, male, intervals 2 and 3


def survival_node(n: int, seed: int, *, min_count: int = 5) -> NodeData:
    rng = np.random.default_rng(seed)
    age, male = rng.uniform(0, 100, n), rng.integers(0, 2, n).astype(float)
    daily = 0.0008 * np.exp(2.0 * age / 100 + 0.7 * male)
    event_day = rng.exponential(1 / daily)
    censor_day = rng.uniform(200, 1500, n)
    columns = {
        "age": age,
        "male": male,
        "time": np.minimum(event_day, censor_day),
        "event": (event_day <= censor_day).astype(float),
    }
    design = design_matrix(SPEC, columns, np.arange(n, dtype=np.int64))
    return NodeData("rome", design, SECRET, NodePrivacy(epsilon=None, min_count=min_count))


def released(reply: object) -> tuple[np.ndarray, np.ndarray]:
    arrays = reply.array_records[w.ARRAYS]  # type: ignore[attr-defined]
    return arrays[w.POSITIVES].numpy(), arrays[w.NEGATIVES].numpy()


def test_each_interval_s_auroc_from_released_histograms_is_near_the_exact_one() -> None:
    data = survival_node(6000, seed=1)
    pos, neg = released(evaluate(SPEC, data, {w.WEIGHTS: MODEL}))
    assert pos.shape == neg.shape == (3, w.VALIDATION_BINS)
    result = validation(
        SPEC, [NodeReply(1, "rome", w.EVALUATED, arrays={w.POSITIVES: pos, w.NEGATIVES: neg})], min_count=5
    )
    held = data.design.part(True)
    assert held.y is not None
    hazard = predict_proba(LinearModel(MODEL), held.x)
    where = row_intervals(held.x, intervals=3)
    for j, found in enumerate(result["auroc_per_interval"]):
        exact = auroc_exact(hazard[where == j], held.y[where == j])
        assert found == pytest.approx(exact, abs=0.01), j
    assert result["auroc"] == pytest.approx(np.mean(result["auroc_per_interval"]))
    assert result["interval_ends"] == [365.0, 730.0, 1095.0]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(5, 400), min_count=st.integers(2, 12))
def test_no_released_survival_count_lies_between_one_and_min_count(seed: int, n: int, min_count: int) -> None:
    model = np.random.default_rng(seed).normal(size=(5, 1))
    reply = evaluate(SPEC, survival_node(n, seed, min_count=min_count), {w.WEIGHTS: model})
    if str(reply.config_records[w.NODE]["status"]) == w.SAT_OUT:
        assert not reply.array_records
        return
    pos, neg = released(reply)
    for counts in (pos, neg):
        assert not ((counts > 0) & (counts < min_count)).any(), counts
    # Nor any count the released totals let anyone work out: those censored in each interval.
    at_risk = (pos.sum(axis=1) + neg.sum(axis=1)).astype(int).tolist()
    events = pos.sum(axis=1).astype(int).tolist()
    for censored in censored_counts(at_risk, events):
        assert censored == 0 or censored >= min_count, (at_risk, events)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_within_an_interval_the_score_orders_people_as_the_hazard_does(seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = LinearModel(rng.normal(0.0, 3.0, size=(5, 1)))
    x = np.hstack([rng.random((40, 2)), np.zeros((40, 2))])
    x[20:, 2] = 1.0  # the second half at risk in interval 2
    scores, hazard = hazard_scores(model, x, intervals=3), predict_proba(model, x)
    assert ((scores >= 0) & (scores <= 1)).all()
    for rows in (slice(0, 20), slice(20, 40)):
        s, h = scores[rows], hazard[rows]
        different = np.abs(h[:, None] - h[None, :]) > 1e-12
        assert (np.sign(s[:, None] - s[None, :]) == np.sign(h[:, None] - h[None, :]))[different].all()


def test_an_interval_no_node_released_has_no_auroc_and_the_mean_skips_it() -> None:
    pos, neg = np.zeros((3, w.VALIDATION_BINS)), np.zeros((3, w.VALIDATION_BINS))
    pos[0, 80], neg[0, 20] = 6, 30
    pos[2, 30], neg[2, 70] = 5, 9
    result = validation(
        SPEC, [NodeReply(1, "a", w.EVALUATED, arrays={w.POSITIVES: pos, w.NEGATIVES: neg})], min_count=5
    )
    assert result["auroc_per_interval"] == [1.0, None, 0.0]
    assert result["auroc"] == 0.5
    assert validation(SPEC, [NodeReply(1, "a", w.SAT_OUT, "too few")], min_count=5)["auroc"] is None


def test_a_node_without_events_releases_its_non_events_and_one_with_too_few_people_sits_out() -> None:
    def node(n: int) -> NodeData:
        columns = {
            "age": np.full(n, 50.0),
            "male": np.zeros(n),
            "time": np.full(n, 2000.0),
            "event": np.zeros(n),
        }
        design = design_matrix(SPEC, columns, np.arange(n, dtype=np.int64))
        return NodeData("rome", design, SECRET, NodePrivacy(epsilon=None, min_count=5))

    pos, neg = released(evaluate(SPEC, node(60), {w.WEIGHTS: MODEL}))
    assert not pos.any() and (neg.sum(axis=1) > 0).all()  # others' events are ranked against them
    few = evaluate(SPEC, node(4), {w.WEIGHTS: MODEL})
    assert str(few.config_records[w.NODE]["status"]) == w.SAT_OUT
    assert not few.array_records
