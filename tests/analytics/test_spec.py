"""The analysis request: typed specs, every problem named, round-trips and a stable digest."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pmbridge.analytics import (
    CoxSpec,
    CrosstabSpec,
    GlmSpec,
    KaplanMeierSpec,
    SummarySpec,
    parse_analysis,
    spec_digest,
    spec_to_wire,
)
from pmbridge.errors import QueryError
from pmbridge.model import Source, Variable

VARIABLES = {
    "scn1a": {"gene": "SCN1A"},
    "seizure": {"phenotype": "HP:0001250"},
    "ldl": {"measurement": "LOINC:2089-1"},
    "statin": {"treatment": "CHEBI:87631"},
}

REQUESTS: list[dict[str, Any]] = [
    {"analysis": "summary", "variable": "ldl", "variables": VARIABLES, "edges": [0, 2, 4, 6]},
    {"analysis": "summary", "variable": "age"},
    {"analysis": "crosstab", "rows": "scn1a", "columns": "male", "variables": VARIABLES},
    {
        "analysis": "glm",
        "formula": "seizure ~ age + scn1a + scn1a:age",
        "family": "binomial",
        "variables": VARIABLES,
        "cohort": {"filters": [{"id": "HP:0001250"}]},
    },
    {
        "analysis": "glm",
        "formula": "ldl ~ age + male - 1",
        "family": "gaussian",
        "weights": "statin",
        "variables": VARIABLES,
        "max_iterations": 10,
    },
    {"analysis": "km", "group": "scn1a", "variables": VARIABLES, "bin_days": 30},
    {"analysis": "km"},
    {
        "analysis": "cox",
        "formula": "~ age + scn1a",
        "strata": "node",
        "ties": "breslow",
        "variables": VARIABLES,
    },
]


@pytest.mark.parametrize("request_doc", REQUESTS)
def test_round_trip_and_digest(request_doc: dict[str, Any]) -> None:
    spec = parse_analysis(copy.deepcopy(request_doc))
    wire = spec_to_wire(spec)
    assert parse_analysis(wire) == spec
    assert spec_to_wire(parse_analysis(wire)) == wire
    assert spec_digest(parse_analysis(wire)) == spec_digest(spec)


def test_specs_carry_the_variables_they_use() -> None:
    glm = parse_analysis(REQUESTS[3])
    assert isinstance(glm, GlmSpec)
    assert glm.variables == (
        Variable("seizure", Source.PHENOTYPE, "HP:0001250"),
        Variable("age", Source.AGE),
        Variable("scn1a", Source.GENE, "SCN1A"),
    )
    assert glm.cohort == {"filters": [{"id": "HP:0001250"}]}
    km = parse_analysis({"analysis": "km"})
    assert isinstance(km, KaplanMeierSpec)
    assert [v.name for v in km.variables] == ["time", "event"]
    assert km.bin_days == 7
    cox = parse_analysis(REQUESTS[-1])
    assert isinstance(cox, CoxSpec)
    assert {v.name for v in cox.variables} == {"time", "event", "age", "scn1a"}
    assert cox.max_iterations == 30
    summary = parse_analysis(REQUESTS[1])
    assert isinstance(summary, SummarySpec)
    assert summary.quantiles == (0.25, 0.5, 0.75)
    assert summary.variables == (Variable("age", Source.AGE),)
    assert isinstance(parse_analysis(REQUESTS[2]), CrosstabSpec)


def test_digest_ignores_key_order_and_spacing_but_not_meaning() -> None:
    a = parse_analysis(
        {"analysis": "glm", "formula": "ldl~age+male", "family": "gaussian", "variables": VARIABLES}
    )
    b = parse_analysis(
        {"variables": VARIABLES, "family": "gaussian", "formula": "ldl ~ age + male", "analysis": "glm"}
    )
    c = parse_analysis(
        {"analysis": "glm", "formula": "ldl ~ age", "family": "gaussian", "variables": VARIABLES}
    )
    assert spec_digest(a) == spec_digest(b) != spec_digest(c)


def test_max_iterations_is_capped() -> None:
    spec = parse_analysis(
        {
            "analysis": "glm",
            "formula": "ldl ~ age",
            "family": "gaussian",
            "variables": VARIABLES,
            "max_iterations": 500,
        }
    )
    assert isinstance(spec, GlmSpec) and spec.max_iterations == 25


BAD: list[tuple[object, str]] = [
    ([], "must be a JSON object"),
    ({"analysis": "anova"}, "'analysis' must be one of"),
    (
        {"analysis": "summary", "variable": "age", "colour": 1, "bins": 2},
        "unknown keys for a summary analysis: bins, colour",
    ),
    (
        {"analysis": "crosstab", "rows": "male", "columns": "event", "formula": "y ~ x"},
        "unknown key for a crosstab analysis: formula",
    ),
    ({"analysis": "summary", "variable": "nope"}, "'nope', which is neither declared nor built in"),
    ({"analysis": "summary", "variable": "x", "variables": {"x": {"gene": ""}}}, "needs a code"),
    (
        {"analysis": "summary", "variable": "x", "variables": {"x": {"colour": "red"}}},
        "unknown source 'colour'",
    ),
    ({"analysis": "summary", "variable": "x", "variables": {"x": {"age": "1"}}}, "unknown source 'age'"),
    ({"analysis": "summary", "variable": "age", "variables": {"age": {"gene": "X"}}}, "built in"),
    (
        {"analysis": "summary", "variable": "age", "variables": {"1x": {"gene": "X"}}},
        "not a plain identifier",
    ),
    (
        {"analysis": "summary", "variable": "age", "variables": {"class": {"gene": "X"}}},
        "not a plain identifier",
    ),
    (
        {"analysis": "summary", "variable": "age", "variables": {"x": {"gene": "X", "disease": "Y"}}},
        "one {source: code}",
    ),
    ({"analysis": "summary", "variable": "age", "edges": [3, 1]}, "increasing"),
    ({"analysis": "summary", "variable": "age", "quantiles": [1.5]}, "between 0 and 1"),
    ({"analysis": "summary", "variable": "age", "edges": ["a"]}, "finite numbers"),
    ({"analysis": "crosstab", "rows": "age", "columns": "male"}, "binary"),
    ({"analysis": "crosstab", "rows": "ldl", "columns": "male", "variables": VARIABLES}, "binary"),
    ({"analysis": "crosstab", "rows": "male", "columns": "male"}, "same variable"),
    ({"analysis": "glm", "formula": "ldl ~ age", "family": "binomial", "variables": VARIABLES}, "binary"),
    (
        {"analysis": "glm", "formula": "ldl ~ age", "family": "gamma", "variables": VARIABLES},
        "'family' must be one of",
    ),
    ({"analysis": "glm", "formula": "ldl ~ age + b", "family": "gaussian", "variables": VARIABLES}, "'b'"),
    (
        {"analysis": "glm", "formula": "ldl ~ np.log(age)", "family": "gaussian", "variables": VARIABLES},
        "np.log",
    ),
    (
        {
            "analysis": "glm",
            "formula": "ldl ~ age",
            "family": "gaussian",
            "offset": "zz",
            "variables": VARIABLES,
        },
        "'zz'",
    ),
    (
        {
            "analysis": "glm",
            "formula": "ldl ~ age",
            "family": "gaussian",
            "variables": VARIABLES,
            "max_iterations": 0,
        },
        "at least 1",
    ),
    (
        {
            "analysis": "glm",
            "formula": "ldl ~ age",
            "family": "gaussian",
            "variables": VARIABLES,
            "max_iterations": True,
        },
        "whole number",
    ),
    ({"analysis": "km", "group": "age"}, "binary"),
    ({"analysis": "km", "bin_days": 0}, "at least 1"),
    ({"analysis": "cox", "formula": "time ~ age"}, "no response"),
    ({"analysis": "cox", "formula": "~ age", "ties": "exact"}, "'ties' must be one of"),
    ({"analysis": "cox", "formula": "~ age", "strata": "site"}, "'strata' must be one of"),
    ({"analysis": "summary", "variable": "age", "cohort": []}, "Beacon query object"),
]


@pytest.mark.parametrize(("doc", "message"), BAD)
def test_bad_requests_are_named(doc: object, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_analysis(doc)
    assert message in caught.value.message
    assert caught.value.hint
