"""The differencing guard: the classic "A versus A minus one person" attack learns nothing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.errors import DisclosureRefused
from pmbridge.privacy import (
    Cohort,
    DisclosureControl,
    DisclosureSettings,
    MemoryLedger,
    ReleasedCount,
    differencing_conflict,
    pack_cohort,
    unpack_cohort,
)

people = st.frozensets(st.integers(0, 400), min_size=0, max_size=80)


def ask(control: DisclosureControl, cohort: Cohort, query: object, *, cross_border: bool = False) -> object:
    """What the researcher sees: a released count, or the refusal's rule."""
    try:
        out = control.release_count(
            len(cohort),
            researcher="mallory",
            dataset="ds",
            query=query,
            cross_border=cross_border,
            cohort=cohort,
        )
    except DisclosureRefused as refusal:
        return ("refused", refusal.rule)
    return out


def outcome_kind(answer: object) -> object:
    return answer.how.value if isinstance(answer, ReleasedCount) else answer


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
    minus the target" (a filter that excludes exactly the target) in either order, and must see
    the same kind of answer to the second question in both worlds: here a refusal.

    A is a cohort the researcher may legitimately count (at least k people either way); whether
    a cohort of k-1 or k people is shown at all is the threshold's business, not the guard's.
    """
    seen = []
    for target_in_a in (True, False):
        control = DisclosureControl(settings=DisclosureSettings(noise=noise), ledger=MemoryLedger())
        a = others | {target} if target_in_a else others
        questions = {"A": a, "A minus target": a - {target}}
        order = [first, "A" if first != "A" else "A minus target"]
        answers = [ask(control, questions[q], q, cross_border=cross_border) for q in order]
        seen.append(answers)
        second = answers[1]
        # the brief's form: the second answer is refused, or identical to the first
        assert second == ("refused", "differencing_guard") or second == answers[0]
    # the stronger form: the second answer's kind does not depend on the target's membership
    assert outcome_kind(seen[0][1]) == outcome_kind(seen[1][1])


@settings(max_examples=200, deadline=None)
@given(cohort=people, removed=st.integers(1, 4), k=st.integers(2, 12))
def test_cohorts_closer_than_k_are_conflicts(cohort: Cohort, removed: int, k: int) -> None:
    smaller = frozenset(sorted(cohort)[removed:])
    distance = len(cohort) - len(smaller)
    conflict = differencing_conflict(smaller, [cohort], min_count=k)
    assert conflict == (distance if distance < k and smaller else None)  # nobody never conflicts


@given(cohort=st.frozensets(st.integers(-(2**40), 2**40), max_size=200))
def test_cohorts_pack_and_unpack(cohort: Cohort) -> None:
    assert unpack_cohort(pack_cohort(cohort)) == cohort


def test_repeating_the_same_question_is_not_differencing() -> None:
    control = DisclosureControl()
    a = frozenset(range(40))
    first = control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    again = control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    assert again == first


def test_a_refusal_names_the_rule_and_the_fix() -> None:
    control = DisclosureControl()
    a = frozenset(range(40))
    control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    with pytest.raises(DisclosureRefused) as caught:
        control.release_count(
            38, researcher="r", dataset="ds", query="B", cross_border=False, cohort=a - {1, 2}
        )
    refusal = caught.value
    assert (
        refusal.rule == "differencing_guard"
        and refusal.status == 403
        and refusal.code == "disclosure_refused"
    )
    assert "fewer than 5 people apart" in refusal.message and "at least 5 people" in refusal.hint


def test_cohorts_at_least_k_apart_are_answered() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    a = frozenset(range(40))
    control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    out = control.release_count(
        35, researcher="r", dataset="ds", query="B", cross_border=False, cohort=a - set(range(5))
    )
    assert out.value == 35
    with pytest.raises(DisclosureRefused):  # across the border the distance must reach 11
        control.release_count(
            30, researcher="r", dataset="ds", query="C", cross_border=True, cohort=a - set(range(10))
        )


def test_other_researchers_are_not_blocked() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    a = frozenset(range(40))
    control.release_count(40, researcher="r1", dataset="ds", query="A", cross_border=False, cohort=a)
    out = control.release_count(
        39, researcher="r2", dataset="ds", query="B", cross_border=False, cohort=a - {0}
    )
    assert out.value == 39


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
    assert out.value == 99  # "old" was forgotten


def test_the_guard_can_be_turned_off() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False, differencing_guard=False))
    a = frozenset(range(40))
    control.release_count(40, researcher="r", dataset="ds", query="A", cross_border=False, cohort=a)
    assert (
        control.release_count(
            39, researcher="r", dataset="ds", query="B", cross_border=False, cohort=a - {0}
        ).value
        == 39
    )


def test_a_breakdown_is_judged_as_one_question() -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=False))
    women = frozenset(range(30))
    out = control.release_breakdown(
        {"F": 30, "M": 0},
        total=30,
        researcher="r",
        dataset="ds",
        query="sex",
        cross_border=False,
        cohorts={"F": women, "M": frozenset()},
        total_cohort=women,
    )
    assert out.cells["F"].value == 30 and out.total is not None and out.total.value == 30
    with pytest.raises(DisclosureRefused):
        control.release_count(
            29, researcher="r", dataset="ds", query="other", cross_border=False, cohort=women - {0}
        )


def test_a_breakdown_and_the_plain_count_of_one_question_agree() -> None:
    control = DisclosureControl()
    people = frozenset(range(60))
    plain = control.release_count(
        60, researcher="r", dataset="ds", query="Q", cross_border=False, cohort=people
    )
    out = control.release_breakdown(
        {"F": 25, "M": 35},
        total=60,
        researcher="r",
        dataset="ds",
        query="Q",
        cross_border=False,
        cohorts={"F": frozenset(range(25)), "M": frozenset(range(25, 60))},
        total_cohort=people,
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
)
def test_a_question_matching_nobody_is_answered_whatever_was_released_before(
    history: list[tuple[Cohort, int]], noise: bool, cross_border: bool
) -> None:
    control = DisclosureControl(settings=DisclosureSettings(noise=noise), ledger=MemoryLedger())
    for i, (cohort, count) in enumerate(history):
        with contextlib.suppress(DisclosureRefused):  # some earlier questions differ too little
            control.release_count(
                count,
                researcher="anonymous",
                dataset="ds",
                query=f"q{i}",
                cross_border=cross_border,
                cohort=cohort,
            )
    for question in ("nobody 1", "nobody 2"):
        out = control.release_count(
            0,
            researcher="anonymous",
            dataset="ds",
            query=question,
            cross_border=cross_border,
            cohort=frozenset(),
        )
        assert out.display == "0"


@settings(max_examples=200, deadline=None)
@given(
    others=st.frozensets(st.integers(0, 400), min_size=1, max_size=30),
    target=st.integers(1000, 1010),
    counts=st.tuples(entry_counts, entry_counts),
    noise=st.booleans(),
    cross_border=st.booleans(),
    first=st.sampled_from(["A", "A minus target"]),
)
def test_a_versus_a_minus_one_person_is_refused_for_any_non_empty_cohort(
    others: Cohort,
    target: int,
    counts: tuple[int, int],
    noise: bool,
    cross_border: bool,
    first: str,
) -> None:
    """The classic attack on counts of entries, whose cohorts may be far smaller than k: as long as
    both cohorts hold someone, the second question is refused in both worlds (distance 1 when the
    target is in A, distance 0 when not), so the refusal tells nothing."""
    for target_in_a in (True, False):
        control = DisclosureControl(settings=DisclosureSettings(noise=noise), ledger=MemoryLedger())
        a = others | {target} if target_in_a else others
        questions = {"A": (a, counts[0]), "A minus target": (a - {target}, counts[1])}
        order = [first, "A" if first != "A" else "A minus target"]
        cohort, count = questions[order[0]]
        control.release_count(
            count,
            researcher="mallory",
            dataset="ds",
            query=order[0],
            cross_border=cross_border,
            cohort=cohort,
        )
        cohort, count = questions[order[1]]
        with pytest.raises(DisclosureRefused) as caught:
            control.release_count(
                count,
                researcher="mallory",
                dataset="ds",
                query=order[1],
                cross_border=cross_border,
                cohort=cohort,
            )
        assert caught.value.rule == "differencing_guard"
