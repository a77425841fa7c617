"""Same people, same answer: the classic "A versus A minus one person" attack learns nothing, and
honest follow-up questions are never refused."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import BudgetExhausted, DisclosureRefused
from pmbridge.privacy import (
    Cohort,
    DisclosureControl,
    DisclosureSettings,
    MemoryLedger,
    ReleasedCount,
    cohort_sketch,
    differencing_conflict,
    pack_cohort,
    unpack_cohort,
)

people = st.frozensets(st.integers(0, 400), min_size=0, max_size=80)


def ask(
    control: DisclosureControl,
    cohort: Cohort,
    query: object,
    *,
    cross_border: bool = False,
    unit: str = "individuals",
    count: int | None = None,
) -> object:
    """What the researcher sees: a released count, or the refusal's rule."""
    try:
        return control.release_count(
            len(cohort) if count is None else count,
            researcher="mallory",
            dataset="ds",
            query=query,
            cross_border=cross_border,
            cohort=cohort,
            unit=unit,
        )
    except DisclosureRefused as refusal:
        return ("refused", refusal.rule)


def seen_by_attacker(answers: list[object]) -> tuple[object, ...]:
    """What the second answer tells beside the first: its form, and whether it repeats the first."""
    first, second = answers
    assert isinstance(first, ReleasedCount) and isinstance(second, ReleasedCount)
    return (second.how, second.reason, second.rule, second.value == first.value)


@settings(max_examples=200, deadline=None)
@given(
    others=st.frozensets(st.integers(0, 400), min_size=11, max_size=80),
    target=st.integers(1000, 1010),
    noise=st.booleans(),
    cross_border=st.booleans(),
    first=st.sampled_from(["A", "A minus target"]),
)
def test_a_versus_a_minus_one_person_learns_nothing(
    others: Cohort, target: int, noise: bool, cross_border: bool, first: str
) -> None:
    """Two worlds: the target has the condition (is in A) or not. The attacker asks "A" and "A
    minus the target" (a filter that excludes exactly the target) in either order. In both worlds
    the second answer is the first answer again, in the same words: it is never refused (a refusal
    only when the cohorts differ would itself be the answer) and never a new number."""
    views = []
    for target_in_a in (True, False):
        control = DisclosureControl(settings=DisclosureSettings(noise=noise), ledger=MemoryLedger())
        a = others | {target} if target_in_a else others
        questions = {"A": a, "A minus target": a - {target}}
        order = [first, "A" if first != "A" else "A minus target"]
        answers = [ask(control, questions[q], q, cross_border=cross_border) for q in order]
        views.append(seen_by_attacker(answers))
        assert views[-1][-1] is True  # the second answer repeats the first
    assert views[0] == views[1]


@settings(max_examples=200, deadline=None)
@given(
    others=st.integers(0, 10),
    noise=st.booleans(),
    cross_border=st.booleans(),
)
def test_a_cohort_just_under_k_beside_an_answered_one_gets_that_answer(
    others: int, noise: bool, cross_border: bool
) -> None:
    """A of exactly k people holds the target: "A minus target" has k-1. Had the threshold spoken
    first ("fewer than k"), it would tell the target is in A; the earlier answer is given instead."""
    k = DisclosureSettings().min_count_for(cross_border=cross_border)
    a = frozenset(range(100, 100 + k - 1)) | {7}
    control = DisclosureControl(settings=DisclosureSettings(noise=noise), ledger=MemoryLedger())
    first = ask(control, a, "A", cross_border=cross_border)
    second = ask(control, a - {7}, "A minus target", cross_border=cross_border)
    assert isinstance(first, ReleasedCount) and isinstance(second, ReleasedCount)
    assert second.value == first.value and second.value is not None


