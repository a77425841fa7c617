"""A federated analysis's result (``POST /api/analyses``): a summary, a crosstab, a GLM, Kaplan–Meier
curves or a Cox model, with how every number in it was released and how each node took part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from pmbridge.client._aggregates import NodeState
from pmbridge.client._analysis_summary import summary_text
from pmbridge.client._message import Message
from pmbridge.client._tables import arrow_table, pandas_frame

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "AnalysisResult",
    "Coefficient",
    "LogRank",
    "Quantile",
    "Release",
    "SurvivalCurve",
]


class Release(Message):
    """How every number of the result left the network: ``exact`` (an exact aggregate of enough
    nodes, each of whose parts passed its own checks) or ``binned`` (on event times binned so each
    bin holds enough events per node), and the hub's ``note`` saying so in words."""

    how: str
    note: str = ""

    @property
    def mark(self) -> str:
        """``exact``, or ``binned`` with the bin width where the result has one."""
        return self.how


class Coefficient(Message):
    """One model term: its estimate with standard error, test statistic, p-value and 95% interval;
    a Cox term also as a hazard ratio (``exp(estimate)``) with its interval."""

    term: str
    estimate: float
    se: float | None = None
    statistic: float | None = None
    p: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    hazard_ratio: float | None = None
    hr_ci_low: float | None = None
    hr_ci_high: float | None = None


class SurvivalCurve(Message):
    """One Kaplan–Meier curve (``group`` ``all``, or the group variable's level ``0`` / ``1``): the
    survival after each binned time (days) with its 95% band, the number at risk and the events."""

    group: str
    times: list[float]
    survival: list[float]
    ci_low: list[float | None] = Field(default_factory=list)
    ci_high: list[float | None] = Field(default_factory=list)
    at_risk: list[int] = Field(default_factory=list)
    events: list[int] = Field(default_factory=list)


class LogRank(Message):
    """The log-rank test between the two groups' curves."""

    chi2: float
    df: int
    p: float


class Quantile(Message):
    """An approximate quantile, read from a binned histogram (``quantile_resolution`` wide bins)."""

    q: float
    value: float | None


class AnalysisResult(Message):
    """A network-wide analysis: the common fields, and those of its kind (None or empty otherwise)."""

    analysis: str
    n: int | None = None
    """Rows analysed network-wide."""
    nodes: list[NodeState] = Field(default_factory=list)
    steps: int | None = None
    """Rounds of fan-out the hub needed."""
    released: Release | None = None
    formula: str | None = None
    family: str | None = None
    coefficients: list[Coefficient] = Field(default_factory=list)
    deviance: float | None = None
    df_residual: float | None = None
    scale: float | None = None
    iterations: int | None = None
    converged: bool | None = None
    ties: str | None = None
    strata: str | None = None
    bin_days: int | None = None
    loglik: float | None = None
    events: int | None = None
    groups: list[SurvivalCurve] = Field(default_factory=list)
    logrank: LogRank | None = None
    variable: str | None = None
    mean: float | None = None
    variance: float | None = None
    sd: float | None = None
    quantiles: list[Quantile] = Field(default_factory=list)
    quantile_resolution: float | None = None
    rows: str | None = None
    columns: str | None = None
    cells: list[list[int]] = Field(default_factory=list, validation_alias="table")
    """The crosstab's counts ``[[n00, n01], [n10, n11]]`` (``table`` on the wire)."""
    chi2: float | None = None
    df: int | None = None
    p: float | None = None
    chi2_yates: float | None = None
    p_yates: float | None = None

    @property
    def how(self) -> str:
        """How the numbers were released (``exact``, ``binned``), ``unknown`` when not said."""
        return self.released.how if self.released is not None else "unknown"

    @property
    def answered(self) -> list[str]:
        """The nodes whose parts are in the result."""
        return [n.node for n in self.nodes if n.status == "ok"]

    def table(self) -> list[dict[str, object]]:
        """Tidy rows: one per coefficient (GLM, Cox), per curve and time (Kaplan–Meier), per
        quantile (summary) or per cell (crosstab); each with how it was released."""
        how = self.how
        if self.analysis == "km":
            return [
                {"group": c.group, **_point(c, i), "how": how}
                for c in self.groups
                for i in range(len(c.times))
            ]
        if self.analysis == "summary":
            return [{"q": q.q, "value": q.value, "how": how} for q in self.quantiles]
        if self.analysis == "crosstab":
            return [
                {"row": r, "column": c, "count": count, "how": how}
                for r, line in enumerate(self.cells)
                for c, count in enumerate(line)
            ]
        return [{**c.model_dump(), "how": how} for c in self.coefficients]

    def to_arrow(self) -> pa.Table:
        """:meth:`table` as an Arrow table (columns by kind: :data:`ANALYSIS_COLUMNS`)."""
        return arrow_table(self.table(), ANALYSIS_COLUMNS.get(self.analysis, COEFFICIENT_COLUMNS))

    def to_pandas(self) -> Any:
        """:meth:`table` as a pandas DataFrame (needs ``pip install pandas``)."""
        return pandas_frame(self.to_arrow())

    def summary(self) -> str:
        """The result as text, shaped like statsmodels' ``summary()``: a header (analysis, n, nodes,
        iterations, how released), then the coefficient table (coef, std err, z or t, P>|z|,
        [0.025 0.975]), or the curves, quantiles or crosstab."""
        return summary_text(self)


def _point(curve: SurvivalCurve, i: int) -> dict[str, object]:
    def at(values: list[Any]) -> object:
        return values[i] if i < len(values) else None

    return {
        "time": curve.times[i],
        "survival": curve.survival[i],
        "ci_low": at(curve.ci_low),
        "ci_high": at(curve.ci_high),
        "at_risk": at(curve.at_risk),
        "events": at(curve.events),
    }


COEFFICIENT_COLUMNS = {
    "term": "string",
    "estimate": "float64",
    "se": "float64",
    "statistic": "float64",
    "p": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "hazard_ratio": "float64",
    "hr_ci_low": "float64",
    "hr_ci_high": "float64",
    "how": "string",
}
ANALYSIS_COLUMNS = {
    "glm": {k: v for k, v in COEFFICIENT_COLUMNS.items() if not k.startswith(("hazard", "hr_"))},
    "cox": COEFFICIENT_COLUMNS,
    "km": {
        "group": "string",
        "time": "float64",
        "survival": "float64",
        "ci_low": "float64",
        "ci_high": "float64",
        "at_risk": "int64",
        "events": "int64",
        "how": "string",
    },
    "summary": {"q": "float64", "value": "float64", "how": "string"},
    "crosstab": {"row": "int64", "column": "int64", "count": "int64", "how": "string"},
}
"""The columns of :meth:`AnalysisResult.to_arrow` per analysis."""
