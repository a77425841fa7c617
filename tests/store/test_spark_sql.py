"""DuckDB-dialect store SQL to Spark SQL: marks bound in text order, values as escaped literals, the
battery's every statement transpiled; odd parameters refused with a hint."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from pmbridge.errors import StoreError
from pmbridge.store import CompiledQuery
from pmbridge.store._spark_sql import literal, to_spark
from tests.store import battery

DUCKDB_ONLY = re.compile(r"\b(LIST|LIST_\w+|ARRAY_TO_STRING|FIRST)\(", re.IGNORECASE)


def spark(sql: str, *params: object) -> str:
    return to_spark(CompiledQuery(sql, params))


def selected(sql: str) -> list[exp.Expression]:
    """The select list of Spark SQL text, parsed back as Spark reads it."""
    tree = sqlglot.parse_one(sql, read="spark")
    assert isinstance(tree, exp.Select)
    return list(tree.expressions)


def test_marks_are_bound_in_the_order_they_appear_in_the_text() -> None:
    # SQLGlot's tree holds a WITH after the SELECT it precedes and LIMIT before WHERE: a tree
    # walk would bind these five marks in another order.
    sql = spark(
        "WITH a AS (SELECT ? AS x) SELECT * FROM a WHERE a.x = ? ORDER BY a.x LIMIT ? OFFSET ?",
        "first",
        "second",
        7,
        8,
    )
    assert sql == (
        "WITH a AS (SELECT 'first' AS x) SELECT * FROM a WHERE a.x = 'second' ORDER BY a.x NULLS LAST "
        "LIMIT 7 OFFSET 8"
    )


def test_a_mark_cast_at_once_keeps_its_cast() -> None:
    assert spark("SELECT ?::BIGINT, ? :: DOUBLE", 5, 1) == "SELECT CAST(5 AS BIGINT), CAST(1 AS DOUBLE)"


def test_a_question_mark_in_a_string_or_a_comment_is_no_mark() -> None:
    assert spark("SELECT '?' AS q, ? AS p -- why?\n", 1) == "SELECT '?' AS q, 1 AS p /* why? */"


@pytest.mark.parametrize(("marks", "params"), [("?, ?", (1,)), ("?", (1, 2)), ("1", (1,))])
def test_marks_and_parameters_must_pair_up(marks: str, params: tuple[object, ...]) -> None:
    with pytest.raises(StoreError, match="marks but") as caught:
        spark(f"SELECT {marks}", *params)
    assert "each ? needs exactly one parameter" in caught.value.hint


@pytest.mark.parametrize("value", [Decimal("1.5"), datetime(2020, 1, 1), b"bytes", {"a": 1}, object()])
def test_a_parameter_without_a_spark_literal_is_refused(value: object) -> None:
    with pytest.raises(StoreError, match="has no Spark literal") as caught:
        spark("SELECT ?", value)
    assert "datetime.date" in caught.value.hint


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (False, "FALSE"),
        (0, "0"),
        (-3, "-3"),
        (2**40, "1099511627776"),
        (1.5, "CAST(1.5 AS DOUBLE)"),
        (1e-300, "CAST(1e-300 AS DOUBLE)"),
        (float("nan"), "CAST('NaN' AS DOUBLE)"),
        (float("-inf"), "CAST('-Infinity' AS DOUBLE)"),
        ("it's", "'it\\'s'"),
        (date(2024, 2, 29), "CAST('2024-02-29' AS DATE)"),
        (["a", "b"], "ARRAY('a', 'b')"),
        ((1, None), "ARRAY(1, NULL)"),
    ],
)
def test_each_parameter_type_becomes_its_literal(value: object, text: str) -> None:
    assert literal(value).sql("spark") == text


def test_a_like_pattern_with_a_backslash_names_an_escape_it_lacks() -> None:
    # DuckDB reads `\` in a LIKE pattern literally; Spark would escape with it.
    assert spark("SELECT x LIKE ? FROM t", "a\\b%") == "SELECT x LIKE 'a\\\\b%' ESCAPE '\\001' FROM t"
    assert spark("SELECT x LIKE ? FROM t", "a_b%") == "SELECT x LIKE 'a_b%' FROM t"


def test_sql_that_cannot_be_parsed_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="could not be parsed"):
        spark("SELECT FROM WHERE ((")


@pytest.mark.parametrize("case", battery.cases(), ids=lambda case: case.name)
def test_every_battery_statement_transpiles_without_duckdb_only_functions(case: battery.Case) -> None:
    for compiled in case.statements:
        sql = to_spark(compiled)
        assert "?" not in sqlglot.transpile(sql, read="spark", write="spark")[0].replace("'?'", "")
        assert not DUCKDB_ONLY.search(sql), sql


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string_reads_back_as_the_same_value(value: str) -> None:
    (read,) = selected(spark("SELECT ?", value))
    assert isinstance(read, exp.Literal) and read.is_string
    assert read.this == value


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62), st.booleans(), st.text(max_size=5))))
def test_a_list_reads_back_as_the_same_items(values: list[object]) -> None:
    (read,) = selected(spark("SELECT ?", values))
    assert isinstance(read, exp.Array)
    assert [_value(item) for item in read.expressions] == values


def _value(node: exp.Expression) -> object:
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        return int(node.this)
    if isinstance(node, exp.Neg):
        return -int(node.this.this)
    assert isinstance(node, exp.Literal)
    return node.this


@pytest.mark.parametrize("missing", ["pyspark", "sqlglot"])
def test_without_the_spark_extra_the_store_imports_and_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # as if not installed
    from pmbridge.store._spark import SparkEngine, SparkSettings, spark_session

    with pytest.raises(StoreError, match=f"needs {missing}") as caught:
        spark_session(SparkSettings())
    assert "pip install 'pmbridge[spark]'" in caught.value.hint
    with pytest.raises(StoreError, match=f"needs {missing}"):
        SparkEngine(cast(Any, None), {})


def test_the_settings_tell_local_cluster_and_connect_apart() -> None:
    from pmbridge.store._spark import SparkSettings

    assert SparkSettings().local and not SparkSettings().connect
    assert SparkSettings(master="sc://127.0.0.1:15002").connect
    cluster = SparkSettings(master="spark://127.0.0.1:7077")
    assert not cluster.local and not cluster.connect
