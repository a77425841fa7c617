"""Federated 2 × 2 table of two binary variables: nodes count, the hub adds the tables up and
tests independence with Pearson's χ² (with and without Yates' correction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from pmbridge.errors import QueryError

Table = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class CrosstabContribution:
    """One node's counts: ``table[r][c]`` people with rows = r and columns = c, complete cases
    only (the node passes the number left out, its row count less ``n``, to the checks)."""

    table: Table

    @property
    def n(self) -> int:
        return sum(sum(row) for row in self.table)


def _binary(name: str, values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    data = np.asarray(values, dtype=np.float64)
    present = data[~np.isnan(data)]
    if not np.isin(present, (0.0, 1.0)).all():
        raise QueryError(f"the {name} variable must be 0 or 1", hint="cross binary variables only")
    return data


def crosstab_contribution(rows: npt.ArrayLike, columns: npt.ArrayLike) -> CrosstabContribution:
    """Node side: the 2 × 2 counts of two binary variables (NaN = missing, left out).

    >>> crosstab_contribution([0, 1, 1, float("nan")], [1, 1, 0, 0]).table
    ((0, 1), (1, 1))
    """
    r, c = _binary("rows", rows), _binary("columns", columns)
    if r.shape != c.shape or r.ndim != 1:
        raise QueryError(
            "rows and columns must hold one value per person", hint="read both for the same people"
        )
    both = ~np.isnan(r) & ~np.isnan(c)
    r, c = r[both], c[both]
    table = tuple(tuple(int(((r == i) & (c == j)).sum()) for j in (0, 1)) for i in (0, 1))
    return CrosstabContribution(table=table)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class CrosstabResult:
    """The pooled table, Pearson's χ² without and with Yates' continuity correction, 1 degree of
    freedom; the tests are None when a row or column is empty (independence is then untestable)."""

    table: Table
    n: int
    df: int
    chi2: float | None
    p_value: float | None
    chi2_yates: float | None
    p_value_yates: float | None


def combine_crosstab(contributions: Sequence[CrosstabContribution]) -> CrosstabResult:
    """Hub side: the pooled table and its χ² tests, as ``scipy.stats.chi2_contingency`` gives them.

    >>> combine_crosstab([crosstab_contribution([0, 1, 1, 0], [0, 1, 0, 0])]).table
    ((2, 0), (1, 1))
    """
    pooled = np.zeros((2, 2), dtype=np.int64)
    for part in contributions:
        pooled += np.asarray(part.table, dtype=np.int64)
    table: Table = ((int(pooled[0, 0]), int(pooled[0, 1])), (int(pooled[1, 0]), int(pooled[1, 1])))
    if (pooled.sum(axis=0) == 0).any() or (pooled.sum(axis=1) == 0).any():
        return CrosstabResult(table, int(pooled.sum()), 1, None, None, None, None)
    plain = stats.chi2_contingency(pooled, correction=False)
    yates = stats.chi2_contingency(pooled, correction=True)
    return CrosstabResult(
        table=table,
        n=int(pooled.sum()),
        df=1,
        chi2=float(plain.statistic),
        p_value=float(plain.pvalue),
        chi2_yates=float(yates.statistic),
        p_value_yates=float(yates.pvalue),
    )