@settings(max_examples=100, deadline=None)
@given(questions=st.lists(people, min_size=1, max_size=25), cross_border=st.booleans())
def test_honest_follow_up_questions_about_people_are_never_refused(
    questions: list[Cohort], cross_border: bool
) -> None:
    """Any sequence of counts of people, for a researcher with budget left, is answered."""
    control = DisclosureControl(settings=DisclosureSettings(yearly_epsilon_budget=1000.0))
    for i, cohort in enumerate(questions):
        control.release_count(
            len(cohort), researcher="r", dataset="ds", query=f"q{i}", cross_border=cross_border, cohort=cohort
        )


@given(cohort=st.frozensets(st.integers(-(2**40), 2**40), max_size=200))
def test_cohorts_pack_and_unpack(cohort: Cohort) -> None:
    assert unpack_cohort(pack_cohort(cohort)) == cohort


@settings(max_examples=200, deadline=None)
@given(cohort=people, removed=st.integers(1, 4), k=st.integers(2, 12))
def test_cohorts_closer_than_k_are_conflicts(cohort: Cohort, removed: int, k: int) -> None:
    smaller = frozenset(sorted(cohort)[removed:])
    distance = len(cohort) - len(smaller)
    conflict = differencing_conflict(smaller, [cohort], min_count=k)
    assert conflict == (distance if distance < k and smaller else None)  # nobody never conflicts


def test_repeating_the_same_question_is_the_same_answer_and_free() -> None:
    control = DisclosureControl()
    a = frozenset(range(40))
    first = control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    again = control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    assert again == first and control.remaining("r", "ds") == 49.0


def test_the_same_people_asked_another_way_get_the_same_answer_free() -> None:
    """ "Seizures", then "seizures aged 0 to 150": the same people, so the same number, no ε."""
    control = DisclosureControl()
    a = frozenset(range(400))
    first = control.release_count(400, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    again = control.release_count(400, researcher="r", dataset="ds", query="B", cross_border=False, cohort=a)
    assert again.value == first.value and again.display == first.display
    assert "same people" in again.reason and control.remaining("r", "ds") == 49.0


def test_an_exact_number_given_again_for_another_question_reads_as_approximate() -> None:
    """With noise off, a cohort a few people from an answered one gets that number as "~N": exact
    would be false for it, and the same words are used when the cohorts are identical."""
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    a = frozenset(range(40))
    assert (
        control.release_count(
            40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a
        ).display
        == "40"
    )
    near = control.release_count(
        38, researcher="r", dataset="ds", query="B", cross_border=False, cohort=a - {1, 2}
    )
    same = control.release_count(40, researcher="r", dataset="ds", query="C", cross_border=False, cohort=a)
    assert near.display == same.display == "~40" and near.reason == same.reason


def test_cohorts_at_least_k_apart_get_their_own_answer() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    a = frozenset(range(40))
    control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    out = control.release_count(
        35, researcher="r", dataset="ds", query="B", cross_border=False, cohort=a - set(range(5))
    )
    assert out.display == "35"
    abroad = control.release_count(  # across the border "a few" is up to 10
        30, researcher="r", dataset="ds", query="C", cross_border=True, cohort=a - set(range(10))
    )
    assert abroad.display == "~35"  # the nearest answered cohort (B, 5 apart)


def test_other_researchers_get_their_own_answers() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    a = frozenset(range(40))
    control.release_count(40, researcher="r1", dataset="ds", query="A", cross_border=False, cohort=a)
    out = control.release_count(
        39, researcher="r2", dataset="ds", query="B", cross_border=False, cohort=a - {0}
    )
    assert out.display == "39"


def test_the_history_is_bounded_and_forgets_the_oldest() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False, differencing_history=3))
    base = frozenset(range(100))
    control.release_count(100, researcher="r", dataset="ds", query="old", cross_border=False, cohort=base)
    for i in range(3):
        far = frozenset(range(1000 * (i + 1), 1000 * (i + 1) + 50))
        control.release_count(
            50, researcher="r", dataset="ds", query=f"far {i}", cross_border=False, cohort=far
        )
    out = control.release_count(
        99, researcher="r", dataset="ds", query="new", cross_border=False, cohort=base - {0}
    )
    assert out.display == "99"  # "old" was forgotten


