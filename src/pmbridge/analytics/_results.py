"""A network analysis's result as the hub releases it: the numbers, and how each kind was released.

Every result says ``released.how``: ``exact`` (an exact aggregate of nodes that each passed their
own checks) or ``binned`` (computed on event times cut into bins each holding 0 or at least k
events at every node; the result equals the pooled analysis on those binned times). Nothing per
person is ever in a result: no residuals, fitted values or individual times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pmbridge.analytics._cox_fit import CoxResult
from pmbridge.analytics._crosstab import CrosstabResult
from pmbridge.analytics._glm import GlmResult
from pmbridge.analytics._km import KaplanMeierCurve, KaplanMeierTable, LogRankResult
from pmbridge.analytics._spec import CoxSpec, CrosstabSpec, GlmSpec, KaplanMeierSpec, SummarySpec
from pmbridge.analytics._summary import SummaryResult

EXACT_NOTE = (
    "exact aggregate over {nodes} nodes; each node released its part only after its own checks "
    "(at least k people, every level of a binary variable at least k, parameters at most 0.33 × n)"
)
BINNED_NOTE = (
    "computed on follow-up times cut into {bins} bins of {width}-day multiples, each holding 0 or at "
    "least k events at every node ({nodes} nodes); equal to the pooled analysis on those binned times"
)


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """One analysis's released result: its kind, the rows behind it, how it was released, the rest."""

    analysis: str
    n: int
    how: str
    note: str
    body: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """The result as the hub's JSON reply (the caller adds node participation)."""
        return {
            "analysis": self.analysis,
            "n": self.n,
            "released": {"how": self.how, "note": self.note},
            **self.body,
        }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def summary_result(
    spec: SummarySpec, result: SummaryResult, *, edges: tuple[float, ...] | None, nodes: int
) -> AnalysisResult:
    """A pooled summary; quantiles are estimates within their histogram bin (``low``–``high``)."""
    quantiles = [
        {"q": q.probability, "value": _finite(q.value), "low": _finite(q.low), "high": _finite(q.high)}
        for q in result.quantiles
    ]
    histogram = None
    if edges is not None and result.counts is not None:
        histogram = {
            "edges": list(edges),
            "below": result.counts[0],
            "counts": list(result.counts[1:-1]),
            "above": result.counts[-1],
        }
    return AnalysisResult(
        "summary",
        result.n,
        "exact",
        EXACT_NOTE.format(nodes=nodes)
        + ("; quantiles are estimated within histogram bins" if quantiles else ""),
        {
            "variable": spec.variable,
            "mean": _finite(result.mean),
            "variance": _finite(result.variance),
            "sd": _finite(result.sd),
            "quantiles": quantiles,
            "histogram": histogram,
        },
    )


def crosstab_result(spec: CrosstabSpec, result: CrosstabResult, *, nodes: int) -> AnalysisResult:
    """A pooled 2 × 2 table with Pearson's χ² (and with Yates' correction)."""
    return AnalysisResult(
        "crosstab",
        result.n,
        "exact",
        EXACT_NOTE.format(nodes=nodes),
        {
            "rows": spec.rows,
            "columns": spec.columns,
            "table": [list(row) for row in result.table],
            "chi2": _finite(result.chi2),
            "df": result.df,
            "p": _finite(result.p_value),
            "chi2_yates": _finite(result.chi2_yates),
            "p_yates": _finite(result.p_value_yates),
        },
    )


def glm_result_wire(spec: GlmSpec, fit: GlmResult, *, nodes: int) -> AnalysisResult:
    """A fitted GLM: coefficients with standard errors, tests and 95 % intervals; no residuals."""
    coefficients = [
        {"term": term, "estimate": b, "se": se, "statistic": s, "p": p, "ci_low": lo, "ci_high": hi}
        for term, b, se, s, p, lo, hi in zip(
            fit.columns,
            fit.coefficients,
            fit.standard_errors,
            fit.statistics,
            fit.p_values,
            fit.ci_lower,
            fit.ci_upper,
            strict=True,
        )
    ]
    return AnalysisResult(
        "glm",
        fit.n,
        "exact",
        EXACT_NOTE.format(nodes=nodes),
        {
            "family": spec.family,
            "formula": spec.formula,
            "offset": spec.offset,
            "weights": spec.weights,
            "statistic": fit.statistic,
            "coefficients": coefficients,
            "deviance": fit.deviance,
            "df_residual": fit.df_residual,
            "scale": fit.scale,
            "aic": _finite(fit.aic),
            "iterations": fit.iterations,
            "converged": fit.converged,
        },
    )


def cox_result(
    spec: CoxSpec, fit: CoxResult, columns: tuple[str, ...], *, edges: tuple[float, ...] | None, nodes: int
) -> AnalysisResult:
    """A fitted Cox model: log hazard ratios with standard errors, tests, intervals, hazard ratios."""
    coefficients = [
        {
            "term": term,
            "estimate": b,
            "se": se,
            "statistic": z,
            "p": p,
            "ci_low": lo,
            "ci_high": hi,
            "hazard_ratio": math.exp(b),
            "hr_ci_low": math.exp(lo),
            "hr_ci_high": math.exp(hi),
        }
        for term, b, se, z, p, lo, hi in zip(
            columns, fit.coefficients, fit.se, fit.z, fit.p, fit.ci_lower, fit.ci_upper, strict=True
        )
    ]
    if edges is None:
        how, note = (
            "exact",
            EXACT_NOTE.format(nodes=nodes) + "; stratified by node, on each node's exact times",
        )
    else:
        how, note = "binned", BINNED_NOTE.format(bins=len(edges) - 1, width=spec.bin_days, nodes=nodes)
    return AnalysisResult(
        "cox",
        fit.n,
        how,
        note,
        {
            "formula": spec.formula,
            "ties": spec.ties,
            "strata": spec.strata,
            "bin_days": spec.bin_days,
            "edges": None if edges is None else list(edges),
            "coefficients": coefficients,
            "loglik": fit.loglik,
            "events": fit.events,
            "iterations": fit.iterations,
            "converged": fit.converged,
        },
    )


def km_result(
    spec: KaplanMeierSpec,
    table: KaplanMeierTable,
    curves: tuple[KaplanMeierCurve, ...],
    test: LogRankResult | None,
    *,
    nodes: int,
) -> AnalysisResult:
    """Pooled Kaplan–Meier curves with numbers at risk (per group), and the log-rank test."""
    groups = [
        {
            "group": "all" if curve.group is None else str(curve.group),
            "times": list(curve.times),
            "survival": list(curve.survival),
            "ci_low": list(curve.lower),
            "ci_high": list(curve.upper),
            "at_risk": list(curve.at_risk),
            "events": list(curve.events),
        }
        for curve in curves
    ]
    logrank = None if test is None else {"chi2": test.chi2, "df": test.df, "p": test.p}
    n = int(table.at_risk[:, 0].sum())
    return AnalysisResult(
        "km",
        n,
        "binned",
        BINNED_NOTE.format(bins=len(table.edges) - 1, width=spec.bin_days, nodes=nodes),
        {
            "bin_days": spec.bin_days,
            "edges": list(table.edges),
            "group": spec.group,
            "groups": groups,
            "logrank": logrank,
        },
    )
