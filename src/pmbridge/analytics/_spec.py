"""The analysis request: the JSON the hub accepts and sends to nodes, parsed into typed specs with
every problem named, plus its canonical wire form and digest (for caching)."""

from __future__ import annotations

import hashlib
import itertools
import json
import keyword
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from pmbridge.analytics._formula import parse_formula
from pmbridge.errors import QueryError
from pmbridge.model import BUILT_INS, CODED, Source, Variable, built_in

Family = Literal["gaussian", "binomial", "poisson"]
Ties = Literal["efron", "breslow"]
Strata = Literal["node"]

MAX_ITERATIONS: Final[dict[str, int]] = {"glm": 25, "cox": 30}
DEFAULT_QUANTILES: Final[tuple[float, ...]] = (0.25, 0.5, 0.75)
_COMMON: Final[frozenset[str]] = frozenset({"analysis", "cohort", "variables"})
_KEYS: Final[dict[str, frozenset[str]]] = {
    "summary": _COMMON | {"variable", "edges", "quantiles"},
    "crosstab": _COMMON | {"rows", "columns"},
    "glm": _COMMON | {"formula", "family", "offset", "weights", "max_iterations"},
    "km": _COMMON | {"group", "bin_days"},
    "cox": _COMMON | {"formula", "ties", "strata", "bin_days", "max_iterations"},
}


@dataclass(frozen=True, slots=True)
class SummarySpec:
    cohort: Mapping[str, Any]
    variables: tuple[Variable, ...]
    variable: str
    edges: tuple[float, ...] | None = None
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES


@dataclass(frozen=True, slots=True)
class CrosstabSpec:
    cohort: Mapping[str, Any]
    variables: tuple[Variable, ...]
    rows: str
    columns: str


@dataclass(frozen=True, slots=True)
class GlmSpec:
    cohort: Mapping[str, Any]
    variables: tuple[Variable, ...]
    formula: str
    family: Family
    offset: str | None = None
    weights: str | None = None
    max_iterations: int = MAX_ITERATIONS["glm"]


@dataclass(frozen=True, slots=True)
class KaplanMeierSpec:
    cohort: Mapping[str, Any]
    variables: tuple[Variable, ...]
    group: str | None = None
    bin_days: int = 7


@dataclass(frozen=True, slots=True)
class CoxSpec:
    cohort: Mapping[str, Any]
    variables: tuple[Variable, ...]
    formula: str
    ties: Ties = "efron"
    strata: Strata | None = None
    bin_days: int = 7
    max_iterations: int = MAX_ITERATIONS["cox"]


AnalysisSpec = SummarySpec | CrosstabSpec | GlmSpec | KaplanMeierSpec | CoxSpec
_ANALYSIS: Final[dict[type, str]] = {
    SummarySpec: "summary",
    CrosstabSpec: "crosstab",
    GlmSpec: "glm",
    KaplanMeierSpec: "km",
    CoxSpec: "cox",
}


def _refuse(message: str, hint: str, *, request: str = "analysis request") -> QueryError:
    return QueryError(f"{request}: {message}", hint=hint)


MAX_VARIABLES = 50
"""The most variables one analysis may declare: each is a column the node reads for everyone."""