def test_same_people_same_answer_can_be_turned_off() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False, differencing_guard=False))
    a = frozenset(range(40))
    control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    assert (
        control.release_count(
            39, researcher="r", dataset="ds", query="B", cross_border=False, cohort=a - {0}
        ).display
        == "39"
    )


def test_a_chart_bar_asked_as_a_question_is_the_bar() -> None:
    """The explorer draws "female" in a sex chart; clicking it asks for the same people."""
    control = DisclosureControl()
    women, men = frozenset(range(30)), frozenset(range(30, 70))
    chart = control.release_breakdown(
        {"F": 30, "M": 40},
        total=70,
        researcher="r",
        dataset="ds",
        query="Q",
        cross_border=False,
        cohorts={"F": women, "M": men},
        total_cohort=women | men,
    )
    spent = 50.0 - control.remaining("r", "ds")
    bar = control.release_count(
        30, researcher="r", dataset="ds", query="Q and female", cross_border=False, cohort=women
    )
    assert bar.value == chart.cells["F"].value and 50.0 - control.remaining("r", "ds") == spent


def test_a_breakdown_and_the_plain_count_of_one_question_agree() -> None:
    control = DisclosureControl()
    everyone = frozenset(range(60))
    plain = control.release_count(
        60, researcher="r", dataset="ds", query="Q", cross_border=False, cohort=everyone
    )
    out = control.release_breakdown(
        {"F": 25, "M": 35},
        total=60,
        researcher="r",
        dataset="ds",
        query="Q",
        cross_border=False,
        cohorts={"F": frozenset(range(25)), "M": frozenset(range(25, 60))},
        total_cohort=everyone,
    )
    assert out.total == plain  # one number for one question, paid for once
    assert control.remaining("r", "ds") == 47.0


@settings(max_examples=200, deadline=None)
@given(seen=st.lists(people, max_size=8), k=st.integers(1, 12))
def test_an_empty_cohort_never_conflicts_either_way(seen: list[Cohort], k: int) -> None:
    assert differencing_conflict(frozenset(), seen, min_count=k) is None
    for cohort in seen:
        assert differencing_conflict(cohort, [frozenset()], min_count=k) is None


# Counts of entries (biosamples, variants) need not equal the people behind them: any count at or
# above the cross-border k (11) may come with a cohort of one person or more.
entry_counts = st.integers(11, 60)


@settings(max_examples=200, deadline=None)
@given(
    history=st.lists(st.tuples(people, entry_counts), max_size=6),
    noise=st.booleans(),
    cross_border=st.booleans(),
    public=st.booleans(),
)
def test_a_question_matching_nobody_is_answered_whatever_was_released_before(
    history: list[tuple[Cohort, int]], noise: bool, cross_border: bool, public: bool
) -> None:
    control = DisclosureControl(
        settings=DisclosureSettings(noise=noise, public_round_to=1), ledger=MemoryLedger()
    )
    for i, (cohort, count) in enumerate(history):
        for unit in ("individuals", "biosamples"):
            with contextlib.suppress(DisclosureRefused):  # exact biosample counts may differ too little
                control.release_count(
                    count if unit == "biosamples" else len(cohort),
                    researcher="r",
                    dataset="ds",
                    query=f"q{i}",
                    cross_border=cross_border,
                    cohort=cohort,
                    unit=unit,
                    public=public,
                )
    for question in ("nobody 1", "nobody 2"):
        out = control.release_count(
            0,
            researcher="r",
            dataset="ds",
            query=question,
            cross_border=cross_border,
            cohort=frozenset(),
            public=public,
        )
        assert out.display == "0"


