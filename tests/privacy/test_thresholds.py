"""Minimum counts: no released count is ever between 1 and k-1, with or without noise and rounding."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.privacy import (
    DisclosureControl,
    DisclosureSettings,
    ReleaseMethod,
    below_threshold,
    threshold_count,
)

counts = st.integers(min_value=0, max_value=10_000)
thresholds = st.integers(min_value=1, max_value=25)


def assert_outside_small_range(value: int | None, k: int) -> None:
    assert value is None or value == 0 or value >= k, (value, k)


@given(exact=counts, k=thresholds, release_zero=st.booleans(), round_to=st.integers(1, 20))
def test_no_released_count_is_between_1_and_k_minus_1(
    exact: int, k: int, release_zero: bool, round_to: int
) -> None:
    out = threshold_count(exact, min_count=k, release_zero=release_zero, round_to=round_to)
    assert_outside_small_range(out.value, k)
    assert (out.value is None) == (out.how is ReleaseMethod.SUPPRESSED)
    if out.value is None:
        assert below_threshold(exact, min_count=k, release_zero=release_zero)
    elif round_to == 1:
        assert out.value == exact and out.how is ReleaseMethod.EXACT
    elif exact:
        assert out.value % round_to == 0 and out.how is ReleaseMethod.ROUNDED and out.rounded_to == round_to


@settings(max_examples=300)
@given(
    exact=counts,
    cross_border=st.booleans(),
    round_to=st.sampled_from([1, 5, 10]),
    query=st.integers(0, 10**6),
)
def test_no_noised_count_is_between_1_and_k_minus_1(
    exact: int, cross_border: bool, round_to: int, query: int
) -> None:
    control = DisclosureControl(settings=DisclosureSettings(round_to=round_to, yearly_epsilon_budget=1e6))
    out = control.release_count(
        exact, researcher="r", dataset="ds", query={"q": query}, cross_border=cross_border
    )
    k = 11 if cross_border else 5
    assert out.threshold == k
    assert_outside_small_range(out.value, k)
    if 0 < exact < k:
        assert out.display == f"<{k}" and out.rule == "min_count"
    if exact >= k:
        assert out.how is ReleaseMethod.NOISED and out.epsilon == 1.0
        assert out.value is not None and out.value % round_to == 0


def test_same_jurisdiction_shows_small_counts_as_fewer_than_5() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    shown = [
        control.release_count(c, researcher="r", dataset="ds", query={"c": c}, cross_border=False).display
        for c in range(7)
    ]
    assert shown == ["0", "<5", "<5", "<5", "<5", "5", "6"]


def test_across_the_border_1_to_10_are_suppressed_and_0_is_allowed() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    values = [
        control.release_count(c, researcher="r", dataset="ds", query={"c": c}, cross_border=True).value
        for c in range(13)
    ]
    assert values == [0, *[None] * 10, 11, 12]


def test_thresholds_are_configurable() -> None:
    control = DisclosureControl(
        settings=DisclosureSettings(noise=False, min_count=3, min_count_cross_border=20)
    )
    home = control.release_count(3, researcher="r", dataset="ds", query=1, cross_border=False)
    abroad = control.release_count(19, researcher="r", dataset="ds", query=2, cross_border=True)
    assert home.value == 3
    assert abroad.value is None and abroad.display == "<20"


def test_zero_can_be_hidden_too() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False, release_zero=False))
    out = control.release_count(0, researcher="r", dataset="ds", query=1, cross_border=False)
    assert out.value is None and out.display == "<5"


def test_rounding_never_goes_below_the_threshold() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False, round_to=10))
    got = {
        c: control.release_count(c, researcher="r", dataset="ds", query={"c": c}, cross_border=True).value
        for c in (11, 14, 15, 26)
    }
    assert got == {11: 20, 14: 20, 15: 20, 26: 30}


def test_every_released_number_says_how_it_was_made() -> None:
    control = DisclosureControl()
    out = control.release_count(40, researcher="r", dataset="ds", query=1, cross_border=False)
    fields = out.to_dict()
    assert fields["how"] == "noised" and fields["epsilon"] == 1.0 and fields["threshold"] == 5
    assert "Laplace" in str(fields["reason"]) and str(fields["display"]).startswith("≈")
    zero = control.release_count(0, researcher="r", dataset="ds", query=2, cross_border=False)
    assert zero.to_dict()["how"] == "exact" and zero.epsilon is None
