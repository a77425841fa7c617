"""Kaplan–Meier curves and forest plots as geometry for inline SVG, as ``_charts.py`` does for bars:
the template draws paths and points computed here, so the charts need no JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pmbridge.client import Coefficient, SurvivalCurve

KM_WIDTH: Final = 560
KM_HEIGHT: Final = 240
LEFT: Final = 84
RIGHT: Final = 16
TOP: Final = 10
AXIS: Final = 36
"""Room under the plot for the time axis' ticks and title."""
RISK_ROW: Final = 18
TICK_STEPS: Final = (1, 7, 14, 28, 30, 60, 90, 180, 365, 730, 1825, 3650)
INTERCEPTS: Final = frozenset({"Intercept", "(Intercept)", "const"})


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Curve:
    """One group's step curve (an SVG path) and its 95% band (a polygon's points), with its label
    and the numbers at risk at each tick of the time axis (None past the curve's last time)."""

    key: str
    label: str
    path: str
    band: str
    at_risk: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class SurvivalChart:
    curves: tuple[Curve, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    width: int = KM_WIDTH
    height: int = KM_HEIGHT
    left: int = LEFT
    top: int = TOP
    right: int = KM_WIDTH - RIGHT
    bottom: int = KM_HEIGHT - AXIS
    risk_row: int = RISK_ROW

    @property
    def full_height(self) -> int:
        """The plot, its axis, and a row of numbers at risk per curve under it (and their title)."""
        return self.height + self.risk_row * (len(self.curves) + 1)


def survival_chart(curves: Sequence[SurvivalCurve], *, labels: Sequence[str]) -> SurvivalChart:
    """Step curves from (0, 1) through each binned time, on a time axis with regular ticks.

    >>> c = SurvivalCurve.model_validate({"group": "all", "times": [7, 14], "survival": [0.9, 0.5],
    ...     "ciLow": [0.8, 0.4], "ciHigh": [1.0, 0.6], "atRisk": [100, 80], "events": [10, 40]})
    >>> chart = survival_chart([c], labels=["All"])
    >>> chart.curves[0].path
    'M84.0,10.0 H314.0 V29.4 H544.0 V107.0 H544.0'
    >>> [t.label for t in chart.x_ticks], chart.curves[0].at_risk
    (['0', '7', '14'], (100, 100, 80))
    """
    end = max((max(c.times, default=0.0) for c in curves), default=0.0) or 1.0
    step = next((s for s in TICK_STEPS if end / s <= 6), TICK_STEPS[-1])
    limit = max(math.ceil(end / step) * step, end)
    x_at = [i * step for i in range(int(limit // step) + 1)]
    plot = SurvivalChart((), (), ())  # its frame, for the scales

    def x(t: float) -> float:
        return round(plot.left + (plot.right - plot.left) * t / limit, 1)

    def y(s: float) -> float:
        return round(plot.top + (plot.bottom - plot.top) * (1.0 - min(max(s, 0.0), 1.0)), 1)

    drawn = []
    for index, (curve, label) in enumerate(zip(curves, labels, strict=True)):
        path = [f"M{x(0)},{y(1.0)}"]
        upper, lower = [(x(0), y(1.0))], [(x(0), y(1.0))]
        last_up = last_low = 1.0
        for i, (t, s) in enumerate(zip(curve.times, curve.survival, strict=False)):
            path.append(f"H{x(t)} V{y(s)}")
            high, low = _at(curve.ci_high, i, s), _at(curve.ci_low, i, s)
            upper += [(x(t), y(last_up)), (x(t), y(high))]
            lower += [(x(t), y(last_low)), (x(t), y(low))]
            last_up, last_low = high, low
        path.append(f"H{x(limit)}")
        band = " ".join(f"{px},{py}" for px, py in [*upper, *reversed(lower)])
        drawn.append(Curve(str(index), label, " ".join(path), band, _at_risk(curve, x_at)))
    x_ticks = tuple(Tick(x(t), f"{t:g}") for t in x_at)
    y_ticks = tuple(Tick(y(s), f"{s:g}") for s in (0.0, 0.25, 0.5, 0.75, 1.0))
    return SurvivalChart(tuple(drawn), x_ticks, y_ticks)


def _at(values: Sequence[float | None], i: int, default: float) -> float:
    found = values[i] if i < len(values) else None
    return default if found is None else found


def _at_risk(curve: SurvivalCurve, ticks: Sequence[float]) -> tuple[int | None, ...]:
    """At each tick: those at risk in the first bin that ends at or after it (None past the end)."""
    found: list[int | None] = []
    for tick in ticks:
        bins = [i for i, t in enumerate(curve.times) if t >= tick and i < len(curve.at_risk)]
        found.append(curve.at_risk[bins[0]] if bins else None)
    return tuple(found)


FOREST_WIDTH: Final = 560
LABEL_WIDTH: Final = 150
VALUE_WIDTH: Final = 150
FOREST_ROW: Final = 26
RATIO_TICKS: Final = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


@dataclass(frozen=True, slots=True)
class ForestRow:
    term: str
    y: float
    point: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class ForestPlot:
    """Point and 95% whisker per term; hazard ratios on a log axis (``log``), else estimates."""

    rows: tuple[ForestRow, ...]
    ticks: tuple[Tick, ...]
    reference: float
    log: bool
    height: int
    width: int = FOREST_WIDTH
    left: int = LABEL_WIDTH
    right: int = FOREST_WIDTH - VALUE_WIDTH
    row: int = FOREST_ROW


def forest_plot(coefficients: Sequence[Coefficient], *, hazard_ratios: bool) -> ForestPlot:
    """The forest plot of ``coefficients`` (the intercept left out: it is on another scale).

    >>> c = Coefficient.model_validate({"term": "male", "estimate": 0.2, "ciLow": 0.0, "ciHigh": 0.4,
    ...     "hazardRatio": 1.22, "hrCiLow": 1.0, "hrCiHigh": 1.49})
    >>> plot = forest_plot([c], hazard_ratios=True)
    >>> plot.log, [t.label for t in plot.ticks], plot.reference
    (True, ['0.5', '1', '2'], 280.0)
    """
    shown = [c for c in coefficients if c.term not in INTERCEPTS]
    values = [_values(c, hazard_ratios) for c in shown]
    finite = [v for triple in values for v in triple if v is not None and _usable(v, log=hazard_ratios)]
    if hazard_ratios:
        logs = [math.log(v) for v in finite] + [0.0]
        span = max(abs(min(logs)), abs(max(logs)), math.log(2))
        low, high = -span * 1.05, span * 1.05
        ticks_at = [v for v in RATIO_TICKS if low <= math.log(v) <= high]
    else:
        low, high = min([*finite, 0.0]), max([*finite, 0.0])
        pad = (high - low) * 0.05 or 1.0
        low, high = low - pad, high + pad
        ticks_at = _linear_ticks(low, high)
    left, right = LABEL_WIDTH, FOREST_WIDTH - VALUE_WIDTH

    def x(v: float | None) -> float | None:
        if v is None or not _usable(v, log=hazard_ratios):
            return None
        at = math.log(v) if hazard_ratios else v
        return round(left + (right - left) * (min(max(at, low), high) - low) / (high - low), 1)

    rows = tuple(
        ForestRow(c.term, (i + 0.5) * FOREST_ROW, x(p), x(lo), x(hi))
        for i, (c, (p, lo, hi)) in enumerate(zip(shown, values, strict=True))
    )
    ticks = tuple(Tick(x(v) or 0.0, f"{v:g}") for v in ticks_at)
    reference = x(1.0 if hazard_ratios else 0.0) or 0.0
    return ForestPlot(rows, ticks, reference, hazard_ratios, height=len(rows) * FOREST_ROW + AXIS)


def _usable(value: float, *, log: bool) -> bool:
    return math.isfinite(value) and (value > 0 or not log)


def _values(c: Coefficient, hazard_ratios: bool) -> tuple[float | None, float | None, float | None]:
    if hazard_ratios:
        point = c.hazard_ratio if c.hazard_ratio is not None else math.exp(c.estimate)
        return point, c.hr_ci_low, c.hr_ci_high
    return c.estimate, c.ci_low, c.ci_high


def _linear_ticks(low: float, high: float) -> list[float]:
    """About five round ticks between ``low`` and ``high``.

    >>> _linear_ticks(-0.05, 0.6)
    [0.0, 0.2, 0.4, 0.6]
    """
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9)
    return [round(i * step, 10) for i in range(first, math.floor(high / step + 1e-9) + 1)]
