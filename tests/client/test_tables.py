"""Tidy tables: a held-back number is a null beside its mark, in Arrow and in pandas; without pandas
the error says how to install it."""

from __future__ import annotations

import importlib.util

import pytest

from pmbridge.client import Aggregates, BeaconAnswer
from pmbridge.errors import ConfigError

FEWER = {"value": None, "how": "suppressed", "threshold": 11, "rule": "min_count", "display": "<11"}
NOISED = {"value": 40, "how": "noised", "threshold": 11, "roundedTo": 10, "display": "≈40"}
ANSWER = BeaconAnswer.model_validate(
    {
        "meta": {"returnedGranularity": "count"},
        "response": {
            "resultSets": [
                {
                    "id": "rome-rd",
                    "exists": True,
                    "resultsCount": 0,
                    "info": {"node": "eu-rome", "count": FEWER},
                },
                {
                    "id": "sh-rd",
                    "exists": True,
                    "resultsCount": 40,
                    "info": {"node": "cn-sh", "count": NOISED},
                },
            ]
        },
    }
)
HIDDEN = {**FEWER, "rule": "complementary", "display": "hidden"}
AGGREGATES = Aggregates.model_validate(
    {
        "datasets": [
            {
                "node": "eu-rome",
                "dataset": "rome-rd",
                "total": NOISED,
                "breakdowns": {"sex": {"cells": {"female": NOISED, "male": HIDDEN}, "total": None}},
            },
            {"node": "eu-x", "dataset": "x-rd", "total": None, "breakdowns": {}},
        ],
        "missingNodes": [],
    }
)


def test_a_held_back_count_is_a_null_with_its_mark_never_a_zero() -> None:
    table = ANSWER.to_arrow()
    assert table.column("value").to_pylist() == [None, 40]
    assert table.column("mark").to_pylist() == ["<11", "≈40"]
    assert table.column("kind").to_pylist() == ["fewer", "noised"]
    assert str(table.schema.field("value").type) == "int64"


def test_aggregates_are_long_a_row_per_total_and_cell() -> None:
    rows = AGGREGATES.to_arrow().to_pylist()
    assert [(r["breakdown"], r["cell"], r["value"], r["mark"]) for r in rows] == [
        (None, None, 40, "≈40"),
        ("sex", "female", 40, "≈40"),
        ("sex", "male", None, "hidden"),
        (None, None, None, "held back"),  # a dataset of which nothing left
    ]


@pytest.mark.skipif(importlib.util.find_spec("pandas") is not None, reason="pandas is installed")
def test_without_pandas_the_error_says_how_to_get_it() -> None:
    with pytest.raises(ConfigError) as raised:
        ANSWER.to_pandas()
    assert "pip install pandas" in raised.value.hint and ".to_arrow()" in raised.value.hint


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="pandas is not installed")
def test_with_pandas_a_held_back_count_is_missing_not_nan_or_zero() -> None:
    frame = ANSWER.to_pandas()
    assert str(frame["value"].dtype) == "Int64" and frame["value"].isna().tolist() == [True, False]
    assert frame["mark"].tolist() == ["<11", "≈40"]
