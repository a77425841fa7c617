"""``pmbridge analyse``: run one federated analysis (GLM, Cox, Kaplan–Meier, summary, crosstab) through
the hub and print its table with how every number was released and how each node took part.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._app import app
from pmbridge.cli._query import read_passport, refusal_error
from pmbridge.client import AnalysisResult, HubClient, analysis_body, parse_variable
from pmbridge.errors import PMBridgeError

console = Console()


class Kind(StrEnum):
    GLM = "glm"
    COX = "cox"
    KM = "km"
    SUMMARY = "summary"
    CROSSTAB = "crosstab"


def build_spec(
    kind: str,
    *,
    filters: Sequence[str] = (),
    variables: Sequence[str] = (),
    **options: object,
) -> dict[str, object]:
    """The analysis spec the command sends: ``--filter`` ids as the cohort, ``--var name=source:code``
    declarations, and every other option given.

    >>> spec = build_spec("glm", filters=["HP:0001250"], variables=["fbn1=gene:FBN1"],
    ...                   formula="fbn1 ~ male", family="binomial", group=None)
    >>> spec["cohort"], spec["variables"], spec["family"]
    ({'filters': [{'id': 'HP:0001250'}]}, {'fbn1': {'gene': 'FBN1'}}, 'binomial')
    """
    declared = dict(parse_variable(text) for text in variables)
    spec = {name: value for name, value in options.items() if value is not None}
    spec |= {"analysis": kind, "cohort": [f.strip() for f in filters if f.strip()]}
    return analysis_body(spec | ({"variables": declared} if declared else {}))


@app.command("analyse")
def analyse_command(
    kind: Annotated[Kind, typer.Argument(help="glm, cox, km, summary or crosstab.")],
    url: Annotated[str, typer.Option("--url", help="Hub base URL.")] = "http://127.0.0.1:8100",
    passport: Annotated[
        str | None,
        typer.Option(
            "--passport",
            help="A GA4GH passport (JWT), or @FILE to read it from a file; default: anonymous.",
            envvar="PMBRIDGE_PASSPORT",
        ),
    ] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="A cohort filter id (HP:…, OMIM:…, ORPHA:…, MONDO:…); repeat for AND."),
    ] = None,
    variables: Annotated[
        list[str] | None,
        typer.Option("--var", help="A variable as name=source:code, e.g. fbn1=gene:FBN1; repeatable."),
    ] = None,
    formula: Annotated[str | None, typer.Option(help="glm: 'y ~ a + b + a:b'; cox: '~ male + age'.")] = None,
    family: Annotated[str | None, typer.Option(help="glm: gaussian, binomial or poisson.")] = None,
    offset: Annotated[str | None, typer.Option(help="glm: the offset variable.")] = None,
    weights: Annotated[str | None, typer.Option(help="glm: the weights variable.")] = None,
    group: Annotated[str | None, typer.Option(help="km: a binary variable to split the curves by.")] = None,
    bin_days: Annotated[
        int | None, typer.Option(help="km, cox: width of the event-time bins (days).")
    ] = None,
    ties: Annotated[str | None, typer.Option(help="cox: efron or breslow.")] = None,
    strata: Annotated[str | None, typer.Option(help="cox: 'node' for a baseline per node.")] = None,
    variable: Annotated[str | None, typer.Option(help="summary: the variable to describe.")] = None,
    rows: Annotated[str | None, typer.Option(help="crosstab: the row variable (binary).")] = None,
    columns: Annotated[str | None, typer.Option(help="crosstab: the column variable (binary).")] = None,
    purpose: Annotated[str | None, typer.Option(help="Purpose of use (default: research).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the hub's reply as JSON.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 120.0,
) -> None:
    """Run a federated analysis over the network and print its result, how it was released and
    which nodes took part."""
    spec = build_spec(
        kind.value,
        filters=filters or [],
        variables=variables or [],
        formula=formula,
        family=family,
        offset=offset,
        weights=weights,
        group=group,
        bin_days=bin_days,
        ties=ties,
        strata=strata,
        variable=variable,
        rows=rows,
        columns=columns,
    )
    try:
        with HubClient(url, passport=read_passport(passport), purpose=purpose, timeout=timeout) as hub:
            if as_json:
                console.print_json(json.dumps(hub.request("POST", "/api/analyses", json=spec)))
                return
            result = hub.analyse(spec)
    except PMBridgeError as exc:
        raise refusal_error(exc) from None
    for line in describe_result(result):
        console.print(line, highlight=False)


def describe_result(result: AnalysisResult) -> list[Table | str]:
    """What the command prints: the facts line, the kind's table, the release note and the nodes."""
    said = f"n = {result.n}" if result.n is not None else "n not said"
    lines: list[Table | str] = [f"{escape(result.analysis)}: {said}, released {escape(result.how)}"]
    if result.formula:
        lines.append(f"formula: {escape(result.formula)}" + (f" ({result.family})" if result.family else ""))
    lines.append(_TABLES[result.analysis](result) if result.analysis in _TABLES else "")
    if result.iterations is not None:
        lines.append(
            f"iterations: {result.iterations}" + ("" if result.converged else " [red](not converged)[/]")
        )
    if result.released is not None and result.released.note:
        lines.append(f"[dim]released {escape(result.how)}: {escape(result.released.note)}[/]")
    for node in result.nodes:
        if node.status == "ok":
            continue
        why = f" ({escape(node.rule)})" if node.rule else ""
        detail = f": {escape(node.detail)}" if node.detail else ""
        lines.append(f"[yellow]node {escape(node.node)} {escape(node.status)}{why}{detail}[/]")
    lines.append(f"nodes in the result: {escape(', '.join(result.answered) or 'none')}")
    return lines


