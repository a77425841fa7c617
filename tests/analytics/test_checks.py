"""Node-side disclosure checks: each rule refuses what it should, never names the small count,
and anything that passes releases no count between 1 and k − 1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.analytics import (
    DisclosureLimits,
    build_design,
    check_crosstab,
    check_glm,
    check_summary,
    crosstab_contribution,
    glm_contribution,
    parse_formula,
    summary_contribution,
)
from pmbridge.analytics._formula import Design
from pmbridge.errors import ConfigError, DisclosureRefused

K5 = DisclosureLimits(min_count=5)
NAMES = {"y", "a", "g", "h", "o", "w"}


def _design(formula: str, data: dict[str, np.ndarray], **kwargs: str) -> Design:
    return build_design(parse_formula(formula, allowed=NAMES), data, **kwargs)


def _base(n: int = 100, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "y": (rng.random(n) < 0.5).astype(float),
        "a": rng.normal(size=n),
        "g": (np.arange(n) % 2).astype(float),
        "h": (np.arange(n) % 3 == 0).astype(float),
        "o": rng.normal(size=n),
        "w": rng.uniform(0.5, 2, size=n),
    }


def _refused(rule: str, design: Design, limits: DisclosureLimits = K5) -> DisclosureRefused:
    with pytest.raises(DisclosureRefused) as caught:
        check_glm(design, limits=limits)
    assert caught.value.rule == rule
    assert caught.value.hint
    assert f"fewer than {limits.min_count}" in caught.value.message or rule == "saturated_model"
    return caught.value


def test_a_sound_model_passes() -> None:
    check_glm(_design("y ~ a + g + h + g:h", _base()), limits=K5)


def test_too_few_rows() -> None:
    _refused("too_few_rows", _design("y ~ a", _base(4)))


def test_saturated_model() -> None:
    data = _base(20)
    for extra in range(6):
        data[f"x{extra}"] = np.random.default_rng(extra).normal(size=20)
    design = build_design(parse_formula("y ~ a + x0 + x1 + x2 + x3 + x4 + x5", allowed=set(data)), data)
    error = _refused("saturated_model", design)  # 8 parameters > 0.33 × 20
    assert "8 parameters" in error.message
    wider = {name: np.concatenate([values, values]) for name, values in data.items()}  # 8 ≤ 0.33 × 40
    check_glm(build_design(parse_formula("y ~ a + x0 + x1 + x2 + x3 + x4 + x5", allowed=set(data)), wider))
    with pytest.raises(DisclosureRefused):
        check_glm(_design("y ~ a + g", _base(20)), limits=DisclosureLimits(max_parameter_ratio=0.1))


def test_rare_binary_covariate_level() -> None:
    data = _base()
    data["g"] = np.zeros(100)
    data["g"][:3] = 1.0  # three people with g = 1
    error = _refused("rare_level", _design("y ~ a + g", data))
    assert "'g'" in error.message and " 3 " not in error.message
    data["g"][:] = 1.0  # everyone in one level is fine
    check_glm(_design("y ~ a + g", data), limits=K5)


def test_rare_response_level() -> None:
    data = _base()
    data["y"] = np.zeros(100)
    data["y"][:2] = 1.0
    _refused("rare_level", _design("y ~ a", data))


def test_interaction_with_a_rare_cell() -> None:
    data = _base()
    data["g"] = (np.arange(100) < 50).astype(float)
    data["h"] = ((np.arange(100) >= 47) & (np.arange(100) < 90)).astype(float)  # g = h = 1 for 3 people
    check_glm(_design("y ~ g + h", data), limits=K5)  # the main effects alone are fine
    error = _refused("rare_level", _design("y ~ g + h + g:h", data))
    assert "'g:h'" in error.message and "interaction" in error.message
    assert "drop the interaction" in error.hint


def test_binary_offset_or_weights_with_a_rare_level() -> None:
    data = _base()
    data["w"] = np.ones(100)
    data["w"][:2] = 2.0
    _refused("rare_level", _design("y ~ a", data, weights="w"))
    data["o"] = np.zeros(100)
    data["o"][:4] = 1.0
    _refused("rare_level", _design("y ~ a", data, offset="o"))


def test_missing_values_left_out_for_a_few_people() -> None:
    data = _base()
    data["a"][:3] = np.nan
    error = _refused("missing_values", _design("y ~ a", data))
    assert "cohort" in error.hint
    data["a"][:10] = np.nan  # ten missing (≥ k): allowed
    check_glm(_design("y ~ a", data), limits=K5)


def test_small_histogram_bin() -> None:
    values = np.concatenate([np.full(20, 1.0), np.full(2, 15.0), np.full(30, 25.0)])
    with pytest.raises(DisclosureRefused) as caught:
        check_summary(summary_contribution(values, edges=[0, 10, 20, 30]), limits=K5)
    assert caught.value.rule == "small_bin" and "widen the bins" in caught.value.hint
    check_summary(summary_contribution(values, edges=[0, 20, 30]), limits=K5)
    check_summary(summary_contribution(values), limits=K5)
    with pytest.raises(DisclosureRefused, match="too_few_rows"):
        check_summary(summary_contribution(values[:4]), limits=K5)
    with pytest.raises(DisclosureRefused, match="missing_values"):
        check_summary(summary_contribution(values), missing=1, limits=K5)


def test_small_crosstab_cell() -> None:
    rows = np.array([0.0] * 20 + [1.0] * 20)
    columns = np.array([0.0] * 10 + [1.0] * 10 + [0.0] * 17 + [1.0] * 3)
    with pytest.raises(DisclosureRefused) as caught:
        check_crosstab(crosstab_contribution(rows, columns), limits=K5)
    assert caught.value.rule == "small_cell" and " 3 " not in caught.value.message
    columns[-3:] = 0.0  # that cell is now empty: 0 is allowed
    check_crosstab(crosstab_contribution(rows, columns), limits=K5)
    with pytest.raises(DisclosureRefused, match="missing_values"):
        check_crosstab(crosstab_contribution(rows, columns), missing=2, limits=K5)


def test_limits_may_only_be_stricter() -> None:
    with pytest.raises(ConfigError):
        DisclosureLimits(max_parameter_ratio=0.5)
    with pytest.raises(ConfigError):
        DisclosureLimits(min_count=0)


binary = st.lists(st.sampled_from([0.0, 1.0, np.nan]), min_size=0, max_size=60)


@settings(max_examples=200, deadline=None)
@given(
    y=binary,
    g=binary,
    k=st.integers(min_value=1, max_value=12),
    formula=st.sampled_from(["y ~ g", "y ~ g + h + g:h", "y ~ h", "y ~ g:h - 1"]),
)
def test_a_released_glm_contribution_never_shows_a_small_count(
    y: list[float], g: list[float], k: int, formula: str
) -> None:
    n = min(len(y), len(g))
    data = {"y": np.array(y[:n]), "g": np.array(g[:n]), "h": np.array(g[:n][::-1])}
    design = build_design(parse_formula(formula, allowed=NAMES), data)
    limits = DisclosureLimits(min_count=k)
    try:
        check_glm(design, limits=limits)
    except DisclosureRefused:
        return
    contribution = glm_contribution(design, family="binomial", beta=np.zeros(design.X.shape[1]))
    assert contribution.n >= k
    assert not 0 < design.dropped < k
    for column in [*design.data.values(), *design.X.T]:
        _, counts = np.unique(column, return_counts=True)
        assert all(count >= k for count in counts)


@settings(max_examples=200, deadline=None)
@given(rows=binary, columns=binary, k=st.integers(min_value=1, max_value=12))
def test_a_released_table_never_shows_a_small_cell(rows: list[float], columns: list[float], k: int) -> None:
    n = min(len(rows), len(columns))
    contribution = crosstab_contribution(rows[:n], columns[:n])
    try:
        check_crosstab(contribution, missing=n - contribution.n, limits=DisclosureLimits(min_count=k))
    except DisclosureRefused:
        return
    assert contribution.n >= k
    assert all(cell == 0 or cell >= k for row in contribution.table for cell in row)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(min_value=0, max_value=100), max_size=80),
    k=st.integers(min_value=1, max_value=12),
)
def test_a_released_summary_never_shows_a_small_bin(values: list[float], k: int) -> None:
    contribution = summary_contribution(values, edges=[0, 25, 50, 75, 100])
    try:
        check_summary(contribution, limits=DisclosureLimits(min_count=k))
    except DisclosureRefused:
        return
    assert contribution.n >= k
    assert contribution.counts is not None
    assert all(count == 0 or count >= k for count in contribution.counts)
