"""Model formulas: parsed by formulaic, vetted so a node never evaluates caller code, and turned
into the complete-case design matrix every node builds the same way for the same formula."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
from formulaic import Formula, model_matrix  # type: ignore[import-untyped]
from formulaic.parser.types import Factor  # type: ignore[import-untyped]

from pmbridge.errors import QueryError

FloatArray = npt.NDArray[np.float64]
MAX_FORMULA_LENGTH = 1000
BoolArray = npt.NDArray[np.bool_]

_HINT = (
    "write the formula with declared variable names only, joined by + and : (a:b is their product); "
    "e.g. 'y ~ a + b + a:b', with '- 1' to drop the intercept; transformations such as log(a), I(a**2) "
    "or C(a) are not supported: declare a variable that already holds the value instead"
)


@dataclass(frozen=True, slots=True)
class ParsedFormula:
    """A vetted formula: its response (None for a one-sided ``~ a + b``), its terms as tuples of
    variable names (an interaction has several), and whether it has an intercept.

    >>> parse_formula("y ~ a + a:b", allowed={"y", "a", "b"}).text
    'y ~ 1 + a + a:b'
    """

    response: str | None
    terms: tuple[tuple[str, ...], ...]
    intercept: bool

    @property
    def names(self) -> tuple[str, ...]:
        """Every variable the formula uses, response first, each once, in order of appearance."""
        seen: dict[str, None] = {} if self.response is None else {self.response: None}
        for term in self.terms:
            seen.update(dict.fromkeys(term))
        return tuple(seen)

    @property
    def rhs(self) -> str:
        """The right-hand side rebuilt from vetted names only (what the node materialises)."""
        parts = ["1" if self.intercept else "0", *(":".join(term) for term in self.terms)]
        return " + ".join(parts)

    @property
    def text(self) -> str:
        return f"{self.response or ''} ~ {self.rhs}".lstrip()


def _vet_factor(factor: Factor, allowed: Collection[str], term: str) -> str:
    expr = str(factor.expr)
    if factor.eval_method is not Factor.EvalMethod.LOOKUP:
        raise QueryError(
            f"the formula term {term!r} is not allowed: {expr!r} is not a variable name", hint=_HINT
        )
    if expr not in allowed:
        raise QueryError(
            f"the formula term {term!r} uses {expr!r}, which is neither declared in 'variables' nor built in",
            hint="declare it under 'variables' (e.g. {\"" + expr + '": {"gene": "SCN1A"}}) or fix the name; '
            "built-ins are age, male, time and event",
        )
    return expr


def parse_formula(text: object, *, allowed: Collection[str], response: bool = True) -> ParsedFormula:
    """Parse ``text`` without evaluating anything and vet every factor against ``allowed`` names.

    ``response`` says whether the formula must have exactly one response (``y ~ ...``) or none
    (``~ ...``, as Cox models take).

    >>> parse_formula("~ a + b - 1", allowed={"a", "b"}, response=False).terms
    (('a',), ('b',))
    >>> parse_formula("y ~ log(a)", allowed={"y", "a"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pmbridge.errors.QueryError: the formula term 'log(a)' is not allowed: ...
    """
    if not isinstance(text, str) or "~" not in text:
        shape = "'y ~ a + b'" if response else "'~ a + b'"
        raise QueryError(f"the formula must be a string like {shape}, got {text!r:.80}", hint=_HINT)
    if len(text) > MAX_FORMULA_LENGTH:
        raise QueryError(f"the formula is longer than {MAX_FORMULA_LENGTH} characters", hint=_HINT)
    try:
        parsed = Formula(text)
        lhs_terms = list(parsed.lhs) if hasattr(parsed, "lhs") else []
        rhs_part = parsed.rhs if hasattr(parsed, "rhs") else parsed
        rhs_terms = list(rhs_part)
        pairs = [(str(term), list(term.factors)) for term in rhs_terms]
        lhs_pairs = [(str(term), list(term.factors)) for term in lhs_terms]
    except QueryError:
        raise
    except Exception as error:  # formulaic raises many kinds for a malformed formula
        raise QueryError(
            f"the formula {text!r} cannot be parsed: {type(error).__name__}", hint=_HINT
        ) from None
    if response and len(lhs_pairs) != 1:
        raise QueryError(
            f"the formula {text!r} must have exactly one response variable left of '~'", hint=_HINT
        )
    if not response and lhs_pairs:
        raise QueryError(f"the formula {text!r} must have no response: write it as '~ a + b'", hint=_HINT)
    outcome: str | None = None
    if lhs_pairs:
        term, factors = lhs_pairs[0]
        if len(factors) != 1:
            raise QueryError(f"the response {term!r} must be one variable", hint=_HINT)
        outcome = _vet_factor(factors[0], allowed, term)
    intercept = False
    terms: list[tuple[str, ...]] = []
    for term, factors in pairs:
        if len(factors) == 1 and factors[0].eval_method is Factor.EvalMethod.LITERAL:
            if str(factors[0].expr) != "1":
                raise QueryError(f"the formula term {term!r} is not allowed", hint=_HINT)
            intercept = True
            continue
        names = tuple(_vet_factor(factor, allowed, term) for factor in factors)
        if outcome is not None and outcome in names:
            raise QueryError(f"the response {outcome!r} also appears right of '~' in {term!r}", hint=_HINT)
        terms.append(names)
    if not terms and not intercept:
        raise QueryError(f"the formula {text!r} has no terms to estimate", hint=_HINT)
    return ParsedFormula(response=outcome, terms=tuple(terms), intercept=intercept)


@dataclass(frozen=True, slots=True)
class Design:
    """The complete-case model data one node holds: ``X`` (n × p), its ``columns`` as formulaic
    names them, ``y`` (None for a one-sided formula), ``offset`` (zeros when none), prior
    ``weights`` (ones when none), ``kept`` (which input rows were used), ``dropped`` (rows left
    out for a missing value) and ``data`` (each used variable's kept values, for disclosure checks)."""

    X: FloatArray
    columns: tuple[str, ...]
    y: FloatArray | None
    offset: FloatArray
    weights: FloatArray
    kept: BoolArray
    dropped: int
    data: Mapping[str, FloatArray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])


def _column(columns: Mapping[str, FloatArray], name: str, rows: int | None) -> FloatArray:
    if name not in columns:
        raise QueryError(
            f"no values for the variable {name!r}",
            hint="the node must read every variable the analysis names",
        )
    values = np.asarray(columns[name], dtype=np.float64)
    if values.ndim != 1 or (rows is not None and values.shape[0] != rows):
        raise QueryError(
            f"the variable {name!r} must be one value per person, as long as the others",
            hint="read every variable for the same people, missing values as NaN",
        )
    if np.isinf(values).any():
        raise QueryError(f"the variable {name!r} has infinite values", hint="store a missing value as NaN")
    return values


def build_design(
    formula: ParsedFormula,
    columns: Mapping[str, FloatArray],
    *,
    offset: str | None = None,
    weights: str | None = None,
    also_required: Sequence[str] = (),
) -> Design:
    """The design of ``formula`` on ``columns`` (one float array per variable, NaN = missing):
    rows missing any used variable (``also_required`` too, e.g. time and event) are dropped first.

    >>> d = build_design(parse_formula("y ~ a:b", allowed="yab"),
    ...                  {"y": np.array([1.0, 2.0, np.nan]), "a": np.ones(3), "b": np.arange(3.0)})
    >>> d.columns, d.X.tolist(), d.dropped
    (('Intercept', 'a:b'), [[1.0, 0.0], [1.0, 1.0]], 1)
    """
    used = list(dict.fromkeys([*formula.names, *(n for n in (offset, weights) if n), *also_required]))
    rows: int | None = None
    values: dict[str, FloatArray] = {}
    for name in used:
        values[name] = _column(columns, name, rows)
        rows = values[name].shape[0]
    total = rows or 0
    kept = np.ones(total, dtype=np.bool_)
    for column in values.values():
        kept &= ~np.isnan(column)
    data = {name: column[kept] for name, column in values.items()}
    n = int(kept.sum())
    if formula.terms:
        frame = pd.DataFrame({name: data[name] for name in formula.names if name != formula.response})
        # formulaic fails on an empty frame; the column names then come from a one-row stand-in.
        stand_in = frame if n else pd.DataFrame({name: [0.0] for name in frame.columns})
        matrix = model_matrix(formula.rhs, stand_in, context={})
        x = np.asarray(matrix.values, dtype=np.float64)[:n]
        names = tuple(str(c) for c in matrix.columns)
    else:
        x, names = np.ones((n, 1)), ("Intercept",)
    weight_values = data[weights] if weights else np.ones(n)
    if (weight_values <= 0).any():
        raise QueryError(
            f"the weights {weights!r} must be positive",
            hint="leave people out through the cohort, not a zero weight",
        )
    return Design(
        X=x,
        columns=names,
        y=None if formula.response is None else data[formula.response],
        offset=data[offset] if offset else np.zeros(n),
        weights=weight_values,
        kept=kept,
        dropped=total - n,
        data=data,
    )
