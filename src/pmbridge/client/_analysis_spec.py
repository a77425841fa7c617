"""The body of ``POST /api/analyses`` (the analysis spec), built from keyword options or a dict, and
the ``name=source:code`` variable shorthand the CLI and the portal share. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from pmbridge.errors import QueryError

__all__ = ["ANALYSES", "BUILT_IN_VARIABLES", "VARIABLE_SOURCES", "analysis_body", "parse_variable"]

ANALYSES: Final = ("summary", "crosstab", "glm", "km", "cox")
VARIABLE_SOURCES: Final = ("phenotype", "gene", "disease", "measurement", "treatment", "response")
BUILT_IN_VARIABLES: Final = ("age", "male", "time", "event")
_NEEDS: Final = {
    "summary": ("variable",),
    "crosstab": ("rows", "columns"),
    "glm": ("formula",),
    "km": (),
    "cox": ("formula",),
}
"""The options each analysis cannot do without (the hub checks the rest)."""

Cohort = Sequence[str | Mapping[str, str]] | Mapping[str, object]


def parse_variable(text: str) -> tuple[str, dict[str, str]]:
    """A variable declaration ``name=source:code`` (the code may hold colons itself).

    >>> parse_variable("seizures=phenotype:HP:0001250")
    ('seizures', {'phenotype': 'HP:0001250'})
    >>> parse_variable("hb = measurement:LOINC:718-7")
    ('hb', {'measurement': 'LOINC:718-7'})
    """
    name, equals, declared = (part.strip() for part in text.partition("="))
    source, colon, code = (part.strip() for part in declared.partition(":"))
    if not (name and equals and colon and code) or source not in VARIABLE_SOURCES:
        raise QueryError(
            f"cannot read the variable {text!r}",
            hint=f"write name=source:code, e.g. fbn1=gene:FBN1; sources: {', '.join(VARIABLE_SOURCES)} "
            f"({', '.join(BUILT_IN_VARIABLES)} need no declaration)",
        )
    return name, {source: code}


def cohort_query(cohort: Cohort) -> dict[str, object]:
    """The cohort as a Beacon query: a list of filters (ids or filter dicts), or the query itself.

    >>> cohort_query(["HP:0001250", {"id": "geneId", "operator": "=", "value": "SCN1A"}])["filters"][0]
    {'id': 'HP:0001250'}
    """
    if isinstance(cohort, Mapping):
        return dict(cohort)
    return {"filters": [{"id": f} if isinstance(f, str) else dict(f) for f in cohort]}


def analysis_body(spec: Mapping[str, object] | None = None, **options: object) -> dict[str, object]:
    """The analysis spec: ``spec`` (a dict as the hub takes it), overridden by every option that is
    not None; ``cohort`` may be a list of filters, ``variables`` may hold ``source:code`` strings.
    Raises :class:`QueryError` naming every missing option at once.

    >>> analysis_body(analysis="glm", formula="y ~ age", family="binomial", cohort=["HP:0001250"],
    ...               variables={"y": "phenotype:HP:0001166"}, group=None)["variables"]
    {'y': {'phenotype': 'HP:0001166'}}
    >>> analysis_body({"analysis": "km"})
    {'analysis': 'km', 'cohort': {'filters': []}}
    """
    body: dict[str, object] = dict(spec or {})
    body.update({name: value for name, value in options.items() if value is not None})
    kind = body.get("analysis")
    if kind not in ANALYSES:
        raise QueryError(
            f"unknown analysis {kind!r}" if kind else "no analysis named",
            hint=f"analysis is one of {', '.join(ANALYSES)}",
        )
    body["cohort"] = cohort_query(body.get("cohort") or ())  # type: ignore[arg-type]
    declared = body.get("variables")
    if isinstance(declared, Mapping):
        body["variables"] = {name: _source(name, given) for name, given in declared.items()}
    for name in ("edges", "quantiles"):
        if isinstance(body.get(name), Sequence):
            body[name] = list(body[name])  # type: ignore[call-overload]
    missing = [name for name in _NEEDS[str(kind)] if not body.get(name)]
    if missing:
        raise QueryError(
            f"a {kind} analysis needs {' and '.join(missing)}",
            hint=_EXAMPLES[str(kind)],
        )
    return body


def _source(name: object, given: object) -> object:
    if isinstance(given, str):
        return parse_variable(f"{name}={given}")[1]
    return dict(given) if isinstance(given, Mapping) else given


_EXAMPLES: Final = {
    "summary": 'e.g. variable="age" (or a declared measurement)',
    "crosstab": 'e.g. rows="male", columns="seizures" (binary variables)',
    "glm": 'e.g. formula="seizures ~ male + age", family="binomial"',
    "km": 'e.g. group="male" (or none), bin_days=7',
    "cox": 'e.g. formula="~ male + age"',
}
