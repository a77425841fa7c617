"""Complementary suppression: a breakdown with a total must not give away its suppressed cells.

Counts per dataset, sex or age band are released with their total; hiding a cell of 3 is
pointless when the total and the other cells are shown, so more has to be hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.privacy._released import ReleasedCount, suppressed
from pmbridge.privacy._thresholds import below_threshold, fewer_than, threshold_count


@dataclass(frozen=True, slots=True)
class SuppressionPlan:
    """Which cells (and whether the total) a breakdown holds back, and why."""

    primary: frozenset[str]
    complementary: frozenset[str]
    total_suppressed: bool = False
    total_rule: str | None = None
    total_released: bool = False

    @property
    def hidden(self) -> frozenset[str]:
        """Every cell that does not leave."""
        return self.primary | self.complementary


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A released breakdown: one :class:`ReleasedCount` per cell, and the total if one was asked."""

    cells: Mapping[str, ReleasedCount]
    total: ReleasedCount | None


def plan_suppression(
    cells: Mapping[str, int],
    *,
    total: int | None,
    min_count: int,
    release_zero: bool = True,
    complementary: bool = True,
    total_fixed: bool = False,
) -> SuppressionPlan:
    """Primary suppression of small cells, then complementary suppression against the total.

    ``total_fixed`` says the total is released anyway (as the plain count of the same question,
    beside the chart): hiding it protects nothing, so where the plan would hide it, every cell is
    hidden instead, zeros included; and a total under 2k hides every cell whatever they hold, since
    with so few people the choice of cells to hide would itself tell the split.

    Primary: a cell below ``min_count`` (1 to k-1, and 0 unless zeros may leave) is hidden. A
    total below ``min_count`` is hidden too; with the total hidden nothing can be subtracted.

    Complementary, when a total is released: a reader who knows the total and the released cells
    knows the sum ``R`` of the hidden ones (``total - released``). Assume the worst reader, who
    also knows which hidden cells are small (at least ``lo``, at most k-1; ``lo`` is 1 when
    zeros are released, else 0) and which were hidden to protect them (at least k, and at most
    the smallest cell still shown, since the smallest is taken first). The hidden set is safe
    when it is empty, or has at least two cells summing to at least k, and every hidden cell
    can still take at least two values within those bounds and the sum ``R``. Until it is safe
    the smallest released non-zero cell is hidden as well, with every cell tied with it; when no
    cell is left to hide, the total is hidden instead. At least one such complement is always
    hidden beside small cells, even when they would be safe on their own: hiding one only when
    needed would tell a reader who knows this algorithm that the small cells alone were unsafe,
    i.e. at the edge of their range, and could pin them down. Ties go together so that the plan
    never depends on the cells' names: swapping the values of two hidden cells then yields the
    same release, so such a reader cannot tell which hidden cell holds which value (a tie broken
    by name told that the hidden cell held exactly the shown one's value).

    The sum is taken both over the true hidden cells and as the reader derives it, whichever is
    smaller, so cells that overlap (one person in two datasets) are treated conservatively.

    >>> plan = plan_suppression({"F": 3, "M": 20, "U": 40}, total=63, min_count=5)
    >>> sorted(plan.primary), sorted(plan.complementary), plan.total_suppressed
    (['F'], ['M'], False)
    >>> sorted(plan_suppression({"F": 3, "M": 20, "U": 20, "O": 40}, total=83, min_count=5).complementary)
    ['M', 'U']
    >>> plan_suppression({"F": 3, "M": 20}, total=None, min_count=5).complementary
    frozenset()
    >>> plan_suppression({"F": 3}, total=3, min_count=5).total_suppressed
    True
    >>> plan_suppression({"F": 1, "M": 5, "U": 0}, total=6, min_count=5).total_suppressed
    True
    >>> sorted(plan_suppression({"F": 1, "M": 5, "U": 0}, total=6, min_count=5, total_fixed=True).hidden)
    ['F', 'M', 'U']
    """
    primary = frozenset(
        k for k, v in cells.items() if below_threshold(v, min_count=min_count, release_zero=release_zero)
    )
    if total is None:
        return SuppressionPlan(primary, frozenset())
    if below_threshold(total, min_count=min_count, release_zero=release_zero):
        return SuppressionPlan(primary, frozenset(), total_suppressed=True, total_rule="min_count")
    if not complementary:
        return SuppressionPlan(primary, frozenset(), total_released=True)
    if total_fixed and 0 < total < 2 * min_count:
        # With the total known, a small one can be split only a few ways, and which cells the plan
        # hides would single one out (1 + 1 of 2 hides both; 0 + 2 does not): hide them all, always.
        return SuppressionPlan(primary, frozenset(cells) - primary, total_released=True)
    lo = 1 if release_zero else 0
    hidden = set(primary)
    extra: set[str] = set()
    while (primary and not extra) or not _safe(
        cells, primary, extra, total=total, min_count=min_count, lo=lo
    ):
        candidates = {k: v for k, v in cells.items() if k not in hidden and v > 0}
        if not candidates:
            if total_fixed:
                return SuppressionPlan(primary, frozenset(cells) - primary, total_released=True)
            return SuppressionPlan(
                primary, frozenset(extra), total_suppressed=True, total_rule="complementary"
            )
        # Cells tied for smallest go together: picking one by name would tell the reader that the
        # hidden one holds exactly the shown one's value (4 and 4 beside a 0 and a 2 pinned it).
        smallest = min(candidates.values())
        tied = {k for k, v in candidates.items() if v == smallest}
        hidden |= tied
        extra |= tied
    return SuppressionPlan(primary, frozenset(extra), total_released=True)


