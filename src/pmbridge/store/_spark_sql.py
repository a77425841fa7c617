"""The store's DuckDB-dialect SQL as Spark SQL: one query text, transpiled by SQLGlot, never a second copy.

Each ``?`` becomes a literal node of its parameter in the syntax tree (SQLGlot escapes it), so no
value is ever pasted into SQL text and Spark's own positional binding is never used.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError

from pmbridge.errors import StoreError
from pmbridge.store._compile import CompiledQuery

_DUCKDB = Dialect.get_or_raise("duckdb")
_MARK = "pmbridge_p"  # named marks $pmbridge_p0, $pmbridge_p1… stand for the `?` in text order
_ESCAPES = tuple(chr(c) for c in range(1, 32))  # LIKE escape candidates: control characters


def to_spark(compiled: CompiledQuery) -> str:
    """``compiled`` as one Spark SQL statement with its parameters inlined as literals.

    >>> to_spark(CompiledQuery("SELECT list(x) FROM t WHERE y = ? AND z IN (?, ?)", ("a'b", 2, True)))
    "SELECT COLLECT_LIST(x) FROM t WHERE y = 'a\\\\'b' AND z IN (2, TRUE)"
    """
    named = _named_marks(compiled.sql, len(compiled.params))
    try:
        tree = sqlglot.parse_one(named, dialect=_DUCKDB)
    except SqlglotError as exc:
        raise StoreError(
            f"the store's SQL could not be parsed for Spark: {exc}",
            hint="report this statement: the store's SQL must stay in the portable subset (docs/scale.md)",
        ) from exc
    values = [literal(value) for value in compiled.params]

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and str(node.this).startswith(_MARK):
            return values[int(str(node.this)[len(_MARK) :])].copy()
        return node

    tree = tree.transform(bind, copy=False)
    tree = tree.transform(_escaped_like, copy=False)
    return tree.sql(dialect="spark")


def _named_marks(sql: str, count: int) -> str:
    """``sql`` with its ``?`` marks (tokens, so never one inside a string or a comment) named in order.

    SQLGlot's tree does not keep the marks in text order (a WITH is attached after the SELECT it
    precedes), so each mark is named before parsing and bound by name.
    """
    # `?::` (a mark cast at once) is one token of its own.
    marks = [t for t in _DUCKDB.tokenize(sql) if t.token_type in (TokenType.PLACEHOLDER, TokenType.QDCOLON)]
    if len(marks) != count:
        raise StoreError(
            f"the statement has {len(marks)} ? marks but {count} parameters",
            hint="a compiler bug: each ? needs exactly one parameter, in the order the marks appear",
        )
    pieces: list[str] = []
    done = 0
    for k, token in enumerate(marks):
        pieces += [sql[done : token.start], f" ${_MARK}{k}"]
        done = token.start + 1  # a `?::` token keeps its `::`
    return "".join([*pieces, sql[done:]])


def literal(value: object) -> exp.Expression:
    """The SQL literal node for one parameter; refuses types whose Spark meaning would differ.

    >>> literal(None).sql("spark"), literal(1.5).sql("spark"), literal(date(2020, 2, 1)).sql("spark")
    ('NULL', 'CAST(1.5 AS DOUBLE)', "CAST('2020-02-01' AS DATE)")
    """
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        if not math.isfinite(value):  # no number literal: the spelling both engines cast
            spelled = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            return exp.cast(exp.Literal.string(spelled), exp.DataType.Type.DOUBLE)
        # A bare 1.5 is a DECIMAL in Spark and DuckDB; the store's parameters are doubles.
        return exp.cast(exp.Literal.number(repr(value)), exp.DataType.Type.DOUBLE)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(item) for item in value])
    raise StoreError(
        f"a parameter of type {type(value).__name__} has no Spark literal",
        hint="pass str, int, float, bool, None, datetime.date or a list of them",
    )


def _escaped_like(node: exp.Expression) -> exp.Expression:
    """A LIKE whose pattern holds a backslash gets an ESCAPE character the pattern lacks.

    DuckDB's LIKE has no escape character unless one is named; Spark's escapes with ``\\``, so
    ``a\\b`` would mean another pattern there (or be refused). Naming an unused character makes
    both read the backslash literally.
    """
    if not isinstance(node, exp.Like) or isinstance(node.parent, exp.Escape):
        return node
    if not isinstance(node.expression, exp.Literal):
        return node
    pattern = str(node.expression.this)
    if "\\" not in pattern or not node.expression.is_string:
        return node
    free = next((c for c in _ESCAPES if c not in pattern), None)
    if free is None:  # pragma: no cover - a pattern holding all 31 control characters
        raise StoreError(
            "a LIKE pattern holds every control character",
            hint="remove control characters from the query's text",
        )
    return exp.Escape(this=node, expression=exp.Literal.string(free))