@settings(max_examples=200, deadline=None)
@given(
    others=st.frozensets(st.integers(0, 400), min_size=1, max_size=30),
    target=st.integers(1000, 1010),
    counts=st.tuples(entry_counts, entry_counts),
    cross_border=st.booleans(),
    first=st.sampled_from(["A", "A minus target"]),
)
def test_exact_counts_of_entries_a_versus_a_minus_one_is_refused_in_both_worlds(
    others: Cohort, target: int, counts: tuple[int, int], cross_border: bool, first: str
) -> None:
    """Counts of entries (biosamples, variants) are not the size of their cohort, so they cannot be
    answered by cohort. Released exactly (noise off), the second of two questions whose cohorts
    hold someone and are fewer than k apart is refused in both worlds, so the refusal tells nothing.
    (Noised, they are covered by the ε accountant: see the test below.)"""
    for target_in_a in (True, False):
        control = DisclosureControl(settings=DisclosureSettings(noise=False), ledger=MemoryLedger())
        a = others | {target} if target_in_a else others
        questions = {"A": (a, counts[0]), "A minus target": (a - {target}, counts[1])}
        order = [first, "A" if first != "A" else "A minus target"]
        cohort, count = questions[order[0]]
        ask(control, cohort, order[0], cross_border=cross_border, unit="biosamples", count=count)
        cohort, count = questions[order[1]]
        second = ask(control, cohort, order[1], cross_border=cross_border, unit="biosamples", count=count)
        assert second == ("refused", "differencing_guard")


def test_noised_counts_of_entries_are_answered_per_question_and_charged() -> None:
    control = DisclosureControl()
    a = frozenset(range(40))
    one = ask(control, a, "A", unit="biosamples", count=80)
    two = ask(control, a - {1}, "A minus one", unit="biosamples", count=79)
    assert isinstance(one, ReleasedCount) and isinstance(two, ReleasedCount)
    assert control.remaining("mallory", "ds") == 48.0  # each a fresh draw: sequential composition


def test_per_entry_type_questions_over_the_same_filters_never_refuse_one_another() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    everyone = frozenset(range(50))
    with_samples = frozenset(range(47))  # three people gave no biosample
    for unit, count, cohort in (
        ("biosamples", 90, with_samples),
        ("individuals", 50, everyone),
        ("g_variants", 300, with_samples),
        ("runs", 47, with_samples),
        ("analyses", 47, with_samples),
    ):
        out = ask(control, cohort, {"filters": []}, unit=unit, count=count)
        assert isinstance(out, ReleasedCount), (unit, out)


def test_a_refusal_of_an_exact_entry_count_names_the_rule_and_the_fix() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    a = frozenset(range(40))
    ask(control, a, "A", unit="biosamples", count=60)
    with pytest.raises(DisclosureRefused) as caught:
        control.release_count(
            58,
            researcher="mallory",
            dataset="ds",
            query="B",
            cross_border=False,
            cohort=a - {1},
            unit="biosamples",
        )
    refusal = caught.value
    assert (refusal.rule, refusal.status, refusal.code) == ("differencing_guard", 403, "disclosure_refused")
    assert "fewer than 5 people apart" in refusal.message and "at least 5 people" in refusal.hint


def test_a_budget_refusal_still_comes_before_a_new_number() -> None:
    control = DisclosureControl(settings=DisclosureSettings(yearly_epsilon_budget=1.0))
    control.release_count(
        40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=frozenset(range(40))
    )
    with pytest.raises(BudgetExhausted):
        control.release_count(
            60, researcher="r", dataset="ds", query="B", cross_border=False, cohort=frozenset(range(100, 160))
        )
    again = control.release_count(
        40, researcher="r", dataset="ds", query="A again", cross_border=False, cohort=frozenset(range(40))
    )
    assert again.value is not None  # the same people are still answered: free


@settings(max_examples=300, deadline=None)
@given(a=people, b=people)
def test_a_sketch_never_rules_out_a_cohort_that_is_near(a: Cohort, b: Cohort) -> None:
    """The pruning is sound: sketches are never further apart than the cohorts themselves."""
    one, two = (np.frombuffer(cohort_sketch(c), dtype=np.uint32).astype(int) for c in (a, b))
    assert int(np.abs(one - two).sum()) <= len(a ^ b)
