"""The yearly ε budget per researcher and dataset: never exceeded, refused with a reason, readable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import BudgetExhausted, DisclosureRefused
from pmbridge.privacy import DisclosureControl, DisclosureSettings, MemoryLedger, refused

requests = st.lists(
    st.tuples(
        st.sampled_from(["alice", "bob"]),
        st.sampled_from(["ds1", "ds2"]),
        st.integers(0, 6),  # which question
        st.sampled_from([0, 3, 40, 41, 500]),  # its exact count
        st.sampled_from([2024, 2025]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    requests=requests, epsilon=st.sampled_from([0.1, 0.3, 1.0, 2.5]), budget=st.sampled_from([0.0, 1.0, 5.0])
)
def test_the_budget_is_never_exceeded(
    requests: list[tuple[str, str, int, int, int]], epsilon: float, budget: float
) -> None:
    control = DisclosureControl(
        settings=DisclosureSettings(epsilon_per_count=epsilon, yearly_epsilon_budget=budget),
        ledger=MemoryLedger(),
    )
    paid: dict[tuple[str, str, int], int] = {}
    cached: dict[tuple[str, str, int], tuple[int, int | None]] = {}  # question -> (exact, answer)
    for researcher, dataset, question, exact, year in requests:
        account = (researcher, dataset, year)
        key = (researcher, dataset, question)
        hit = key in cached and cached[key][0] == exact
        affordable = paid.get(account, 0) * epsilon + epsilon <= budget + 1e-9
        if not hit and exact >= 5 and not affordable:
            with pytest.raises(BudgetExhausted) as refusal:
                control.release_count(
                    exact,
                    researcher=researcher,
                    dataset=dataset,
                    query=question,
                    cross_border=False,
                    year=year,
                )
            assert refusal.value.status == 403 and refusal.value.code == "budget_exhausted"
            continue
        out = control.release_count(
            exact, researcher=researcher, dataset=dataset, query=question, cross_border=False, year=year
        )
        if out.epsilon is not None:
            if hit:
                assert out.value == cached[key][1]  # a repeat is answered from the cache, for free
            else:
                paid[account] = paid.get(account, 0) + 1
                cached[key] = (exact, out.value)
        assert control.ledger.spent(researcher, dataset, year) <= budget + 1e-9
    for (researcher, dataset, year), draws in paid.items():
        assert control.ledger.spent(researcher, dataset, year) == pytest.approx(draws * epsilon)


def test_an_exhausted_budget_is_refused_naming_the_rule_and_the_fix() -> None:
    control = DisclosureControl(settings=DisclosureSettings(yearly_epsilon_budget=3.0))
    for q in range(3):
        control.release_count(100, researcher="alice", dataset="ds1", query=q, cross_border=False, year=2025)
    with pytest.raises(BudgetExhausted) as caught:
        control.release_count(100, researcher="alice", dataset="ds1", query=99, cross_border=False, year=2025)
    refusal = caught.value
    assert isinstance(refusal, DisclosureRefused) and refusal.rule == "budget"
    assert "spent ε 3 of 3 on dataset ds1 in 2025" in refusal.message
    assert "2026" in refusal.hint and "cached" in refusal.hint
    # the questions already answered stay answerable, for free
    again = control.release_count(
        100, researcher="alice", dataset="ds1", query=0, cross_border=False, year=2025
    )
    assert again.value is not None
    # other datasets, researchers and years have their own budgets
    assert control.remaining("alice", "ds2", 2025) == 3.0
    assert control.remaining("bob", "ds1", 2025) == 3.0
    assert control.remaining("alice", "ds1", 2026) == 3.0
    assert control.remaining("alice", "ds1", 2025) == 0.0
    assert control.spending("alice", 2025) == {"ds1": 3.0}


def test_a_refusal_can_stand_in_a_reply_as_a_suppressed_count() -> None:
    control = DisclosureControl(settings=DisclosureSettings(yearly_epsilon_budget=0.0))
    with pytest.raises(BudgetExhausted) as caught:
        control.release_count(100, researcher="r", dataset="ds1", query=1, cross_border=True)
    out = refused(caught.value, threshold=11)
    assert out.value is None and out.rule == "budget" and "steward" in out.reason


def test_a_breakdown_is_refused_whole_before_anything_is_spent() -> None:
    control = DisclosureControl(settings=DisclosureSettings(yearly_epsilon_budget=2.0))
    cells = {"F": 30, "M": 40}
    with pytest.raises(BudgetExhausted):
        control.release_breakdown(
            cells, total=70, researcher="r", dataset="ds", query="sex", cross_border=False, year=2025
        )
    assert control.remaining("r", "ds", 2025) == 2.0
    out = control.release_breakdown(
        cells, total=None, researcher="r", dataset="ds", query="sex", cross_border=False, year=2025
    )
    assert control.remaining("r", "ds", 2025) == 0.0
    again = control.release_breakdown(
        cells, total=None, researcher="r", dataset="ds", query="sex", cross_border=False, year=2025
    )
    assert again == out  # cached, free, even with the budget spent


def test_the_default_budget_is_50_and_epsilon_1() -> None:
    control = DisclosureControl()
    assert control.remaining("new researcher", "any dataset") == 50.0
    for q in range(50):
        control.release_count(20, researcher="r", dataset="ds", query=q, cross_border=False, year=2025)
    with pytest.raises(BudgetExhausted):
        control.release_count(20, researcher="r", dataset="ds", query=50, cross_border=False, year=2025)