def _coefficients(result: AnalysisResult) -> Table:
    cox = result.analysis == "cox"
    stat = "t" if result.family == "gaussian" else "z"
    table = Table(title="Hazard ratios" if cox else "Coefficients")
    heads = ["term", "coef", *(["HR"] if cox else []), "std err", stat, f"P>|{stat}|", "[0.025", "0.975]"]
    for head in [*heads, "how"]:
        table.add_column(head, justify="left" if head in ("term", "how") else "right")
    for c in result.coefficients:
        low, high = (c.hr_ci_low, c.hr_ci_high) if cox else (c.ci_low, c.ci_high)
        values = [c.estimate, *([c.hazard_ratio] if cox else []), c.se, c.statistic]
        cells = [_num(v) for v in values] + [_p(c.p), _num(low), _num(high)]
        table.add_row(escape(c.term), *cells, result.how)
    return table


def _curves(result: AnalysisResult) -> Table:
    table = Table(title=f"Kaplan–Meier (bins of {result.bin_days or '?'} days)")
    for head in ("group", "time (days)", "survival", "95% CI", "at risk", "events"):
        table.add_column(head, justify="left" if head == "group" else "right")
    for curve in result.groups:
        for i, time in enumerate(curve.times):
            band = f"{_num(_at(curve.ci_low, i))}–{_num(_at(curve.ci_high, i))}"
            counts = (_count(curve.at_risk, i), _count(curve.events, i))
            table.add_row(escape(curve.group), f"{time:g}", _num(curve.survival[i]), band, *counts)
    if result.logrank is not None:
        t = result.logrank
        table.caption = f"log-rank: chi2 {_num(t.chi2)}, df {t.df}, p {_p(t.p)}"
    return table


def _summary(result: AnalysisResult) -> Table:
    table = Table(title=f"Summary of {result.variable}")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    for name, value in (("mean", result.mean), ("variance", result.variance), ("sd", result.sd)):
        table.add_row(name, _num(value))
    for q in result.quantiles:
        table.add_row(f"quantile {q.q:g} (approximate)", _num(q.value))
    return table


def _crosstab(result: AnalysisResult) -> Table:
    table = Table(title=f"{result.rows} by {result.columns}")
    table.add_column(f"{result.rows} \\ {result.columns}")
    for column in ("0", "1"):
        table.add_column(column, justify="right")
    for row, counts in enumerate(result.cells):
        table.add_row(str(row), *(str(n) for n in counts))
    table.caption = f"chi2 {_num(result.chi2)}, df {result.df}, p {_p(result.p)}"
    if result.chi2_yates is not None:
        table.caption += f"; Yates: chi2 {_num(result.chi2_yates)}, p {_p(result.p_yates)}"
    return table


_TABLES = {
    "glm": _coefficients,
    "cox": _coefficients,
    "km": _curves,
    "summary": _summary,
    "crosstab": _crosstab,
}


def _at(values: Sequence[float | None], i: int) -> float | None:
    return values[i] if i < len(values) else None


def _count(values: Sequence[int], i: int) -> str:
    return str(values[i]) if i < len(values) else "-"


def _num(value: float | None) -> str:
    """Four significant digits; ``-`` when the hub sent none.

    >>> _num(0.312049), _num(None), _num(1234.7)
    ('0.3120', '-', '1235')
    """
    return (
        "-"
        if value is None or not math.isfinite(value)
        else f"{value:.4g}"
        if abs(value) >= 1000
        else f"{value:.4f}"
    )


def _p(value: float | None) -> str:
    return "-" if value is None else "<0.001" if value < 0.001 else f"{value:.3f}"