def declared_variables(doc: object, *, request: str = "analysis request") -> dict[str, Variable]:
    """The variables a request declares (name → {source: code}), every problem named; shared by
    analyses and trainings (``request`` says which in the messages)."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise _refuse(
            "'variables' must be an object of name → {source: code}",
            'e.g. {"scn1a": {"gene": "SCN1A"}}',
            request=request,
        )
    if len(doc) > MAX_VARIABLES:
        raise _refuse(
            f"a request may declare at most {MAX_VARIABLES} variables",
            "declare only what the request uses",
            request=request,
        )
    sources = sorted(s.value for s in CODED)
    declared: dict[str, Variable] = {}
    for name, body in doc.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise _refuse(
                f"variable name {name!r} is not a plain identifier",
                "use letters, digits and _, e.g. 'ldl'",
                request=request,
            )
        if name in BUILT_INS:
            raise _refuse(
                f"{name!r} is built in and cannot be declared",
                "use another name, or the built-in as is",
                request=request,
            )
        if not isinstance(body, dict) or len(body) != 1:
            raise _refuse(
                f"variable {name!r} must be one {{source: code}} pair",
                f"sources: {', '.join(sources)}",
                request=request,
            )
        ((source, code),) = body.items()
        if source not in sources:
            raise _refuse(
                f"variable {name!r} has unknown source {source!r}",
                f"use one of {', '.join(sources)}",
                request=request,
            )
        if not isinstance(code, str) or not code.strip():
            raise _refuse(
                f"variable {name!r} needs a code (a term, gene symbol or assay)",
                'e.g. {"gene": "SCN1A"}',
                request=request,
            )
        declared[name] = Variable(name, Source(source), code)
    return declared


class _Reader:
    """Reads one request, remembering every variable it uses (in order of first use)."""

    def __init__(self, doc: dict[str, Any], declared: dict[str, Variable]) -> None:
        self.doc = doc
        self.declared = declared
        self.used: dict[str, Variable] = {}

    def variable(self, key: str, name: object, *, binary: bool = False) -> str:
        if not isinstance(name, str):
            raise _refuse(f"'{key}' must name a variable", "declare it under 'variables' or use a built-in")
        found = self.declared.get(name) or built_in(name)
        if found is None:
            raise _refuse(
                f"'{key}' names {name!r}, which is neither declared nor built in",
                "declare it under 'variables'; built-ins are " + ", ".join(BUILT_INS),
            )
        if binary and not found.binary:
            raise _refuse(
                f"'{key}' needs a binary (0/1) variable, and {name!r} is a {found.source.value} value",
                "use a phenotype, gene, disease, treatment, response, male or event variable",
            )
        self.used.setdefault(name, found)
        return name

    def optional_variable(self, key: str, *, binary: bool = False) -> str | None:
        value = self.doc.get(key)
        return None if value is None else self.variable(key, value, binary=binary)

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.doc.get(key, default)
        if value not in options:
            raise _refuse(
                f"'{key}' must be one of {', '.join(options)}, got {value!r}", f"e.g. {options[0]!r}"
            )
        return str(value)

    def integer(self, key: str, default: int, *, cap: int | None = None) -> int:
        value = self.doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _refuse(f"'{key}' must be a whole number of at least 1, got {value!r}", f"e.g. {default}")
        return value if cap is None else min(value, cap)

    def numbers(self, key: str, default: tuple[float, ...] | None) -> tuple[float, ...] | None:
        value = self.doc.get(key, default)
        if value is None or isinstance(value, tuple):
            return value
        if not isinstance(value, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value
        ):
            raise _refuse(f"'{key}' must be a list of finite numbers", "e.g. [0.25, 0.5, 0.75]")
        return tuple(float(v) for v in value)

    def formula(self, *, response: bool, binary_response: bool = False) -> str:
        text = self.doc.get("formula")
        allowed = set(self.declared) | set(BUILT_INS)
        parsed = parse_formula(text, allowed=allowed, response=response)
        if parsed.response is not None:
            self.variable("formula", parsed.response, binary=binary_response)
        for name in parsed.names:
            self.variable("formula", name)
        return parsed.text


def _edges(values: tuple[float, ...] | None) -> tuple[float, ...] | None:
    if values is not None and len(values) > 1_000:
        raise _refuse("'edges' may hold at most 1,000 numbers", "use broader histogram bins")
    if values is not None and (len(values) < 2 or any(b <= a for a, b in itertools.pairwise(values))):
        raise _refuse("'edges' must be at least two increasing numbers", "e.g. [0, 20, 40, 60, 80, 100]")
    return values


def parse_analysis(doc: object) -> AnalysisSpec:
    """The typed spec of a JSON analysis request, or a QueryError naming what is wrong.

    >>> spec = parse_analysis({"analysis": "crosstab", "rows": "male", "columns": "scn1a",
    ...                        "variables": {"scn1a": {"gene": "SCN1A"}}})
    >>> spec.rows, [v.name for v in spec.variables]
    ('male', ['male', 'scn1a'])
    """
    if not isinstance(doc, dict):
        raise _refuse("the request must be a JSON object", 'e.g. {"analysis": "summary", "variable": "age"}')
    kind = doc.get("analysis")
    if kind not in _KEYS:
        raise _refuse(
            f"'analysis' must be one of {', '.join(_KEYS)}, got {kind!r}", "say which analysis to run"
        )
    unknown = sorted(str(k) for k in set(doc) - _KEYS[kind])
    if unknown:
        raise _refuse(
            f"unknown key{'s' if len(unknown) > 1 else ''} for a {kind} analysis: {', '.join(unknown)}",
            f"a {kind} analysis takes {', '.join(sorted(_KEYS[kind]))}",
        )
    cohort = doc.get("cohort", {})
    if not isinstance(cohort, dict):
        raise _refuse("'cohort' must be a Beacon query object", 'e.g. {"filters": [...]}, or leave it out')
    cohort = json.loads(json.dumps(cohort))  # a private copy, and proof that it is JSON
    read = _Reader(doc, declared_variables(doc.get("variables")))
    if kind == "summary":
        variable = read.variable("variable", doc.get("variable"))
        edges = _edges(read.numbers("edges", None))
        quantiles = read.numbers("quantiles", DEFAULT_QUANTILES) or ()
        if not quantiles or any(not 0 <= q <= 1 for q in quantiles):
            raise _refuse("'quantiles' must be numbers between 0 and 1", "e.g. [0.25, 0.5, 0.75]")
        return SummarySpec(cohort, tuple(read.used.values()), variable, edges, quantiles)
    if kind == "crosstab":
        rows = read.variable("rows", doc.get("rows"), binary=True)
        columns = read.variable("columns", doc.get("columns"), binary=True)
        if rows == columns:
            raise _refuse("'rows' and 'columns' name the same variable", "cross two different variables")
        return CrosstabSpec(cohort, tuple(read.used.values()), rows, columns)
    if kind == "glm":
        family = cast("Family", read.choice("family", ("gaussian", "binomial", "poisson")))
        formula = read.formula(response=True, binary_response=family == "binomial")
        offset = read.optional_variable("offset")
        weights = read.optional_variable("weights")
        iterations = read.integer("max_iterations", MAX_ITERATIONS["glm"], cap=MAX_ITERATIONS["glm"])
        return GlmSpec(
            cohort,
            tuple(read.used.values()),
            formula,
            family,
            offset,
            weights,
            iterations,
        )
    read.variable("time", "time")
    read.variable("event", "event")
    if kind == "km":
        group = read.optional_variable("group", binary=True)
        return KaplanMeierSpec(cohort, tuple(read.used.values()), group, read.integer("bin_days", 7))
    formula = read.formula(response=False)
    ties = cast("Ties", read.choice("ties", ("efron", "breslow"), "efron"))
    strata = None if doc.get("strata") is None else cast("Strata", read.choice("strata", ("node",)))
    return CoxSpec(
        cohort,
        tuple(read.used.values()),
        formula,
        ties,
        strata,
        read.integer("bin_days", 7),
        read.integer("max_iterations", MAX_ITERATIONS["cox"], cap=MAX_ITERATIONS["cox"]),
    )


def spec_to_wire(spec: AnalysisSpec) -> dict[str, Any]:
    """The request as JSON again (only the variables it uses are declared); parsing it gives ``spec``."""
    wire: dict[str, Any] = {
        "analysis": _ANALYSIS[type(spec)],
        "cohort": json.loads(json.dumps(dict(spec.cohort))),
        "variables": {v.name: {v.source.value: v.code} for v in spec.variables if v.name not in BUILT_INS},
    }
    if isinstance(spec, SummarySpec):
        edges = None if spec.edges is None else list(spec.edges)
        wire.update(variable=spec.variable, edges=edges, quantiles=list(spec.quantiles))
    elif isinstance(spec, CrosstabSpec):
        wire.update(rows=spec.rows, columns=spec.columns)
    elif isinstance(spec, GlmSpec):
        wire.update(
            formula=spec.formula,
            family=spec.family,
            offset=spec.offset,
            weights=spec.weights,
            max_iterations=spec.max_iterations,
        )
    elif isinstance(spec, KaplanMeierSpec):
        wire.update(group=spec.group, bin_days=spec.bin_days)
    else:
        wire.update(
            formula=spec.formula,
            ties=spec.ties,
            strata=spec.strata,
            bin_days=spec.bin_days,
            max_iterations=spec.max_iterations,
        )
    return wire


def spec_digest(spec: AnalysisSpec) -> str:
    """A stable sha256 of the canonical wire form: equal specs, equal digests.

    >>> a = parse_analysis({"analysis": "summary", "variable": "age"})
    >>> b = parse_analysis({"variable": "age", "analysis": "summary", "quantiles": [0.25, 0.5, 0.75]})
    >>> spec_digest(a) == spec_digest(b), len(spec_digest(a))
    (True, 64)
    """
    canonical = json.dumps(spec_to_wire(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def analysis_kind(spec: AnalysisSpec) -> str:
    """The analysis's name on the wire.

    >>> analysis_kind(parse_analysis({"analysis": "summary", "variable": "age"}))
    'summary'
    """
    return _ANALYSIS[type(spec)]


def model_digest(spec: AnalysisSpec) -> str:
    """A digest of what the analysis computes, leaving out what does not change it (the iteration
    cap, the quantiles read from a histogram): the key a node counts evaluations under.

    >>> a = parse_analysis({"analysis": "glm", "formula": "y ~ age", "family": "gaussian",
    ...                     "variables": {"y": {"measurement": "LOINC:2089-1"}}})
    >>> b = parse_analysis({"analysis": "glm", "formula": "y ~ age", "family": "gaussian",
    ...                     "variables": {"y": {"measurement": "LOINC:2089-1"}}, "max_iterations": 3})
    >>> model_digest(a) == model_digest(b), spec_digest(a) == spec_digest(b)
    (True, False)
    """
    wire = {k: v for k, v in spec_to_wire(spec).items() if k not in {"max_iterations", "quantiles"}}
    canonical = json.dumps(wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
