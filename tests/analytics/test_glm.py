"""Federated GLM against statsmodels on the pooled rows (the oracle), and its failure modes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
import statsmodels.api as sm

from pmbridge.analytics._formula import Design, build_design, parse_formula
from pmbridge.analytics._glm import (
    Family,
    GlmFitter,
    GlmResult,
    combine_glm,
    glm_contribution,
)
from pmbridge.errors import QueryError

SIZES = (300, 800, 1500)
TOLERANCE = 1e-6


def _node_columns(rng: np.random.Generator, n: int, shift: float) -> dict[str, np.ndarray]:
    """One node's rows; each node has its own covariate distribution (``shift``)."""
    age = rng.normal(50 + 10 * shift, 12, n)
    male = (rng.random(n) < 0.3 + 0.2 * shift).astype(float)
    ldl = rng.gamma(4 + shift, 0.8, n)
    exposure = rng.uniform(0.5, 3.0, n)
    eta = -4 + 0.05 * age + 0.4 * male - 0.2 * ldl + 0.3 * male * ldl / 3
    return {
        "age": age,
        "male": male,
        "ldl": ldl,
        "bp": 90 + 0.6 * age + 5 * male + 2 * ldl + rng.normal(0, 8, n),
        "seizure": (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float),
        "visits": rng.poisson(exposure * np.exp(-1 + 0.01 * age + 0.3 * male)).astype(float),
        "log_exposure": np.log(exposure),
        "precision": rng.uniform(0.5, 2.0, n),
        "count_weight": rng.integers(1, 4, n).astype(float),
    }


def _nodes(seed: int = 7) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [_node_columns(rng, n, shift) for n, shift in zip(SIZES, (0.0, 0.5, 1.0), strict=True)]


def _pooled(nodes: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([node[name] for node in nodes]) for name in nodes[0]}


def federated_fit(
    formula: str,
    nodes: list[Mapping[str, np.ndarray]],
    *,
    family: Family,
    offset: str | None = None,
    weights: str | None = None,
    max_iterations: int = 25,
) -> GlmResult:
    """The whole protocol in-process: nodes build designs, the hub drives Newton rounds."""
    parsed = parse_formula(formula, allowed=set(nodes[0]))
    designs: list[Design] = [build_design(parsed, node, offset=offset, weights=weights) for node in nodes]
    fitter = GlmFitter(designs[0].X.shape[1], family=family, max_iterations=max_iterations)
    beta = fitter.start()
    while True:
        total = combine_glm([glm_contribution(d, family=family, beta=beta) for d in designs])
        step = fitter.update(total)
        if step.status == "failed":
            raise QueryError(step.reason)
        if step.status == "converged":
            return fitter.result(total, designs[0].columns)
        beta = step.beta


def _oracle(
    formula: str, pooled: Mapping[str, np.ndarray], family: Family, **kwargs: object
) -> sm.regression.linear_model.RegressionResultsWrapper:
    parsed = parse_formula(formula, allowed=set(pooled))
    design = build_design(parsed, pooled)
    families = {
        "gaussian": sm.families.Gaussian(),
        "binomial": sm.families.Binomial(),
        "poisson": sm.families.Poisson(),
    }
    return sm.GLM(design.y, design.X, family=families[family], **kwargs).fit(
        use_t=family == "gaussian", tol=1e-12
    )


MAX_DIFFERENCES: dict[str, tuple[float, float]] = {}


def _compare(name: str, ours: GlmResult, oracle: object, *, aic: bool = True) -> None:
    params = np.asarray(oracle.params)  # type: ignore[attr-defined]
    bse = np.asarray(oracle.bse)  # type: ignore[attr-defined]
    coefficient_gap = float(np.max(np.abs(np.array(ours.coefficients) - params)))
    error_gap = float(np.max(np.abs(np.array(ours.standard_errors) - bse)))
    MAX_DIFFERENCES[name] = (coefficient_gap, error_gap)
    print(f"{name}: max |Δβ| {coefficient_gap:.2e}, max |ΔSE| {error_gap:.2e}, iterations {ours.iterations}")
    assert coefficient_gap < TOLERANCE
    assert error_gap < TOLERANCE
    np.testing.assert_allclose(ours.p_values, oracle.pvalues, rtol=1e-5, atol=1e-12)  # type: ignore[attr-defined]
    np.testing.assert_allclose(ours.ci_lower, oracle.conf_int()[:, 0], rtol=1e-6, atol=1e-6)  # type: ignore[attr-defined]
    np.testing.assert_allclose(ours.deviance, oracle.deviance, rtol=1e-9)  # type: ignore[attr-defined]
    if aic:
        np.testing.assert_allclose(ours.aic, oracle.aic, rtol=1e-9)  # type: ignore[attr-defined]
    assert ours.iterations <= 25
    assert ours.n == sum(SIZES)


def test_gaussian_equals_pooled_statsmodels() -> None:
    nodes = _nodes()
    formula = "bp ~ age + male + ldl + male:ldl"
    ours = federated_fit(formula, nodes, family="gaussian")
    assert ours.columns == ("Intercept", "age", "male", "ldl", "male:ldl")
    assert ours.statistic == "t"
    _compare("gaussian", ours, _oracle(formula, _pooled(nodes), "gaussian"))


