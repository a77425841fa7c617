"""Node-side disclosure checks on an analysis output, as DataSHIELD's nfilters do: a failing
output is destroyed by the node, which answers with a DisclosureRefused naming a stable rule.

Rules: ``too_few_rows``, ``missing_values``, ``saturated_model``, ``rare_level``, ``small_bin``,
``small_cell``. Messages never state a small count exactly ("fewer than k").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pmbridge.analytics._crosstab import CrosstabContribution
from pmbridge.analytics._formula import Design
from pmbridge.analytics._summary import SummaryContribution
from pmbridge.errors import ConfigError, DisclosureRefused

MAX_PARAMETER_RATIO = 0.33
"""DataSHIELD's ``nfilter.glm``: parameters may be at most this share of a node's rows."""


@dataclass(frozen=True, slots=True)
class DisclosureLimits:
    """A node's thresholds: ``min_count`` (k) and ``max_parameter_ratio`` (0.33 or stricter).

    >>> DisclosureLimits(min_count=11).max_parameter_ratio
    0.33
    """

    min_count: int = 5
    max_parameter_ratio: float = MAX_PARAMETER_RATIO

    def __post_init__(self) -> None:
        if isinstance(self.min_count, bool) or not isinstance(self.min_count, int) or self.min_count < 1:
            raise ConfigError(
                f"min_count must be a whole number of at least 1, got {self.min_count!r}",
                hint="set the node's disclosure min count to 5 (or more)",
            )
        if not 0 < self.max_parameter_ratio <= MAX_PARAMETER_RATIO:
            raise ConfigError(
                f"max_parameter_ratio must be above 0 and at most {MAX_PARAMETER_RATIO}, "
                f"got {self.max_parameter_ratio!r}",
                hint="a node may only make the parameter ratio stricter than the network's 0.33",
            )


DEFAULT_LIMITS = DisclosureLimits()


def is_small(count: int, limits: DisclosureLimits) -> bool:
    """True for a count that may not be released: between 1 and k − 1.

    >>> [is_small(c, DisclosureLimits(min_count=5)) for c in (0, 1, 4, 5)]
    [False, True, True, False]
    """
    return 0 < count < limits.min_count


def check_rows(n: int, *, missing: int = 0, limits: DisclosureLimits = DEFAULT_LIMITS) -> None:
    """Refuse an output over fewer than k rows, or one that left out 1 to k − 1 rows for a missing value."""
    k = limits.min_count
    if n < k:
        raise DisclosureRefused(
            "too_few_rows",
            f"fewer than {k} people at this node have every value the analysis needs",
            hint="widen the cohort, or choose variables recorded for more people",
        )
    if is_small(missing, limits):
        raise DisclosureRefused(
            "missing_values",
            f"fewer than {k} people of the cohort lack a value the analysis needs, so its answer would "
            "differ from the cohort's by a few people",
            hint="restrict the cohort to people who have every variable (or choose variables recorded for "
            "everyone), so that no person is left out silently",
        )


def _levels(values: npt.NDArray[np.float64]) -> Iterable[int]:
    """The count of each level of a column taking at most two distinct values (else nothing)."""
    levels, counts = np.unique(values, return_counts=True)
    return (int(c) for c in counts) if len(levels) <= 2 else ()


def check_glm(
    design: Design, *, limits: DisclosureLimits = DEFAULT_LIMITS, missing: int | None = None
) -> None:
    """Refuse a regression contribution the node may not release (DataSHIELD ds.glm's filters).

    Any used variable (response, covariates, offset, weights) and any design column, interactions
    included, that takes at most two distinct values is treated as binary: each level present must
    hold at least k people (one level holding everyone is fine). ``missing`` overrides the rows the
    design left out (0: the caller guards the complete cases itself).
    """
    check_rows(design.n, missing=design.dropped if missing is None else missing, limits=limits)
    p, n = design.X.shape[1], design.n
    if p > limits.max_parameter_ratio * n:
        raise DisclosureRefused(
            "saturated_model",
            f"the model has {p} parameters, more than {limits.max_parameter_ratio:g} × "
            "the people at this node",
            hint="drop covariates or interactions, or widen the cohort",
        )
    k = limits.min_count
    for name, values in design.data.items():
        if any(is_small(count, limits) for count in _levels(values)):
            raise DisclosureRefused(
                "rare_level",
                f"a value of the variable {name!r} is held by fewer than {k} people at this node",
                hint="merge levels, choose a more common variable, or widen the cohort",
            )
    for index, column in enumerate(design.columns):
        if any(is_small(count, limits) for count in _levels(design.X[:, index])):
            kind = "interaction" if ":" in column else "column"
            raise DisclosureRefused(
                "rare_level",
                f"the design {kind} {column!r} takes a value held by fewer than {k} people at this node",
                hint="drop the interaction, merge levels, or widen the cohort",
            )


def check_summary(
    contribution: SummaryContribution, *, missing: int = 0, limits: DisclosureLimits = DEFAULT_LIMITS
) -> None:
    """Refuse a summary over fewer than k values, or with a histogram bin holding 1 to k − 1."""
    check_rows(contribution.n, missing=missing, limits=limits)
    if contribution.counts is not None and any(is_small(c, limits) for c in contribution.counts):
        raise DisclosureRefused(
            "small_bin",
            f"a histogram bin holds fewer than {limits.min_count} people at this node",
            hint="widen the bins (fewer, broader edges) or leave out the edges",
        )


def check_crosstab(
    contribution: CrosstabContribution, *, missing: int = 0, limits: DisclosureLimits = DEFAULT_LIMITS
) -> None:
    """Refuse a 2 × 2 table with a cell holding 1 to k − 1 people (DataSHIELD ds.table's rule);
    ``missing`` is how many of the cohort were left out for lacking either value."""
    check_rows(contribution.n, missing=missing, limits=limits)
    if any(is_small(cell, limits) for row in contribution.table for cell in row):
        raise DisclosureRefused(
            "small_cell",
            f"a cell of the table holds fewer than {limits.min_count} people at this node",
            hint="cross more common variables, or widen the cohort",
        )
