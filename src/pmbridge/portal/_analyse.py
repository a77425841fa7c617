"""The analysis page's question: read from a query string (the cohort as in the explorer, variables,
the analysis and its options), checked field by field, and turned into the hub's analysis spec.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode

from pmbridge.client import ANALYSES, VARIABLE_SOURCES, analysis_body
from pmbridge.portal._i18n import N_
from pmbridge.portal._query import ExplorerQuery, Problem, read_query
from pmbridge.portal._terms import Resolution, TermIndex, TermMatch

KINDS: Final = {
    "glm": N_("Regression model (GLM)"),
    "cox": N_("Cox proportional hazards model"),
    "km": N_("Kaplan–Meier survival curves"),
    "summary": N_("Summary of one variable"),
    "crosstab": N_("Crosstab of two binary variables"),
}
FAMILIES: Final = {
    "gaussian": N_("gaussian (linear)"),
    "binomial": N_("binomial (logistic)"),
    "poisson": N_("poisson (counts)"),
}
TIES: Final = {"efron": "Efron", "breslow": "Breslow"}
SOURCES: Final = {
    "phenotype": N_("phenotype (HPO id)"),
    "gene": N_("gene (HGNC symbol)"),
    "disease": N_("disease (OMIM, ORPHA or MONDO id)"),
    "measurement": N_("measurement (LOINC id)"),
    "treatment": N_("treatment (agent id)"),
    "response": N_("response (agent id)"),
}
VARIABLE_ROWS: Final = 3
"""Empty variable rows the form offers beyond those filled in."""
_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._-]{0,63}")
_OPTION: Final = re.compile(r"[A-Za-z0-9_ ~+*:().-]{0,200}")
_NEEDED: Final = {
    "glm": (("formula", N_("Give a formula, such as “seizures ~ male + age”.")),),
    "cox": (("formula", N_("Give a formula, such as “~ male + age”.")),),
    "summary": (("variable", N_("Name the variable to summarise, such as age.")),),
    "crosstab": (
        ("rows", N_("Name the row variable (binary), such as male.")),
        ("columns", N_("Name the column variable (binary).")),
    ),
    "km": (),
}


@dataclass(frozen=True, slots=True)
class Variable:
    """One declared variable row of the form: name, source and code (any may be empty)."""

    name: str
    source: str
    code: str


@dataclass(frozen=True, slots=True)
class AnalysisForm:
    """One analysis question, as the page's query string holds it; ``problems`` keep it from being asked."""

    cohort: ExplorerQuery
    analysis: str = "glm"
    variables: tuple[Variable, ...] = ()
    formula: str = ""
    family: str = "binomial"
    group: str = ""
    bin_days: int | None = None
    ties: str = "efron"
    strata: bool = False
    variable: str = ""
    rows: str = ""
    columns: str = ""
    run: bool = False
    problems: tuple[Problem, ...] = field(default=())

    @property
    def terms(self) -> tuple[TermMatch, ...]:
        return self.cohort.terms

    @property
    def unresolved(self) -> tuple[Resolution, ...]:
        return self.cohort.unresolved

    @property
    def ready(self) -> bool:
        """Asked, and nothing to fix."""
        return self.run and not self.problems and not self.cohort.problems and not self.unresolved

    @property
    def variable_rows(self) -> tuple[Variable, ...]:
        """The declared rows and empty ones to fill in."""
        return (*self.variables, *(Variable("", "phenotype", "") for _ in range(VARIABLE_ROWS)))

    def spec(self) -> dict[str, object]:
        """The hub's analysis spec for this question (only the options its analysis takes)."""
        options: dict[str, object] = {
            "analysis": self.analysis,
            "cohort": self.cohort.filters(),
            "variables": {v.name: {v.source: v.code} for v in self.variables},
        }
        if self.analysis == "glm":
            options |= {"formula": self.formula, "family": self.family}
        elif self.analysis == "cox":
            options |= {
                "formula": self.formula,
                "ties": self.ties,
                **({"strata": "node"} if self.strata else {}),
            }
        elif self.analysis == "km" and self.group:
            options["group"] = self.group
        elif self.analysis == "summary":
            options["variable"] = self.variable
        elif self.analysis == "crosstab":
            options |= {"rows": self.rows, "columns": self.columns}
        if self.analysis in ("km", "cox") and self.bin_days is not None:
            options["bin_days"] = self.bin_days
        return analysis_body(options)

    def params(self) -> list[tuple[str, str]]:
        """The canonical query string pairs (the cohort's first, ids instead of typed labels)."""
        pairs = [p for p in self.cohort.params() if p[0] not in ("run", "breakdowns")]
        pairs.append(("analysis", self.analysis))
        for v in self.variables:
            pairs += [("vname", v.name), ("vsource", v.source), ("vcode", v.code)]
        for name, value in (
            ("formula", self.formula),
            ("family", self.family if self.analysis == "glm" else ""),
            ("group", self.group),
            ("bin_days", "" if self.bin_days is None else str(self.bin_days)),
            ("ties", self.ties if self.analysis == "cox" else ""),
            ("strata", "node" if self.strata else ""),
            ("variable", self.variable),
            ("rows", self.rows),
            ("columns", self.columns),
            ("run", "1" if self.run else ""),
        ):
            if value:
                pairs.append((name, value))
        return pairs

    def query_string(self) -> str:
        return urlencode(self.params())

    def without_term(self, term_id: str) -> str:
        """The URL query with one phenotype removed (the chips' remove links)."""
        return urlencode([p for p in self.params() if p != ("hpo", term_id) and p[0] != "run"])

    def choosing(self, resolution: Resolution, term_id: str) -> str:
        """The URL query with an ambiguous phenotype replaced by the chosen term."""
        return urlencode([("hpo", term_id) if p == ("hpo", resolution.text) else p for p in self.params()])


