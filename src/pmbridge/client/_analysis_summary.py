"""An analysis result as text, shaped like statsmodels' ``summary()``: a header of facts (n, nodes,
iterations, how released) between rules, then the coefficient table or the kind's own numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pmbridge.client._analyses import AnalysisResult, Coefficient

__all__ = ["summary_text"]

WIDTH: Final = 78
TITLES: Final = {
    "glm": "Generalized Linear Model Regression Results",
    "cox": "Cox Proportional Hazards Regression Results",
    "km": "Kaplan-Meier Survival Estimates",
    "summary": "Summary Statistics",
    "crosstab": "Crosstab and Chi-squared Test",
}


def summary_text(result: AnalysisResult) -> str:
    """The whole text: title, facts, the kind's table, and the hub's note on how it was released."""
    lines = [TITLES.get(result.analysis, result.analysis).center(WIDTH), "=" * WIDTH]
    lines += _facts(result)
    lines.append("=" * WIDTH)
    if result.analysis in ("glm", "cox"):
        lines += _coefficients(result)
    elif result.analysis == "km":
        lines += _curves(result)
    elif result.analysis == "summary":
        lines += _quantiles(result)
    elif result.analysis == "crosstab":
        lines += _crosstab(result)
    lines.append("=" * WIDTH)
    if result.released is not None and result.released.note:
        lines.append(f"Released {result.released.how}: {result.released.note}")
    return "\n".join(lines)


def _facts(result: AnalysisResult) -> list[str]:
    answered = result.answered
    absent = [f"{n.node} {n.status}" + (f" ({n.rule})" if n.rule else "") for n in result.nodes]
    absent = [line for line, n in zip(absent, result.nodes, strict=True) if n.status != "ok"]
    facts: list[tuple[str, str]] = [
        ("Analysis:", result.analysis + (f" ({result.family})" if result.family else "")),
        ("No. Observations:", _int(result.n)),
    ]
    if result.formula:
        facts.append(("Formula:", result.formula))
    facts.append(("Nodes:", f"{len(answered)} of {len(result.nodes)}: {', '.join(answered) or 'none'}"))
    if absent:
        facts.append(("Left out:", "; ".join(absent)))
    if result.iterations is not None:
        converged = "converged" if result.converged else "NOT converged"
        facts.append(("Iterations:", f"{result.iterations} ({converged})"))
    if result.steps is not None:
        facts.append(("Rounds:", str(result.steps)))
    for label, value in (
        ("Deviance:", result.deviance),
        ("Scale:", result.scale),
        ("Log-Likelihood:", result.loglik),
    ):
        if value is not None:
            facts.append((label, _num(value)))
    if result.df_residual is not None:
        facts.append(("Df Residuals:", _int(result.df_residual)))
    if result.events is not None:
        facts.append(("Events:", str(result.events)))
    if result.ties:
        facts.append(("Ties:", result.ties + (f", strata by {result.strata}" if result.strata else "")))
    if result.bin_days is not None:
        facts.append(("Bin width:", f"{result.bin_days} days"))
    facts.append(("Released:", result.how))
    return [f"{label:<20}{value}" for label, value in facts]


def _coefficients(result: AnalysisResult) -> list[str]:
    stat = "t" if result.family == "gaussian" else "z"
    cox = result.analysis == "cox"
    head = ["coef", *(["exp(coef)"] if cox else []), "std err", stat, f"P>|{stat}|", "[0.025", "0.975]"]
    width = max([12, *(len(c.term) + 1 for c in result.coefficients)])
    lines = [" " * width + "".join(f"{h:>11}" for h in head), "-" * (width + 11 * len(head))]
    for c in result.coefficients:
        cells = [c.estimate, *([_hazard(c)] if cox else []), c.se, c.statistic]
        text = [_num(v) for v in cells] + [_p(c.p), _num(c.ci_low), _num(c.ci_high)]
        lines.append(f"{c.term:<{width}}" + "".join(f"{v:>11}" for v in text))
    return lines


def _hazard(c: Coefficient) -> float:
    return c.hazard_ratio if c.hazard_ratio is not None else math.exp(c.estimate)


def _curves(result: AnalysisResult) -> list[str]:
    head = ("at risk", "events", "last time", "survival", "[0.025", "0.975]")
    lines = [f"{'group':<12}" + "".join(f"{h:>11}" for h in head)]
    lines.append("-" * WIDTH)
    for c in result.groups:
        last = len(c.times) - 1
        row = [
            _int(c.at_risk[0] if c.at_risk else None),
            _int(sum(c.events) if c.events else None),
            _num(c.times[last]) if last >= 0 else "-",
            _num(c.survival[last]) if last >= 0 else "-",
            _num(_at(c.ci_low, last)),
            _num(_at(c.ci_high, last)),
        ]
        lines.append(f"{c.group:<12}" + "".join(f"{v:>11}" for v in row))
    if result.logrank is not None:
        t = result.logrank
        lines.append(f"Log-rank test: chi2 = {_num(t.chi2)}, df = {t.df}, p = {_p(t.p)}")
    return lines


def _quantiles(result: AnalysisResult) -> list[str]:
    lines = [f"{'variable':<20}{result.variable or ''}"]
    for label, value in (("mean", result.mean), ("variance", result.variance), ("sd", result.sd)):
        lines.append(f"{label:<20}{_num(value)}")
    for q in result.quantiles:
        lines.append(f"{f'quantile {q.q:g}':<20}{_num(q.value)} (approximate)")
    if result.quantile_resolution is not None:
        lines.append(f"{'quantile resolution':<20}{_num(result.quantile_resolution)}")
    return lines


def _crosstab(result: AnalysisResult) -> list[str]:
    corner = f"{result.rows or 'rows'} by {result.columns or 'columns'}"
    lines = [f"{corner:<24}{'0':>11}{'1':>11}"]
    lines.append("-" * WIDTH)
    for level, counts in enumerate(result.cells):
        lines.append(f"{level!s:<24}" + "".join(f"{n:>11}" for n in counts))
    lines.append(f"Chi-squared: {_num(result.chi2)}, df = {_int(result.df)}, p = {_p(result.p)}")
    if result.chi2_yates is not None:
        lines.append(f"With Yates' correction: {_num(result.chi2_yates)}, p = {_p(result.p_yates)}")
    return lines


def _at(values: Sequence[float | None], i: int) -> float | None:
    return values[i] if 0 <= i < len(values) else None


def _num(value: float | None) -> str:
    """A number as statsmodels prints one: four significant decimals, ``-`` when absent.

    >>> _num(0.31204), _num(-2034.1), _num(None), _num(1.5e-7)
    ('0.3120', '-2034.1000', '-', '1.500e-07')
    """
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.3e}" if value != 0 and abs(value) < 1e-4 else f"{value:.4f}"


def _p(value: float | None) -> str:
    """A p-value to three decimals (``0.000`` when smaller), as statsmodels prints it."""
    return "-" if value is None else f"{value:.3f}"


def _int(value: int | float | None) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
