"""What the analysis page shows of a result: its numbers as text with how they were released, the
nodes that took part, the charts (Kaplan–Meier, forest plot), and a refusal's rule in words.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from pmbridge.client import AnalysisResult, Coefficient
from pmbridge.errors import PMBridgeError
from pmbridge.portal._analyse_charts import ForestPlot, SurvivalChart, forest_plot, survival_chart
from pmbridge.portal._i18n import N_
from pmbridge.portal._refusals import NodeAnswer, Refusal, node_answers, refusal_of, refusal_of_rule

RELEASES: Final = {
    "exact": N_(
        "Exact: an exact aggregate of at least three nodes, each of whose parts passed its own "
        "disclosure checks."
    ),
    "binned": N_(
        "Binned: computed on event times binned so that each bin holds enough events at every node; "
        "the bin width is shown with the result."
    ),
}
UNKNOWN_RELEASE: Final = N_("The hub did not say how these numbers were released.")
SENTENCES: Final = {
    "min_nodes": N_(
        "Too few nodes could take part: a network result needs at least three. Widen the cohort, "
        "or try again when more nodes are up."
    ),
    "saturated_model": N_(
        "The model has too many terms for the rows of some node: drop terms from the formula or "
        "widen the cohort."
    ),
    "rare_level": N_(
        "A level of a variable is too rare at some node: widen the cohort or choose a more common variable."
    ),
    "event_time_bins": N_(
        "Too few events per time bin at some node: make the bins wider (more days) or widen the cohort."
    ),
}
"""The analysis rules' sentences; other rules (``differencing_guard``, ``X4``, …) keep the portal's."""

Translate = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class StatRow:
    """One row of a table of statistics: its label and its numbers written out."""

    label: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnalysisView:
    result: AnalysisResult
    how: str
    explanation: str
    """A catalogue message: what ``how`` means."""
    nodes: tuple[NodeAnswer, ...]
    coefficients: tuple[StatRow, ...] = ()
    forest: ForestPlot | None = None
    survival: SurvivalChart | None = None
    curves: tuple[StatRow, ...] = ()
    statistics: tuple[StatRow, ...] = ()

    @property
    def hazard_ratios(self) -> bool:
        return self.result.analysis == "cox"

    @property
    def statistic_name(self) -> str:
        """``t`` for a gaussian GLM (statsmodels' name), ``z`` otherwise."""
        return "t" if self.result.family == "gaussian" else "z"


def analysis_view(result: AnalysisResult, *, group_label: Callable[[str], str]) -> AnalysisView:
    """The page's view of ``result``; ``group_label`` names a curve's group in the page's language."""
    how = result.how
    nodes = tuple(
        replace(a, refusal=rule_refusal(a.refusal.rule, a.detail)) if a.refusal is not None else a
        for a in node_answers([n.model_dump() for n in result.nodes])
    )
    base = AnalysisView(result, how, RELEASES.get(how, UNKNOWN_RELEASE), nodes)
    if result.analysis in ("glm", "cox"):
        cox = result.analysis == "cox"
        rows = tuple(_coefficient(c, cox=cox) for c in result.coefficients)
        return replace(base, coefficients=rows, forest=forest_plot(result.coefficients, hazard_ratios=cox))
    if result.analysis == "km":
        labels = [group_label(c.group) for c in result.groups]
        chart = survival_chart(result.groups, labels=labels) if result.groups else None
        curves = tuple(
            StatRow(
                label,
                (
                    _fixed(t, 0),
                    _fixed(s, 3),
                    f"{_fixed(_at(c.ci_low, i), 3)} – {_fixed(_at(c.ci_high, i), 3)}",
                    _whole(_at(c.at_risk, i)),
                    _whole(_at(c.events, i)),
                ),
            )
            for c, label in zip(result.groups, labels, strict=True)
            for i, (t, s) in enumerate(zip(c.times, c.survival, strict=False))
        )
        return replace(base, survival=chart, curves=curves)
    if result.analysis == "summary":
        rows = (
            StatRow(N_("mean"), (_fixed(result.mean, 3),)),
            StatRow(N_("variance"), (_fixed(result.variance, 3),)),
            StatRow(N_("standard deviation"), (_fixed(result.sd, 3),)),
            *(StatRow(f"q {q.q:g}", (_fixed(q.value, 3),)) for q in result.quantiles),
        )
        return replace(base, statistics=rows)
    if result.analysis == "crosstab":
        rows = tuple(StatRow(str(r), tuple(str(n) for n in line)) for r, line in enumerate(result.cells))
        return replace(base, statistics=rows)
    return base


def _coefficient(c: Coefficient, *, cox: bool) -> StatRow:
    ratio = (c.hazard_ratio if c.hazard_ratio is not None else math.exp(c.estimate),) if cox else ()
    low, high = (c.hr_ci_low, c.hr_ci_high) if cox else (c.ci_low, c.ci_high)
    values = (_fixed(c.estimate, 4), *(_fixed(v, 4) for v in ratio), _fixed(c.se, 4), _fixed(c.statistic, 3))
    return StatRow(c.term, (*values, p_value(c.p), _fixed(low, 4), _fixed(high, 4)))


def analysis_refusal(error: PMBridgeError) -> Refusal | None:
    """The refusal ``error`` states, in the analysis rules' words where it is one of theirs."""
    found = refusal_of(error)
    if found is None or found.rule not in SENTENCES:
        return found
    return Refusal(found.rule, SENTENCES[found.rule], found.detail)


def rule_refusal(rule: str, detail: str = "") -> Refusal:
    """A node's refusal of its part, in the analysis rules' words where it is one of theirs."""
    found = refusal_of_rule(rule, detail=detail)
    return Refusal(rule, SENTENCES[rule], detail) if rule in SENTENCES else found


def p_value(p: float | None) -> str:
    """A p-value as papers write it.

    >>> p_value(0.0123), p_value(1e-9), p_value(None)
    ('0.012', '<0.001', '—')
    """
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _fixed(value: float | None, digits: int) -> str:
    """A number with ``digits`` decimals (both locales write ``.``), ``—`` when absent.

    >>> _fixed(-0.31204, 3), _fixed(None, 2), _fixed(float("nan"), 2)
    ('−0.312', '—', '—')
    """
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.{digits}f}".replace("-", "\N{MINUS SIGN}")


def _whole(value: float | None) -> str:
    return "—" if value is None else str(int(value))


def _at(values: list[float | None] | list[int], i: int) -> float | None:
    return values[i] if i < len(values) else None
