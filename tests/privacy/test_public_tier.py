"""The public tier: every anonymous caller shares coarse answers that no one can exhaust, and a
crowd of anonymous identities learns nothing one of them could not."""

from __future__ import annotations

import math
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.privacy import (
    Cohort,
    DisclosureControl,
    DisclosureSettings,
    MemoryLedger,
    ReleasedCount,
    keyed_discrete_laplace,
)

people = st.frozensets(st.integers(0, 400), min_size=0, max_size=80)


def public(
    control: DisclosureControl,
    cohort: Cohort,
    query: object,
    *,
    who: str = "anonymous",
    unit: str = "individuals",
    count: int | None = None,
) -> ReleasedCount:
    return control.release_count(
        len(cohort) if count is None else count,
        researcher=who,
        dataset="ds",
        query=query,
        cross_border=True,
        cohort=cohort,
        unit=unit,
        public=True,
    )


def test_anonymous_callers_share_one_answer_and_spend_no_budget() -> None:
    control = DisclosureControl()
    a = frozenset(range(300))
    answers = {public(control, a, "A", who=f"sybil-{i}") for i in range(50)}
    assert len(answers) == 1
    (answer,) = answers
    assert answer.value is not None and answer.value % 10 == 0 and answer.value >= 11
    assert answer.how.value == "noised" and answer.epsilon is None and "public tier" in answer.reason
    assert control.spending("public") == {} and control.spending("anonymous") == {}


def test_rewording_a_question_about_the_same_people_gives_the_same_answer() -> None:
    control = DisclosureControl()
    a = frozenset(range(300))
    assert len({public(control, a, f"wording {i}").value for i in range(100)}) == 1


def test_the_public_noise_does_not_depend_on_what_the_ledger_remembers() -> None:
    """Keyed to the question, not stored: a ledger that forgot (a short history) answers the same."""
    settings_ = DisclosureSettings(differencing_history=1)
    control = DisclosureControl(settings=settings_)
    a = frozenset(range(300))
    first = public(control, a, "A")
    for i in range(5):
        public(control, frozenset(range(1000 * (i + 1), 1000 * (i + 1) + 200)), f"far {i}")
    assert public(control, a, "A").value == first.value


@settings(max_examples=50, deadline=None)
@given(
    questions=st.lists(st.tuples(people, st.integers(0, 90), st.booleans()), max_size=20), noise=st.booleans()
)
def test_the_public_tier_never_refuses(questions: list[tuple[Cohort, int, bool]], noise: bool) -> None:
    control = DisclosureControl(
        settings=DisclosureSettings(noise=noise, yearly_epsilon_budget=0.0), ledger=MemoryLedger()
    )
    for i, (cohort, count, of_people) in enumerate(questions):
        if of_people:
            public(control, cohort, f"q{i}")
        else:
            public(control, cohort, f"q{i}", unit="biosamples", count=count)


def test_the_keyed_noise_is_discrete_laplace_at_the_given_epsilon() -> None:
    draws = [keyed_discrete_laplace(0, 1.0, secret=b"k", key=str(i)) for i in range(20_000)]
    alpha = math.exp(-1.0)
    variance = 2 * alpha / (1 - alpha) ** 2  # of the two-sided geometric distribution
    assert abs(statistics.fmean(draws)) < 0.06
    assert abs(statistics.pvariance(draws) - variance) < 0.15 * variance
    share_zero = draws.count(0) / len(draws)
    assert abs(share_zero - (1 - alpha) / (1 + alpha)) < 0.02
