"""The whole conversation in-process: the hub's :func:`conduct` against three nodes' :func:`node_part`
on split data equals the pooled analysis (statsmodels and lifelines are the oracles), and every
part travels through its JSON form as it does over HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from lifelines import CoxPHFitter, KaplanMeierFitter
from statsmodels.duration.hazard_regression import PHReg

from pmbridge.analytics import (
    AnalysisResult,
    AnalysisSpec,
    NodePart,
    Released,
    Step,
    StepKind,
    conduct,
    node_part,
    parse_analysis,
    parse_step,
    part_to_wire,
)
from pmbridge.errors import DisclosureRefused, QueryError

Columns = Mapping[str, np.ndarray]
SIZES = (400, 900, 1600)
TIGHT = {"precision": 1e-13, "r_precision": 1e-15, "step_size": 0.95}


def nodes(seed: int = 7) -> list[dict[str, np.ndarray]]:
    """Three nodes of different sizes and case mixes, survival from a known proportional-hazards model."""
    rng = np.random.default_rng(seed)
    out = []
    for i, n in enumerate(SIZES):
        male = (rng.random(n) < 0.3 + 0.15 * i).astype(float)
        age = rng.normal(40 + 8 * i, 12, n)
        gene = (rng.random(n) < 0.2).astype(float)
        hazard = 0.001 * np.exp(0.4 * male + 0.02 * (age - 45) + 0.7 * gene)
        death = np.ceil(rng.exponential(1 / hazard))
        censor = np.ceil(rng.uniform(200, 1500, n))
        time = np.minimum(death, censor)
        event = (death <= censor).astype(float)
        logit = -0.5 + 0.8 * gene - 0.3 * male + 0.01 * (age - 45)
        response = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        out.append(
            {
                "male": male,
                "age": age,
                "gene": gene,
                "time": time,
                "event": event,
                "response": response,
                "log_time": np.log(time),
            }
        )
    return out


def run(spec: AnalysisSpec, parts: Sequence[Columns], *, min_count: int = 5) -> AnalysisResult:
    plan = conduct(spec, min_nodes=3)
    step = next(plan)
    for _ in range(100):
        wire_step = parse_step(step.to_wire())
        answers = [
            NodePart(
                f"node{i}",
                part_to_wire(node_part(spec, wire_step, cols, min_count=min_count, max_parameter_ratio=0.33)),
            )
            for i, cols in enumerate(parts)
        ]
        try:
            step = plan.send(answers)
        except StopIteration as done:
            return done.value
    raise AssertionError("the conversation did not end")


def pooled(parts: Sequence[Columns]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame(dict(p)).assign(node=i) for i, p in enumerate(parts)], ignore_index=True)


def coefficients(result: AnalysisResult) -> tuple[np.ndarray, np.ndarray]:
    rows = result.body["coefficients"]
    return np.array([r["estimate"] for r in rows]), np.array([r["se"] for r in rows])


def test_a_logistic_glm_over_three_nodes_equals_statsmodels_on_the_pooled_rows() -> None:
    data = nodes()
    spec = parse_analysis(
        {
            "analysis": "glm",
            "formula": "response ~ male + age + gene",
            "family": "binomial",
            "variables": {"gene": {"gene": "G"}, "response": {"response": "A"}},
        }
    )
    result = run(spec, data)
    frame = pooled(data)
    oracle = sm.GLM(
        frame["response"], sm.add_constant(frame[["male", "age", "gene"]]), family=sm.families.Binomial()
    ).fit(tol=1e-12)
    beta, se = coefficients(result)
    assert np.max(np.abs(beta - oracle.params.to_numpy())) < 1e-6
    assert np.max(np.abs(se - oracle.bse.to_numpy())) < 1e-6
    assert result.body["iterations"] <= 25 and result.n == sum(SIZES)
    assert result.how == "exact"


def test_a_poisson_rate_model_with_an_offset_equals_statsmodels() -> None:
    data = nodes()
    spec = parse_analysis(
        {
            "analysis": "glm",
            "formula": "event ~ male + gene",
            "family": "poisson",
            "offset": "log_time",
            "variables": {"gene": {"gene": "G"}},
        }
    )
    result = run(spec, data)
    frame = pooled(data)
    oracle = sm.GLM(
        frame["event"],
        sm.add_constant(frame[["male", "gene"]]),
        family=sm.families.Poisson(),
        offset=frame["log_time"],
    ).fit(tol=1e-12)
    beta, se = coefficients(result)
    assert np.max(np.abs(beta - oracle.params.to_numpy())) < 1e-6
    assert np.max(np.abs(se - oracle.bse.to_numpy())) < 1e-6


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_on_seven_day_bins_equals_the_pooled_fit_on_the_binned_times(ties: str) -> None:
    data = nodes()
    spec = parse_analysis(
        {
            "analysis": "cox",
            "formula": "~ male + age + gene",
            "ties": ties,
            "bin_days": 7,
            "variables": {"gene": {"gene": "G"}},
        }
    )
    result = run(spec, data)
    assert result.how == "binned"
    frame = pooled(data)
    beta, se = coefficients(result)
    assert result.body["iterations"] <= 30
    # The oracle gets every time moved to the upper edge of its bin on the grid the nodes released.
    grid = result.body["edges"]
    binned = frame.assign(time=np.asarray(grid)[np.searchsorted(grid, frame["time"], side="left")])
    if ties == "efron":
        fitter = CoxPHFitter()
        fitter.fit(binned[["time", "event", "male", "age", "gene"]], "time", "event", fit_options=TIGHT)
        expected_beta, expected_se = fitter.params_.to_numpy(), fitter.standard_errors_.to_numpy()
    else:
        fit = PHReg(
            binned["time"], binned[["male", "age", "gene"]], status=binned["event"], ties="breslow"
        ).fit()
        expected_beta, expected_se = fit.params, fit.bse
    assert np.max(np.abs(beta - expected_beta)) < 1e-6
    assert np.max(np.abs(se - expected_se)) < 1e-6


def test_cox_stratified_by_node_equals_lifelines_with_node_strata() -> None:
    data = nodes()
    spec = parse_analysis(
        {
            "analysis": "cox",
            "formula": "~ male + age + gene",
            "strata": "node",
            "variables": {"gene": {"gene": "G"}},
        }
    )
    result = run(spec, data)
    frame = pooled(data)
    fitter = CoxPHFitter()
    fitter.fit(
        frame[["time", "event", "male", "age", "gene", "node"]],
        "time",
        "event",
        strata=["node"],
        fit_options=TIGHT,
    )
    beta, se = coefficients(result)
    assert np.max(np.abs(beta - fitter.params_.to_numpy())) < 1e-6
    assert np.max(np.abs(se - fitter.standard_errors_.to_numpy())) < 1e-6
    assert result.how == "exact"


def test_unbinned_kaplan_meier_equals_lifelines_on_the_pooled_rows() -> None:
    data = nodes()
    spec = parse_analysis({"analysis": "km", "bin_days": 1})
    result = run(spec, data, min_count=1)
    frame = pooled(data)
    oracle = KaplanMeierFitter().fit(frame["time"], frame["event"])
    (curve,) = result.body["groups"]
    expected = oracle.survival_function_at_times(curve["times"]).to_numpy()
    assert np.max(np.abs(np.array(curve["survival"]) - expected)) < 1e-9


def test_the_hub_refuses_a_network_result_from_two_nodes() -> None:
    spec = parse_analysis({"analysis": "summary", "variable": "age"})
    plan = conduct(spec, min_nodes=3)
    step = next(plan)
    answers = [
        NodePart(f"n{i}", part_to_wire(node_part(spec, step, d, min_count=5, max_parameter_ratio=0.33)))
        for i, d in enumerate(nodes()[:2])
    ]
    with pytest.raises(DisclosureRefused) as refused:
        plan.send(answers)
    assert refused.value.rule == "min_nodes"


def test_a_tampered_hub_cannot_ask_a_node_for_residuals_or_a_finer_grid() -> None:
    with pytest.raises(QueryError, match="residuals"):
        parse_step({"kind": "evaluate", "beta": [0, 0], "residuals": True})
    data = nodes()[0]
    spec = parse_analysis({"analysis": "km", "bin_days": 7})
    finer = parse_step({"kind": "evaluate", "edges": [float(e) for e in range(0, 1600)]})
    with pytest.raises(DisclosureRefused) as refused:
        node_part(spec, finer, data, min_count=5, max_parameter_ratio=0.33)
    assert refused.value.rule == "event_time_bins"


def test_bins_already_released_cannot_be_differenced_by_a_new_grid() -> None:
    data = nodes()[0]
    first = parse_analysis({"analysis": "km", "bin_days": 7})
    proposal = node_part(first, parse_step({"kind": "edges"}), data, min_count=5, max_parameter_ratio=0.33)
    second = parse_analysis({"analysis": "km", "bin_days": 1})
    shifted = node_part(
        second,
        parse_step({"kind": "edges"}),
        data,
        min_count=5,
        max_parameter_ratio=0.33,
        released=Released(values=proposal.edges),
    )
    union = sorted({*proposal.edges, *shifted.edges})
    events = data["time"][data["event"] == 1]
    cell = np.searchsorted(union, events, side="left")  # bins are (a, b], as the nodes cut them
    counts = np.bincount(cell, minlength=len(union))[1:]
    assert all(c == 0 or c >= 5 for c in counts)


def test_a_tampered_hub_cannot_threshold_one_person_out_with_a_steep_beta() -> None:
    """The attack: at β = (−c·t, c) with c huge, every μ is 0 or 1 except at age t, so the scores at
    two thresholds bracketing one person's age differ by exactly that person's (1, age)."""
    rng = np.random.default_rng(3)
    data = {"male": (rng.random(40) < 0.5).astype(float), "age": np.round(rng.uniform(20, 80, 40), 1)}
    spec = parse_analysis({"analysis": "glm", "formula": "male ~ age", "family": "binomial"})
    target = float(np.sort(data["age"])[20])
    for c in (1e4, 25.0):  # a threshold, or as steep as |xβ| ≤ 30 allows
        for t in (target - 0.05, target + 0.05):
            with pytest.raises(DisclosureRefused) as refused:
                node_part(
                    spec,
                    Step(StepKind.EVALUATE, beta=(-c * t, c)),
                    data,
                    min_count=5,
                    max_parameter_ratio=0.33,
                )
            assert refused.value.rule == "implausible_parameters"
    cox = parse_analysis({"analysis": "cox", "formula": "~ age", "strata": "node"})
    survival = {**data, "time": rng.integers(1, 400, 40).astype(float), "event": np.ones(40)}
    with pytest.raises(DisclosureRefused):
        node_part(cox, Step(StepKind.EVALUATE, beta=(5.0,)), survival, min_count=5, max_parameter_ratio=0.33)
