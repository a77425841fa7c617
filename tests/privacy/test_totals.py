"""Totals over released parts: the sum of what left, never of what was held back (property tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.privacy import ReleasedCount, ReleaseMethod, released_total, threshold_count

counts = st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(0, 60), max_size=6)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(counts, st.integers(2, 12), st.integers(1, 5))
def test_a_total_is_the_sum_of_released_parts_and_names_the_rest(
    exact: dict[str, int], k: int, round_to: int
) -> None:
    parts = {
        n: threshold_count(v, min_count=k, release_zero=True, round_to=round_to) for n, v in exact.items()
    }
    total = released_total(parts)
    shown = [p.value for p in parts.values() if p.value is not None]
    assert total.value == (sum(shown) if shown else None)
    assert total.missing == tuple(n for n, p in parts.items() if p.value is None)
    assert total.partial == any(0 < v < k for v in exact.values())
    assert total.parts == len(parts)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(counts, st.integers(2, 12), st.data())
def test_a_total_does_not_depend_on_the_values_it_hides(
    exact: dict[str, int], k: int, data: st.DataObject
) -> None:
    """Changing a suppressed part's true value (anywhere in 1..k-1) never changes the total."""
    other = {n: data.draw(st.integers(1, k - 1)) if 0 < v < k else v for n, v in exact.items()}
    made = [
        released_total({n: threshold_count(v, min_count=k, release_zero=True) for n, v in world.items()})
        for world in (exact, other)
    ]
    assert made[0] == made[1]


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(st.lists(st.sampled_from(list(ReleaseMethod)), min_size=1, max_size=5))
def test_a_total_is_as_inexact_as_its_least_exact_part(hows: list[ReleaseMethod]) -> None:
    parts = {
        str(i): ReleasedCount(
            value=None if how is ReleaseMethod.SUPPRESSED else 20, how=how, threshold=5, reason=""
        )
        for i, how in enumerate(hows)
    }
    shown = [h for h in hows if h is not ReleaseMethod.SUPPRESSED]
    expected = next(
        (m for m in (ReleaseMethod.NOISED, ReleaseMethod.ROUNDED, ReleaseMethod.EXACT) if m in shown),
        ReleaseMethod.SUPPRESSED,
    )
    total = released_total(parts)
    assert total.how is expected
    assert total.to_dict()["display"] == total.display
