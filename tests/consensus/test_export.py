"""The CSV export names nobody: codes come from answers, small groups pool, and it recounts exactly."""

from __future__ import annotations

import doctest
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.consensus import (
    COMET,
    GRADE_BANDS,
    OTHER_GROUPS,
    PANEL_70,
    UNABLE,
    Rating,
    _export,
    round_status,
)
from pmbridge.consensus._export import export_csv, export_rows, read_export
from pmbridge.errors import ConsensusError
from tests.consensus.strategies import GROUPS, scores

ITEMS = ("it-a", "it-b", "it-c")


@st.composite
def studies(draw: st.DrawFn) -> list[Rating]:
    """Up to 3 rounds of ratings by up to 30 panellists in up to 4 groups; each takes part in some
    rounds and rates some items."""
    size = draw(st.integers(1, 30))
    groups = draw(st.lists(st.sampled_from(GROUPS), min_size=size, max_size=size))
    ratings = []
    for person, group in enumerate(groups):
        for round_ in draw(st.sets(st.integers(1, 3), max_size=3)):
            for item in draw(st.sets(st.sampled_from(ITEMS), min_size=1)):
                ratings.append(Rating(f"pn-{person}", group, item, round_, draw(scores)))
    return ratings


def rename(ratings: list[Rating], mapping: dict[str, str]) -> list[Rating]:
    return [Rating(mapping.get(r.panellist, r.panellist), r.group, r.item, r.round, r.score) for r in ratings]


def panel(group: str, scores_: list[int | object], *, item: str = "it-a", round_: int = 1) -> list[Rating]:
    return [Rating(f"{group}-{i}", group, item, round_, s) for i, s in enumerate(scores_)]  # type: ignore[arg-type]


def test_the_csv_has_codes_not_ids_and_sorted_rows() -> None:
    ratings = panel("EU", [9, 8, 7, 6, UNABLE]) + panel("EU", [1, 2, 3, 4, 5], item="it-b")
    text = export_csv(ratings, k=5)
    lines = text.splitlines()
    assert lines[0] == "code,round,group,item,score"
    assert "EU-" not in text
    assert {line.split(",")[0] for line in lines[1:]} == {f"P00{n}" for n in range(1, 6)}
    assert "unable" in text
    assert lines[1:] == sorted(lines[1:], key=lambda line: (line.split(",")[1], line.split(",")[0]))


def test_a_small_group_is_written_as_other_groups() -> None:
    ratings = panel("EU", [9] * 6) + panel("CN", [8] * 5) + panel("REG", [1] * 3) + panel("PAT", [5] * 2)
    groups = Counter(row.group for row in export_rows(ratings, k=5))
    assert groups == {"EU": 6, "CN": 5, OTHER_GROUPS: 5}


def test_a_small_pool_joins_the_smallest_group_as_feedback_does() -> None:
    ratings = panel("EU", [9] * 6) + panel("CN", [8] * 5) + panel("REG", [1] * 3)
    groups = Counter(row.group for row in export_rows(ratings, k=5))
    assert groups == {"EU": 6, f"CN and {OTHER_GROUPS}": 8}


def test_a_round_below_k_is_left_out() -> None:
    ratings = panel("EU", [9] * 5) + panel("EU", [9] * 4, round_=2)
    assert {row.round for row in export_rows(ratings, k=5)} == {1}


def test_codes_are_not_linked_across_rounds_unless_the_protocol_says_so() -> None:
    # EU-0 answers 1 then 9; EU-4 answers 9 then 1: per-round codes follow the answers
    ratings = panel("EU", [1, 5, 5, 5, 9]) + panel("EU", [9, 5, 5, 5, 1], round_=2)
    low = {(row.round, row.code) for row in export_rows(ratings, k=5) if row.score in (1,)}
    assert low == {(1, "P001"), (2, "P001")}
    stable = export_rows(ratings, k=5, stable_codes=True)
    codes = {row.code for row in stable if row.score == 1}
    assert len(codes) == 2  # the two people who once answered 1 keep their own codes
    assert len({row.code for row in stable}) == 5


def test_read_export_refuses_other_files() -> None:
    with pytest.raises(ConsensusError):
        read_export("a,b\n1,2\n")
    with pytest.raises(ConsensusError):
        read_export("code,round,group,item,score\nP001,x,EU,it,9\n")
    with pytest.raises(ConsensusError):
        export_rows([], k=0)


def test_doctests_pass() -> None:
    result = doctest.testmod(_export, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


@settings(max_examples=150, deadline=None)
@given(studies(), st.randoms(use_true_random=False), st.booleans())
def test_swapping_panellists_histories_changes_nothing(
    ratings: list[Rating], random: object, stable: bool
) -> None:
    people = sorted({r.panellist for r in ratings})
    shuffled = list(people)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    renamed = rename(ratings, dict(zip(people, shuffled, strict=True)))
    assert export_csv(renamed, k=5, stable_codes=stable) == export_csv(ratings, k=5, stable_codes=stable)


@settings(max_examples=150, deadline=None)
@given(studies(), st.integers(2, 6), st.booleans())
def test_no_group_label_has_fewer_than_k_codes(ratings: list[Rating], k: int, stable: bool) -> None:
    codes: dict[tuple[int, str], set[str]] = {}
    for row in export_rows(ratings, k=k, stable_codes=stable):
        codes.setdefault((row.round, row.group), set()).add(row.code)
    assert all(len(found) >= k for found in codes.values())
    assert all(not row.code.startswith("pn-") for row in export_rows(ratings, k=k))


@settings(max_examples=150, deadline=None)
@given(studies(), st.sampled_from([COMET, PANEL_70, GRADE_BANDS]), st.integers(1, 4))
def test_statuses_recomputed_from_the_csv_equal_the_raw_ones(
    ratings: list[Rating], rule: object, k: int
) -> None:
    back = read_export(export_csv(ratings, k=k))
    for round_ in sorted({r.round for r in ratings}):
        raw = [r for r in ratings if r.round == round_]
        again = [r for r in back if r.round == round_]
        if len({r.panellist for r in raw}) < k:
            assert again == []
            continue
        pooled = {r.group for r in again} != {r.group for r in raw}
        if pooled:
            continue
        expected = round_status(raw, rule)  # type: ignore[arg-type]
        found = round_status(again, rule)  # type: ignore[arg-type]
        assert {i: (s.status, s.reason) for i, s in found.items()} == {
            i: (s.status, s.reason) for i, s in expected.items()
        }
