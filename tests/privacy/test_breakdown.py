"""Complementary suppression: no suppressed cell of a breakdown can be worked out from the total.

The attacker here knows the algorithm: it tries every value the hidden cells could have, keeps
those for which the algorithm would have published exactly what it published, and must be
left with at least two values for every hidden cell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.privacy import (
    Breakdown,
    DisclosureControl,
    DisclosureSettings,
    plan_suppression,
    threshold_breakdown,
)

breakdowns = st.dictionaries(
    st.sampled_from(["F", "M", "O", "U", "a", "b"]), st.integers(0, 16), min_size=1, max_size=5
)


def published(b: Breakdown) -> tuple[object, ...]:
    total = b.total.display if b.total else None
    return (tuple(sorted((k, c.display, c.rule) for k, c in b.cells.items())), total)


def compositions(total: int, parts: int, lo: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        return
    if parts == 1:
        if total >= lo:
            yield (total,)
        return
    for first in range(lo, total - lo * (parts - 1) + 1):
        for rest in compositions(total - first, parts - 1, lo):
            yield (first, *rest)


def feasible_values(
    out: Breakdown, *, k: int, release_zero: bool, total_fixed: bool = False
) -> dict[str, set[int]] | None:
    """What an attacker who knows the algorithm can say about each hidden cell (None: no total)."""
    if out.total is None or out.total.value is None:
        return None
    hidden = [name for name, c in out.cells.items() if c.value is None]
    shown = {name: c.value for name, c in out.cells.items() if c.value is not None}
    rest = out.total.value - sum(v for v in shown.values() if v is not None)
    seen: dict[str, set[int]] = {name: set() for name in hidden}
    target = published(out)
    for guess in compositions(rest, len(hidden), 0):
        candidate: Mapping[str, int] = {**shown, **dict(zip(hidden, guess, strict=True))}
        again = threshold_breakdown(
            candidate, total=out.total.value, min_count=k, release_zero=release_zero, total_fixed=total_fixed
        )
        if published(again) == target:
            for name, value in zip(hidden, guess, strict=True):
                seen[name].add(value)
            if all(len(v) >= 2 for v in seen.values()):
                break
    return seen


@settings(max_examples=250, deadline=None)
@given(cells=breakdowns, k=st.integers(2, 12), release_zero=st.booleans(), with_total=st.booleans())
def test_no_suppressed_cell_can_be_recovered_by_subtraction(
    cells: dict[str, int], k: int, release_zero: bool, with_total: bool
) -> None:
    total = sum(cells.values()) if with_total else None
    out = threshold_breakdown(cells, total=total, min_count=k, release_zero=release_zero)
    released = [c.value for c in [*out.cells.values(), out.total] if c is not None and c.value is not None]
    assert all(v == 0 or v >= k for v in released)
    if out.total is not None and out.total.value is not None:
        hidden = [n for n, c in out.cells.items() if c.value is None]
        if hidden:
            assert len(hidden) >= 2
            assert sum(cells[n] for n in hidden) >= k  # the hidden group is not itself a small cell
    feasible = feasible_values(out, k=k, release_zero=release_zero)
    if feasible:
        for name, values in feasible.items():
            assert len(values) >= 2, f"{name}={cells[name]} recovered from {out}"


def test_the_next_smallest_cell_is_suppressed_too() -> None:
    plan = plan_suppression({"F": 3, "M": 20, "O": 12, "U": 40}, total=75, min_count=5)
    assert plan.primary == {"F"} and plan.complementary == {"O"} and not plan.total_suppressed
    out = threshold_breakdown({"F": 3, "M": 20, "O": 12, "U": 40}, total=75, min_count=5)
    assert [out.cells[k].value for k in "FMOU"] == [None, 20, None, 40]
    assert out.total is not None and out.total.value == 75
    # beside a released total every hidden cell reads alike, so none is narrowed to 1..k-1
    assert {out.cells["F"].display, out.cells["O"].display} == {"hidden"}


def test_small_cells_are_always_joined_by_a_complement() -> None:
    """Whether a complement was needed must not tell the reader anything about the small cells."""
    plan = plan_suppression({"a": 2, "b": 3, "c": 30, "d": 40}, total=75, min_count=5)
    assert plan.primary == {"a", "b"} and plan.complementary == {"c"}


def test_an_algorithm_aware_reader_cannot_pin_the_small_cells() -> None:
    # Found by hypothesis: hiding a complement only when the small cells alone were unsafe told the
    # reader that they were at their smallest (1 + 1 + 1), which pinned every one of them.
    cells = {"F": 1, "M": 1, "O": 5, "U": 5, "a": 1}
    out = threshold_breakdown(cells, total=13, min_count=3)
    feasible = feasible_values(out, k=3, release_zero=True)
    assert feasible is not None
    assert all(len(values) >= 2 for values in feasible.values()), feasible


def test_a_tie_broken_by_name_does_not_pin_the_hidden_cell() -> None:
    # Found by hypothesis: the 0 and the 2 needed two complements, F and M tied at 4 and F went by
    # name, so only F = 4 reproduced "F, O, U hidden, M = 4 shown": tied cells now go together.
    cells = {"F": 4, "M": 4, "O": 0, "U": 2}
    for total_fixed in (True, False):
        out = threshold_breakdown(cells, total=10, min_count=2, release_zero=False, total_fixed=total_fixed)
        feasible = feasible_values(out, k=2, release_zero=False, total_fixed=total_fixed)
        assert feasible is not None
        assert all(len(values) >= 2 for values in feasible.values()), (total_fixed, feasible)
    plan = plan_suppression(cells, total=10, min_count=2, release_zero=False, total_fixed=True)
    assert plan.primary == {"O"} and plan.complementary == {"F", "M", "U"}


@settings(max_examples=200, deadline=None)
@given(cells=breakdowns, k=st.integers(2, 12), release_zero=st.booleans(), total_fixed=st.booleans())
def test_the_plan_does_not_depend_on_the_cells_names(
    cells: dict[str, int], k: int, release_zero: bool, total_fixed: bool
) -> None:
    """Renaming the cells (here reversing their order by name) renames the plan and changes nothing
    else: so swapping two hidden cells' values changes nothing a reader sees, and no hidden cell
    can be told from another hidden one of a different value."""
    total = sum(cells.values())
    rename = dict(zip(sorted(cells), reversed(sorted(cells)), strict=True))
    renamed = {rename[name]: v for name, v in cells.items()}
    plan, again = (
        plan_suppression(c, total=total, min_count=k, release_zero=release_zero, total_fixed=total_fixed)
        for c in (cells, renamed)
    )
    assert {rename[name] for name in plan.primary} == again.primary
    assert {rename[name] for name in plan.complementary} == again.complementary
    assert (plan.total_suppressed, plan.total_released) == (again.total_suppressed, again.total_released)


def test_ones_everywhere_hide_the_total() -> None:
    plan = plan_suppression({str(i): 1 for i in range(6)}, total=6, min_count=5)
    assert plan.total_suppressed and plan.total_rule == "complementary"


def test_a_small_total_is_hidden_and_its_cells_need_no_complement() -> None:
    out = threshold_breakdown({"F": 3, "M": 1}, total=4, min_count=5)
    assert out.total is not None and out.total.display == "<5"
    assert [c.display for c in out.cells.values()] == ["<5", "<5"]


def test_without_a_total_only_small_cells_are_hidden() -> None:
    out = threshold_breakdown({"F": 3, "M": 20}, total=None, min_count=5)
    assert out.total is None and out.cells["M"].value == 20 and out.cells["F"].display == "<5"


def test_complementary_suppression_can_be_turned_off() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False, complementary_suppression=False))
    out = control.release_breakdown(
        {"F": 3, "M": 20}, total=23, researcher="r", dataset="ds", query="sex", cross_border=False
    )
    assert out.cells["M"].value == 20 and out.total is not None and out.total.value == 23


@settings(max_examples=60, deadline=None)
@given(cells=breakdowns, cross_border=st.booleans())
def test_noised_breakdowns_hide_the_same_cells(cells: dict[str, int], cross_border: bool) -> None:
    control = DisclosureControl(settings=DisclosureSettings(yearly_epsilon_budget=1e6))
    total = sum(cells.values())
    k = 11 if cross_border else 5
    out = control.release_breakdown(
        cells, total=total, researcher="r", dataset="ds", query="q", cross_border=cross_border
    )
    plain = threshold_breakdown(cells, total=total, min_count=k)
    assert {n for n, c in out.cells.items() if c.value is None} == {
        n for n, c in plain.cells.items() if c.value is None
    }
    assert out.total is not None and plain.total is not None
    assert (out.total.value is None) == (plain.total.value is None)
    for c in [*out.cells.values(), out.total]:
        assert c.value is None or c.value == 0 or (c.value >= k and c.how.value == "noised")
    again = control.release_breakdown(
        cells, total=total, researcher="r", dataset="ds", query="q", cross_border=cross_border
    )
    assert again == out


@settings(max_examples=1000, deadline=None)
@given(cells=breakdowns, k=st.integers(2, 12), release_zero=st.booleans())
def test_a_total_released_elsewhere_is_never_the_protection(
    cells: dict[str, int], k: int, release_zero: bool
) -> None:
    """The aggregates API releases a chart's total as the dataset's count anyway: hiding it in the
    chart would protect nothing, so the reader is given it, and still pins no hidden cell."""
    total = sum(cells.values())
    out = threshold_breakdown(cells, total=total, min_count=k, release_zero=release_zero, total_fixed=True)
    if out.total is None or out.total.value is None:
        assert total < k or (total == 0 and not release_zero)  # only a small total is hidden
        return
    if len(cells) == 1 or total == 0:
        return  # one cell is the total itself, and a total of nobody hides nobody
    feasible = feasible_values(out, k=k, release_zero=release_zero, total_fixed=True)
    for name, values in (feasible or {}).items():
        assert len(values) >= 2, f"{name}={cells[name]} recovered from {out}"