def test_binomial_equals_pooled_statsmodels() -> None:
    nodes = _nodes()
    formula = "seizure ~ age + male + ldl + male:ldl"
    ours = federated_fit(formula, nodes, family="binomial")
    assert ours.statistic == "z"
    _compare("binomial", ours, _oracle(formula, _pooled(nodes), "binomial"))


def test_poisson_with_offset_equals_pooled_statsmodels() -> None:
    nodes = _nodes()
    pooled = _pooled(nodes)
    formula = "visits ~ age + male"
    ours = federated_fit(formula, nodes, family="poisson", offset="log_exposure")
    _compare("poisson+offset", ours, _oracle(formula, pooled, "poisson", offset=pooled["log_exposure"]))


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson"])
def test_prior_weights_equal_statsmodels_var_weights(family: Family) -> None:
    """Weights are R's / DataSHIELD's prior weights: statsmodels ``var_weights``. Each row is one
    person, so ``freq_weights`` (which would count a row as several people and change n and the
    residual degrees of freedom) is the wrong model for a per-person weight."""
    nodes = _nodes()
    pooled = _pooled(nodes)
    response = {"gaussian": "bp", "binomial": "seizure", "poisson": "visits"}[family]
    formula = f"{response} ~ age + male + ldl"
    ours = federated_fit(formula, nodes, family=family, weights="precision")
    oracle = _oracle(formula, pooled, family, var_weights=pooled["precision"])
    _compare(f"{family}+var_weights", ours, oracle)


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_integer_weights_match_freq_weights_where_scale_is_one(family: Family) -> None:
    """With scale 1 the estimates and SEs of var and freq weights coincide (only df differ)."""
    nodes = _nodes()
    pooled = _pooled(nodes)
    response = {"binomial": "seizure", "poisson": "visits"}[family]
    formula = f"{response} ~ age + male"
    ours = federated_fit(formula, nodes, family=family, weights="count_weight")
    oracle = _oracle(formula, pooled, family, freq_weights=pooled["count_weight"])
    _compare(f"{family}+freq_weights", ours, oracle, aic=False)


def test_no_intercept_and_missing_values() -> None:
    nodes = _nodes()
    nodes[1]["ldl"][:40] = np.nan  # dropped at that node, and in the pooled oracle
    pooled = _pooled(nodes)
    formula = "bp ~ age + ldl - 1"
    ours = federated_fit(formula, nodes, family="gaussian")
    assert ours.columns == ("age", "ldl")
    assert ours.n == sum(SIZES) - 40
    oracle = _oracle(formula, pooled, "gaussian")
    np.testing.assert_allclose(ours.coefficients, oracle.params, atol=TOLERANCE)
    np.testing.assert_allclose(ours.standard_errors, oracle.bse, atol=TOLERANCE)


def test_perfect_separation_fails_clearly() -> None:
    rng = np.random.default_rng(1)
    nodes = []
    for n in SIZES:
        x = rng.normal(0, 1, n)
        nodes.append({"y": (x > 0).astype(float), "x": x})
    with pytest.raises(QueryError, match="separation"):
        federated_fit("y ~ x", nodes, family="binomial")


def test_quasi_separation_fails_clearly() -> None:
    rng = np.random.default_rng(2)
    nodes = []
    for n in SIZES:
        g = (rng.random(n) < 0.3).astype(float)
        x = rng.normal(0, 1, n)
        y = np.where(g == 1, 1.0, (rng.random(n) < 0.4).astype(float))
        nodes.append({"y": y, "g": g, "x": x})
    with pytest.raises(QueryError, match="separation"):
        federated_fit("y ~ g + x", nodes, family="binomial")


def test_collinear_covariates_fail_clearly() -> None:
    nodes = _nodes()
    for node in nodes:
        node["age2"] = node["age"] * 2
    with pytest.raises(QueryError, match="singular"):
        federated_fit("bp ~ age + age2", nodes, family="gaussian")


def test_no_result_before_convergence() -> None:
    nodes = _nodes()
    design = build_design(parse_formula("bp ~ age", allowed=set(nodes[0])), nodes[0])
    fitter = GlmFitter(2, family="gaussian")
    total = combine_glm([glm_contribution(design, family="gaussian", beta=fitter.start())])
    assert fitter.update(total).status == "continue"
    with pytest.raises(QueryError, match="did not converge"):
        fitter.result(total, design.columns)


def test_iteration_limit_is_a_clear_failure() -> None:
    nodes = _nodes()
    with pytest.raises(QueryError, match="no convergence in 2 iterations"):
        federated_fit("seizure ~ age + male", nodes, family="binomial", max_iterations=2)


def test_response_out_of_range_is_refused() -> None:
    design = build_design(
        parse_formula("y ~ x", allowed={"y", "x"}), {"y": np.array([0.0, 2.0]), "x": np.ones(2)}
    )
    with pytest.raises(QueryError, match="between 0 and 1"):
        glm_contribution(design, family="binomial", beta=[0.0, 0.0])
    with pytest.raises(QueryError, match="β must be"):
        glm_contribution(design, family="gaussian", beta=[0.0])
