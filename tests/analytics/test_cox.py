"""Cox regression from per-bin sums, proven equal to lifelines (Efron) and statsmodels (Breslow) on
the pooled binned rows, and stratified by node."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter
from statsmodels.duration.hazard_regression import PHReg

from pmbridge.analytics._cox import (
    CoxContribution,
    CoxDerivatives,
    combine_cox,
    combine_strata,
    cox_contribution,
    cox_derivatives,
    cox_stratum_contribution,
)
from pmbridge.analytics._cox_fit import CoxFitter, CoxResult
from pmbridge.analytics._protocol import part_from_wire, part_to_wire
from pmbridge.errors import DisclosureRefused, QueryError

from .survival_sim import NodeRows, binned, grid_for, pooled, three_nodes

NODES = three_nodes()
LIFELINES_TIGHT = {"precision": 1e-13, "r_precision": 1e-15, "step_size": 0.95}


def fit_pooled(nodes: list[NodeRows], *, edges, ties: str, min_count: int, wire: bool = False) -> CoxResult:
    print(f"  ({len(edges) - 1} common bins)", end="")
    """The hub's loop: ask every node for its sums at β, combine, take a Newton step."""
    fitter = CoxFitter(nodes[0].x.shape[1])
    beta = fitter.start()
    while True:
        parts = [
            cox_contribution(r.x, r.time, r.event, edges=edges, beta=beta, ties=ties, min_count=min_count)
            for r in nodes
        ]
        if wire:
            parts = [part_from_wire(CoxContribution, part_to_wire(p)) for p in parts]
        total = cox_derivatives(combine_cox(parts), ties=ties)
        step = fitter.update(total.loglik, total.score, total.information)
        if step.done:
            return fitter.result(n=total.n, events=total.events)
        beta = step.beta


def fit_stratified(nodes: list[NodeRows], *, ties: str) -> CoxResult:
    fitter = CoxFitter(nodes[0].x.shape[1])
    beta = fitter.start()
    while True:
        parts = [
            cox_stratum_contribution(r.x, r.time, r.event, beta=beta, ties=ties, min_count=5) for r in nodes
        ]
        total = combine_strata([part_from_wire(CoxDerivatives, part_to_wire(p)) for p in parts])
        step = fitter.update(total.loglik, total.score, total.information)
        if step.done:
            return fitter.result(n=total.n, events=total.events)
        beta = step.beta


def _frame(rows: NodeRows, time: np.ndarray, stratum: np.ndarray | None = None) -> pd.DataFrame:
    df = pd.DataFrame(rows.x, columns=["age", "female", "marker"])
    df["T"], df["E"] = time, rows.event
    if stratum is not None:
        df["node"] = stratum
    return df


def _lifelines(df: pd.DataFrame, **kwargs) -> CoxPHFitter:
    return CoxPHFitter(baseline_estimation_method="breslow", **kwargs).fit(
        df, "T", "E", fit_options=LIFELINES_TIGHT
    )


def _compare(result: CoxResult, params: np.ndarray, se: np.ndarray, loglik: float, label: str) -> None:
    d_beta = np.max(np.abs(np.array(result.coefficients) - params))
    d_se = np.max(np.abs(np.array(result.se) - se))
    print(
        f" Cox {label}: {result.iterations} iterations, max |Δβ| = {d_beta:.1e}, max |ΔSE| = {d_se:.1e}, "
        f"|Δloglik| = {abs(result.loglik - loglik):.1e}"
    )
    assert result.converged
    assert result.iterations <= 30
    assert d_beta < 1e-6
    assert d_se < 1e-6
    assert result.loglik == pytest.approx(loglik, abs=1e-6)


