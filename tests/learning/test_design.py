"""A node's design matrix: scaled, complete cases, a stable validation split, person-period rows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.learning import design_matrix, parse_training

BINARY = parse_training(
    {"task": "binary", "features": ["age", {"name": "ldl", "range": [50, 250]}], "label": "male",
     "variables": {"ldl": {"measurement": "LOINC:2089-1"}}, "validation_share": 0.3}
)  # fmt: skip


def _columns(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "age": rng.uniform(-10, 130, n),
        "ldl": rng.uniform(0, 300, n),
        "male": rng.integers(0, 2, n).astype(float),
    }


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 200), st.integers(0, 2**32 - 1))
def test_features_lie_in_the_unit_interval_and_missing_people_are_left_out(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    columns = _columns(n, rng)
    columns["ldl"][rng.random(n) < 0.2] = np.nan
    design = design_matrix(BINARY, columns, np.arange(n, dtype=np.int64))
    assert design.people == int((~np.isnan(columns["ldl"])).sum())
    assert design.x.shape == (design.people, 2)
    assert ((design.x >= 0) & (design.x <= 1)).all()


def test_the_validation_split_follows_the_person_not_the_row_order() -> None:
    rng = np.random.default_rng(3)
    columns = _columns(2_000, rng)
    inds = np.arange(2_000, dtype=np.int64) * 7
    design = design_matrix(BINARY, columns, inds)
    order = rng.permutation(2_000)
    shuffled = design_matrix(BINARY, {k: v[order] for k, v in columns.items()}, inds[order])
    assert (shuffled.validation == design.validation[order]).all()
    assert 0.25 < design.validation.mean() < 0.35
    assert design.part(validation=True).people + design.part(validation=False).people == 2_000


def test_survival_rows_are_person_periods_with_the_event_in_its_interval() -> None:
    spec = parse_training({"task": "survival", "features": ["male"], "intervals": [100, 200, 300]})
    columns = {
        "male": np.array([1.0, 0.0, 1.0]),
        "time": np.array([50.0, 250.0, 400.0]),
        "event": np.array([1.0, 1.0, 0.0]),
    }
    design = design_matrix(spec, columns, np.array([1, 2, 3]))
    assert design.person.tolist() == [0, 1, 1, 1, 2, 2, 2]
    assert design.y is not None
    assert design.y.tolist() == [1, 0, 0, 1, 0, 0, 0]  # died in 1st; died in 3rd; censored after all
    assert design.names == ("male", "interval_100_200d", "interval_200_300d")
    assert design.x[:, 1:].tolist() == [[0, 0], [0, 0], [1, 0], [0, 1], [0, 0], [1, 0], [0, 1]]


def test_multiclass_leaves_out_people_with_no_class_or_several() -> None:
    spec = parse_training(
        {"task": "multiclass", "features": ["age"], "labels": ["a", "b"],
         "variables": {"a": {"disease": "OMIM:1"}, "b": {"disease": "OMIM:2"}}}
    )  # fmt: skip
    columns = {"age": np.full(4, 40.0), "a": np.array([1.0, 0, 1, 0]), "b": np.array([0.0, 1, 1, 0])}
    design = design_matrix(spec, columns, np.arange(4, dtype=np.int64))
    assert design.y is not None
    assert design.y.tolist() == [0.0, 1.0]