def _safe(
    cells: Mapping[str, int], primary: frozenset[str], extra: set[str], *, total: int, min_count: int, lo: int
) -> bool:
    hidden = primary | extra
    if not hidden:
        return True
    shown = [v for k, v in cells.items() if k not in hidden]
    derived = total - sum(shown)
    if len(hidden) < 2 or min(derived, sum(cells[k] for k in hidden)) < min_count:
        return False
    cap = max(min_count, min((v for v in shown if v > 0), default=total))
    bounds = [(lo, min_count - 1) if k in primary else (min_count, cap) for k in hidden]
    floor, ceiling = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
    for low, high in bounds:
        least = max(low, derived - (ceiling - high))
        most = min(high, derived - (floor - low))
        if most - least < 1:
            return False
    return True


def threshold_breakdown(
    cells: Mapping[str, int],
    *,
    total: int | None,
    min_count: int,
    release_zero: bool = True,
    complementary: bool = True,
    round_to: int = 1,
    total_fixed: bool = False,
) -> Breakdown:
    """A breakdown with primary and complementary suppression, other cells exact or rounded.

    >>> out = threshold_breakdown({"F": 3, "M": 20, "U": 40}, total=63, min_count=5)
    >>> [out.cells[k].display for k in ("F", "M", "U")], out.total.display
    (['hidden', 'hidden', '40'], '63')
    >>> threshold_breakdown({"F": 3, "M": 20}, total=None, min_count=5).cells["F"].display
    '<5'
    """
    plan = plan_suppression(
        cells,
        total=total,
        min_count=min_count,
        release_zero=release_zero,
        complementary=complementary,
        total_fixed=total_fixed,
    )
    released = {
        k: hidden_cell(k, plan, min_count=min_count)
        if k in plan.hidden
        else threshold_count(v, min_count=min_count, release_zero=release_zero, round_to=round_to)
        for k, v in cells.items()
    }
    released_total = None
    if total is not None:
        released_total = (
            hidden_total(plan, min_count=min_count)
            if plan.total_suppressed
            else threshold_count(total, min_count=min_count, release_zero=release_zero, round_to=round_to)
        )
    return Breakdown(released, released_total)


def hidden_cell(name: str, plan: SuppressionPlan, *, min_count: int) -> ReleasedCount:
    """The released form of a cell the plan hides.

    Beside a released total every hidden cell reads the same: labelling some "fewer than k"
    (at most k-1) and the others "hidden too" (at least k) would narrow each down again, so
    that with the total a cell of 1 beside a complementary cell of k could be worked out.
    """
    if plan.total_released:
        return suppressed(
            threshold=min_count,
            rule="complementary",
            reason=f"suppressed: fewer than {min_count}, or hidden with such a cell so that it cannot "
            "be worked out from the total",
        )
    if name in plan.primary:
        return fewer_than(min_count)
    return suppressed(
        threshold=min_count,
        rule="complementary",
        reason="hidden too, so that a smaller hidden cell cannot be worked out from the total",
    )


def hidden_total(plan: SuppressionPlan, *, min_count: int) -> ReleasedCount:
    """The released form of a total the plan hides."""
    if plan.total_rule == "min_count":
        return fewer_than(min_count)
    return suppressed(
        threshold=min_count,
        rule="complementary",
        reason="the total is hidden, so that a hidden cell cannot be worked out from it",
    )
