"""Formulas: only declared names and the intercept get through; the design is complete-case and
the same column order at every node."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pmbridge.analytics import build_design, parse_formula
from pmbridge.errors import QueryError

ALLOWED = {"y", "a", "b", "c", "w", "o"}


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("y ~ __import__('os').getcwd()", "cannot be parsed"),
        ("y ~ np.log(a)", "np.log(a)"),
        ("y ~ I(a**2)", "I(a ** 2)"),
        ("y ~ C(a)", "C(a)"),
        ("y ~ a + b + z", "'z'"),
        ("y ~ a + {a + 1}", "a + 1"),
        ("y ~ a[0]", "a[0]"),
        ("y + b ~ a", "exactly one response"),
        ("log(y) ~ a", "log(y)"),
        ("y ~ a | b", "cannot be parsed"),
        ("y ~ a +", "cannot be parsed"),
        ("y ~ 2", "cannot be parsed"),
        ("y ~ 2:a", "'2:a'"),
        ("y ~ `a b`", "'a b'"),
        ("y ~ .", "cannot be parsed"),
        ("y ~ 0", "no terms"),
        ("y ~ y + a", "also appears"),
        ("a + b", "must be a string like"),
        (42, "must be a string like"),
    ],
)
def test_anything_but_names_is_refused(text: object, offending: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_formula(text, allowed=ALLOWED)
    assert offending in caught.value.message
    assert "declared variable names" in caught.value.hint or "declare" in caught.value.hint


def test_nothing_is_evaluated(tmp_path: Path) -> None:
    """A formula that would write a file if formulaic evaluated it: refused, and no file."""
    marker = tmp_path / "pwned"
    for text in (f"y ~ open({str(marker)!r}, 'w')", f"y ~ {{open({str(marker)!r}, 'w')}}"):
        with pytest.raises(QueryError):
            parse_formula(text, allowed=ALLOWED)
    assert not marker.exists()


def test_one_sided_formulas() -> None:
    parsed = parse_formula("~ a + b", allowed=ALLOWED, response=False)
    assert parsed.response is None
    assert parsed.terms == (("a",), ("b",))
    with pytest.raises(QueryError, match="exactly one response"):
        parse_formula("~ a", allowed=ALLOWED)
    with pytest.raises(QueryError, match="no response"):
        parse_formula("y ~ a", allowed=ALLOWED, response=False)


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("y ~ a + b + a:b", ("Intercept", "a", "b", "a:b")),
        ("y ~ a*b", ("Intercept", "a", "b", "a:b")),
        ("y ~ b:a + a", ("Intercept", "a", "b:a")),
        ("y ~ a - 1", ("a",)),
        ("y ~ 0 + a + b", ("a", "b")),
        ("y ~ a + b + 0", ("a", "b")),
        ("y ~ 1", ("Intercept",)),
        ("y ~ (a + b + c)**2", ("Intercept", "a", "b", "c", "a:b", "a:c", "b:c")),
    ],
)
def test_design_columns(text: str, columns: tuple[str, ...]) -> None:
    rng = np.random.default_rng(0)
    data = {name: rng.normal(size=20) for name in ALLOWED}
    design = build_design(parse_formula(text, allowed=ALLOWED), data)
    assert design.columns == columns
    assert design.X.shape == (20, len(columns))
    for index, name in enumerate(columns):
        expected = np.ones(20) if name == "Intercept" else np.prod([data[f] for f in name.split(":")], axis=0)
        np.testing.assert_allclose(design.X[:, index], expected)


def test_complete_cases_cover_response_covariates_offset_and_weights() -> None:
    nan = np.nan
    data = {
        "y": np.array([1.0, nan, 3.0, 4.0, 5.0, 6.0]),
        "a": np.array([1.0, 2.0, nan, 4.0, 5.0, 6.0]),
        "b": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        "o": np.array([0.0, 0.0, 0.0, nan, 0.0, 0.0]),
        "w": np.array([1.0, 1.0, 1.0, 1.0, nan, 2.0]),
    }
    design = build_design(parse_formula("y ~ a:b", allowed=ALLOWED), data, offset="o", weights="w")
    assert design.kept.tolist() == [True, False, False, False, False, True]
    assert design.dropped == 4
    assert design.n == 2
    assert design.y is not None and design.y.tolist() == [1.0, 6.0]
    assert design.weights.tolist() == [1.0, 2.0]
    assert design.X.tolist() == [[1.0, 1.0], [1.0, 36.0]]
    assert set(design.data) == {"y", "a", "b", "o", "w"}


def test_no_rows_left_still_gives_the_columns() -> None:
    data = {"y": np.array([np.nan]), "a": np.array([1.0]), "b": np.array([1.0])}
    design = build_design(parse_formula("y ~ a + a:b", allowed=ALLOWED), data)
    assert design.columns == ("Intercept", "a", "a:b")
    assert design.X.shape == (0, 3)


def test_defaults_and_bad_columns() -> None:
    parsed = parse_formula("y ~ a", allowed=ALLOWED)
    design = build_design(parsed, {"y": np.zeros(3), "a": np.arange(3.0)})
    assert design.offset.tolist() == [0.0] * 3 and design.weights.tolist() == [1.0] * 3
    with pytest.raises(QueryError, match="no values for the variable 'a'"):
        build_design(parsed, {"y": np.zeros(3)})
    with pytest.raises(QueryError, match="as long as the others"):
        build_design(parsed, {"y": np.zeros(3), "a": np.zeros(2)})
    with pytest.raises(QueryError, match="infinite"):
        build_design(parsed, {"y": np.zeros(2), "a": np.array([1.0, np.inf])})
    with pytest.raises(QueryError, match="positive"):
        build_design(parsed, {"y": np.zeros(2), "a": np.zeros(2), "w": np.array([1.0, 0.0])}, weights="w")


def test_column_order_is_the_same_at_every_node() -> None:
    """Nodes with different data (one with a constant column, one with binary data) agree."""
    parsed = parse_formula("y ~ c + a:b + b", allowed=ALLOWED)
    rng = np.random.default_rng(3)
    orders = {
        build_design(
            parsed, {name: rng.integers(0, 2, size=n).astype(float) * scale for name in ALLOWED}
        ).columns
        for n, scale in ((10, 1.0), (50, 0.0), (7, 3.5))
    }
    assert orders == {("Intercept", "c", "b", "a:b")}


def test_overlong_formula_is_refused() -> None:
    with pytest.raises(QueryError, match="longer than"):
        parse_formula("y ~ " + " + ".join(["a"] * 400), allowed=ALLOWED)