def read_analysis(params: Sequence[tuple[str, str]], *, index: TermIndex) -> AnalysisForm:
    """The question in ``params``; every problem is collected, none raised."""
    cohort = read_query(params, index=index)
    single = {k: v.strip() for k, v in params if k not in ("hpo", "vname", "vsource", "vcode")}
    problems: list[Problem] = []
    analysis = single.get("analysis", "") or "glm"
    if analysis not in ANALYSES:
        problems.append(Problem("analysis", N_("Choose an analysis from the list.")))
        analysis = "glm"
    variables = _variables(params, problems)
    texts = {name: single.get(name, "") for name in ("formula", "group", "variable", "rows", "columns")}
    for name, text in texts.items():
        if not _OPTION.fullmatch(text):
            problems.append(Problem(name, N_("Use only letters, digits, spaces and + ~ * : ( ) here.")))
            texts[name] = ""
    family = single.get("family", "") or "binomial"
    if family not in FAMILIES:
        problems.append(Problem("family", N_("Choose a family from the list.")))
        family = "binomial"
    ties = single.get("ties", "") or "efron"
    if ties not in TIES:
        problems.append(Problem("ties", N_("Choose how to handle tied event times from the list.")))
        ties = "efron"
    bin_days = _bin_days(single.get("bin_days", ""), problems)
    run = single.get("run", "") not in ("", "0")
    if run:
        problems += [Problem(name, message) for name, message in _NEEDED[analysis] if not texts[name]]
    return AnalysisForm(
        cohort=cohort,
        analysis=analysis,
        variables=variables,
        family=family,
        ties=ties,
        strata=single.get("strata", "") == "node",
        bin_days=bin_days,
        run=run,
        problems=tuple(problems),
        **texts,
    )


def _variables(params: Sequence[tuple[str, str]], problems: list[Problem]) -> tuple[Variable, ...]:
    names = [v.strip() for k, v in params if k == "vname"]
    sources = [v.strip() for k, v in params if k == "vsource"]
    codes = [v.strip() for k, v in params if k == "vcode"]
    found: list[Variable] = []
    for i, name in enumerate(names):
        source = sources[i] if i < len(sources) else ""
        code = codes[i] if i < len(codes) else ""
        if not name and not code:
            continue  # an empty row of the form
        if not _NAME.fullmatch(name):
            problems.append(
                Problem("variables", N_("A variable name starts with a letter: letters, digits and _ only."))
            )
        elif source not in VARIABLE_SOURCES:
            problems.append(Problem("variables", N_("Choose where each variable comes from.")))
        elif not _CODE.fullmatch(code):
            problems.append(
                Problem("variables", N_("Give each variable a code, such as HP:0001250 or FBN1."))
            )
        elif any(v.name == name for v in found):
            problems.append(Problem("variables", N_("Each variable needs its own name.")))
        found.append(Variable(name, source if source in VARIABLE_SOURCES else "phenotype", code))
    return tuple(found)


def _bin_days(text: str, problems: list[Problem]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 365:
        problems.append(Problem("bin_days", N_("Give the bin width in whole days from 1 to 365.")))
        return None
    return int(text)