@pytest.mark.parametrize(("bin_days", "min_count"), [(1, 1), (7, 5)])
def test_efron_equals_lifelines_on_the_pooled_binned_rows(bin_days: int, min_count: int) -> None:
    edges = grid_for(NODES, bin_days=bin_days, min_count=min_count, exits=True)
    result = fit_pooled(NODES, edges=edges, ties="efron", min_count=min_count, wire=True)
    rows = pooled(NODES)
    oracle = _lifelines(_frame(rows, binned(rows.time, edges)))
    _compare(
        result,
        oracle.params_.to_numpy(),
        oracle.standard_errors_.to_numpy(),
        oracle.log_likelihood_,
        f"Efron, {bin_days}-day bins",
    )
    assert result.n == 2900
    assert result.events == int(rows.event.sum())
    np.testing.assert_allclose(result.hazard_ratios, np.exp(oracle.params_.to_numpy()), rtol=1e-6)
    np.testing.assert_allclose(result.p, oracle.summary["p"].to_numpy(), rtol=1e-5, atol=1e-300)
    np.testing.assert_allclose(result.ci_lower, oracle.confidence_intervals_.iloc[:, 0], atol=1e-6)


@pytest.mark.parametrize(("bin_days", "min_count"), [(1, 1), (7, 5)])
def test_breslow_equals_statsmodels_on_the_pooled_binned_rows(bin_days: int, min_count: int) -> None:
    edges = grid_for(NODES, bin_days=bin_days, min_count=min_count, exits=True)
    result = fit_pooled(NODES, edges=edges, ties="breslow", min_count=min_count)
    rows = pooled(NODES)
    model = PHReg(binned(rows.time, edges), rows.x, status=rows.event, ties="breslow")
    oracle = model.fit(tol=1e-12)
    _compare(result, oracle.params, oracle.bse, model.loglike(oracle.params), f"Breslow, {bin_days}-day bins")


def test_stratified_by_node_equals_lifelines_and_statsmodels() -> None:
    rows = pooled(NODES)
    stratum = np.repeat(np.arange(3), [len(r.time) for r in NODES])
    oracle = _lifelines(_frame(rows, rows.time, stratum), strata=["node"])
    _compare(
        fit_stratified(NODES, ties="efron"),
        oracle.params_.to_numpy(),
        oracle.standard_errors_.to_numpy(),
        oracle.log_likelihood_,
        "Efron, stratified by node, exact days",
    )
    model = PHReg(rows.time, rows.x, status=rows.event, strata=stratum, ties="breslow")
    fitted = model.fit(tol=1e-12)
    _compare(
        fit_stratified(NODES, ties="breslow"),
        fitted.params,
        fitted.bse,
        model.loglike(fitted.params),
        "Breslow, stratified by node, exact days",
    )


