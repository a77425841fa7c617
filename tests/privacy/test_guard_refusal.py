"""The differencing guard on exact counts of entries (biosamples, variants): its refusal says nothing
about the cohorts it compared, not how far apart they are, nor whether they hold the very same
people (which would tell whether a target is in)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import DisclosureRefused
from pmbridge.privacy import Cohort, DisclosureControl, DisclosureSettings, MemoryLedger


def refusal(first: Cohort, second: Cohort, *, cross_border: bool) -> DisclosureRefused:
    """Release ``first``, then ask for ``second`` under another question: the guard's refusal."""
    control = DisclosureControl(settings=DisclosureSettings(noise=False), ledger=MemoryLedger())
    control.release_count(
        2 * len(first),
        researcher="mallory",
        dataset="ds",
        query="A",
        cross_border=cross_border,
        cohort=first,
        unit="biosamples",
    )
    try:
        control.release_count(
            2 * len(second),
            researcher="mallory",
            dataset="ds",
            query="B",
            cross_border=cross_border,
            cohort=second,
            unit="biosamples",
        )
    except DisclosureRefused as error:
        return error
    raise AssertionError("cohorts closer than k were answered")


def near(base: Cohort, distance: int) -> Cohort:
    """``base`` with ``distance`` people changed: the first removed, the rest added from outside."""
    removed = distance // 2
    added = distance - removed
    kept = frozenset(sorted(base)[removed:])
    return kept | frozenset(range(10_000, 10_000 + added))


@settings(max_examples=200, deadline=None)
@given(
    base=st.frozensets(st.integers(0, 500), min_size=12, max_size=80),
    distances=st.lists(st.integers(0, 10), min_size=2, max_size=4),
    cross_border=st.booleans(),
)
def test_the_refusal_is_the_same_whatever_the_distance(
    base: Cohort, distances: list[int], cross_border: bool
) -> None:
    k = DisclosureSettings().min_count_for(cross_border=cross_border)
    shown = set()
    for distance in (d % k for d in distances):  # 0 (the same people) to k-1 apart: all conflicts
        error = refusal(base, near(base, distance), cross_border=cross_border)
        assert error.rule == "differencing_guard" and error.status == 403
        shown.add((error.code, error.message, error.hint))
    assert len(shown) == 1, shown  # one text for every distance, so the text tells nothing


def test_the_refusal_names_no_distance() -> None:
    base = frozenset(range(40))
    for distance in range(5):
        error = refusal(base, near(base, distance), cross_border=False)
        said = f"{error.message} {error.hint}"
        assert "same people" not in said and f"within {distance}" not in said
