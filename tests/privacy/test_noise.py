"""Noise through OpenDP, cached per (researcher, identical query): repeating cannot average it away."""

from __future__ import annotations

import statistics

import opendp.prelude as dp
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.privacy import DisclosureControl, DisclosureSettings, discrete_laplace, noise_scale

queries = st.dictionaries(
    st.sampled_from(["filters", "datasets", "granularity"]), st.integers(0, 5), min_size=1
)


@settings(max_examples=150, deadline=None)
@given(exact=st.integers(5, 5000), query=queries, repeats=st.integers(2, 6), researcher=st.sampled_from("ab"))
def test_an_identical_repeated_query_returns_the_identical_noisy_answer(
    exact: int, query: dict[str, int], repeats: int, researcher: str
) -> None:
    control = DisclosureControl()
    answers = [
        control.release_count(exact, researcher=researcher, dataset="ds", query=query, cross_border=False)
        for _ in range(repeats)
    ]
    assert all(a == answers[0] for a in answers)
    assert control.remaining(researcher, "ds") == 49.0  # only the first draw spent ε


def test_key_order_and_paging_do_not_make_a_new_query() -> None:
    control = DisclosureControl()
    first = control.release_count(
        500,
        researcher="r",
        dataset="ds",
        query={"filters": ["HP:1"], "skip": 0, "limit": 10},
        cross_border=False,
    )
    again = control.release_count(
        500,
        researcher="r",
        dataset="ds",
        query={"limit": 50, "skip": 3, "filters": ["HP:1"]},
        cross_border=False,
    )
    assert again == first and control.remaining("r", "ds") == 49.0


def test_repeating_a_noisy_query_does_not_average_the_noise_away() -> None:
    control = DisclosureControl(settings=DisclosureSettings(epsilon_per_count=0.2))
    exact = 1000
    answers = {
        control.release_count(exact, researcher="r", dataset="ds", query="same", cross_border=False).value
        for _ in range(200)
    }
    assert len(answers) == 1  # one draw, however often it is asked
    assert control.remaining("r", "ds") == 49.8


def test_distinct_questions_get_independent_noise() -> None:
    draws = [discrete_laplace(1000, 1.0) for _ in range(400)]
    assert len(set(draws)) > 3  # P(all equal) is below 1e-100 for scale 1
    # discrete Laplace with scale 1 has variance 2·e/(e-1)² ≈ 1.84; a loose check that noise is there
    assert 0.5 < statistics.pvariance(draws) < 6


def test_the_noise_is_calibrated_by_opendp_to_the_configured_epsilon() -> None:
    dp.enable_features("contrib")
    space = dp.atom_domain(T=int), dp.absolute_distance(T=int)
    for epsilon in (0.1, 1 / 3, 0.7, 1.0, 2.0):
        measurement = dp.m.make_laplace(*space, scale=noise_scale(epsilon))
        assert measurement.map(1) <= epsilon


def test_another_researcher_gets_their_own_draw_and_pays_for_it() -> None:
    control = DisclosureControl()
    control.release_count(800, researcher="a", dataset="ds", query="q", cross_border=False)
    control.release_count(800, researcher="b", dataset="ds", query="q", cross_border=False)
    assert control.remaining("a", "ds") == 49.0 and control.remaining("b", "ds") == 49.0


def test_a_changed_exact_count_is_a_new_release() -> None:
    control = DisclosureControl()
    control.release_count(800, researcher="r", dataset="ds", query="q", cross_border=False)
    control.release_count(812, researcher="r", dataset="ds", query="q", cross_border=False)
    assert control.remaining("r", "ds") == 48.0


def test_noise_can_be_turned_off() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    out = control.release_count(812, researcher="r", dataset="ds", query="q", cross_border=False)
    assert out.value == 812 and out.how.value == "exact" and control.remaining("r", "ds") == 50.0


def test_counts_that_are_not_released_cost_nothing() -> None:
    control = DisclosureControl()
    for exact in (0, 1, 4):
        control.release_count(exact, researcher="r", dataset="ds", query={"n": exact}, cross_border=False)
    assert control.remaining("r", "ds") == 50.0