def test_fractional_times_and_an_offset_change_nothing() -> None:
    """Non-integer times in 7-day bins, and a hub offset that rescales every weight."""
    rng = np.random.default_rng(7)
    nodes = [NodeRows(r.x, r.time - rng.uniform(0, 0.9, len(r.time)), r.event, r.group) for r in NODES]
    edges = grid_for(nodes, bin_days=7, min_count=5, exits=True)
    beta = (0.3, -0.2, 0.1)
    totals = []
    for offset in (0.0, 3.5):
        parts = [
            cox_contribution(
                r.x, r.time, r.event, edges=edges, beta=beta, ties="efron", min_count=5, offset=offset
            )
            for r in nodes
        ]
        totals.append(cox_derivatives(combine_cox(parts), ties="efron"))
    assert totals[0].loglik == pytest.approx(totals[1].loglik, rel=1e-12)
    np.testing.assert_allclose(totals[0].score, totals[1].score, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(totals[0].information, totals[1].information, rtol=1e-9)


def test_newton_halves_a_step_that_lowers_the_likelihood() -> None:
    fitter = CoxFitter(1)
    assert fitter.start() == (0.0,)
    assert fitter.update(-10.0, [4.0], [[1.0]]).beta == (4.0,)
    step = fitter.update(-50.0, [-30.0], [[9.0]])  # worse: go half-way back
    assert step == type(step)((2.0,), False)
    assert fitter.update(-9.0, [0.0], [[2.0]]).beta == (2.0,)


def test_a_fit_that_cannot_converge_stops_at_the_iteration_limit() -> None:
    """Complete separation: the coefficient runs away; the fit stops and says it did not converge."""
    time = np.arange(1.0, 41.0)
    x = (time > 20).astype(float)[:, None]  # everyone with x = 1 outlives everyone with x = 0
    event = np.ones(40, dtype=int)
    node = NodeRows(x, time, event, np.zeros(40, dtype=int))
    result = fit_pooled([node], edges=tuple(float(d) for d in range(41)), ties="efron", min_count=1)
    assert not result.converged
    assert result.iterations == 30


def test_refusals_and_malformed_replies() -> None:
    r = NODES[0]
    edges = grid_for(NODES, bin_days=7, min_count=5, exits=True)
    events_only = grid_for(NODES, bin_days=7, min_count=5)
    with pytest.raises(DisclosureRefused, match="event_time_bins"):  # one person's exit, alone in a bin
        cox_contribution(r.x, r.time, r.event, edges=events_only, beta=(0, 0, 0), ties="efron", min_count=5)
    with pytest.raises(DisclosureRefused, match="event_time_bins"):
        cox_contribution(
            r.x,
            r.time,
            r.event,
            edges=tuple(float(d) for d in range(0, 1821, 7)),
            beta=(0, 0, 0),
            ties="efron",
            min_count=5,
        )
    with pytest.raises(DisclosureRefused) as info:
        cox_stratum_contribution(r.x[:8], r.time[:8], r.event[:8], beta=(0, 0, 0), ties="efron", min_count=5)
    assert info.value.rule == "too_few_events"
    with pytest.raises(QueryError, match="overflows"):
        cox_contribution(r.x, r.time, r.event, edges=edges, beta=(900, 0, 0), ties="efron", min_count=5)
    with pytest.raises(QueryError, match="unknown ties"):
        cox_contribution(r.x, r.time, r.event, edges=edges, beta=(0, 0, 0), ties="exact", min_count=5)  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="coefficients"):
        cox_contribution(r.x, r.time, r.event, edges=edges, beta=(0, 0), ties="efron", min_count=5)
    parts = [
        cox_contribution(n.x, n.time, n.event, edges=edges, beta=(0, 0, 0), ties="efron", min_count=5)
        for n in NODES
    ]
    other_beta = cox_contribution(
        r.x, r.time, r.event, edges=edges, beta=(0.1, 0, 0), ties="efron", min_count=5
    )
    with pytest.raises(QueryError, match="different requests"):
        combine_cox([parts[0], other_beta])
    doc = part_to_wire(parts[1])
    doc["s2"] = doc["s2"][:-1]
    with pytest.raises(QueryError, match="s2"):
        combine_cox([parts[0], part_from_wire(CoxContribution, doc)])
    with pytest.raises(QueryError, match="efron ties, not breslow"):
        cox_derivatives(combine_cox(parts), ties="breslow")


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(1, 60), st.booleans(), st.floats(-2, 2)), min_size=1, max_size=50),
    cuts=st.sets(st.integers(1, 59), max_size=8),
    min_count=st.integers(1, 5),
)
def test_no_released_sum_covers_between_1_and_k_minus_1_people(rows, cuts, min_count) -> None:
    """Whatever grid a hub asks for, a node's Cox sums either are refused or every bin's events and
    people leaving the risk set (read back from the released sums at β = 0) number 0 or at least
    the min count: no difference of two released sums is a sum over fewer people."""
    time = [float(r[0]) for r in rows]
    event = [int(r[1]) for r in rows]
    x = [[r[2]] for r in rows]
    edges = (0.0, *sorted(float(c) for c in cuts), 60.0)
    try:
        part = cox_contribution(x, time, event, edges=edges, beta=(0.0,), ties="efron", min_count=min_count)
    except DisclosureRefused:
        return
    leaving = part.s0 - np.append(part.s0[1:], 0.0)
    assert part.e0 is not None
    for counts in (part.d, leaving, part.e0):
        assert np.all((np.round(counts) == 0) | (np.round(counts) >= min_count))
