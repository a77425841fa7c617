"""Feedback releases only blocks of ≥ k respondents that partition the panel, and names nobody."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.consensus import OTHER_GROUPS, UNABLE, Rating, round_feedback
from pmbridge.errors import ConsensusError
from tests.consensus.strategies import item_ratings


def group(name: str, scores: list[int], *, start: int = 0) -> list[Rating]:
    return [Rating(f"{name}-{i + start}", name, "x", 1, s) for i, s in enumerate(scores)]


def test_large_groups_are_shown_alone_and_small_ones_pooled() -> None:
    ratings = group("EU", [9] * 6) + group("CN", [8] * 5) + group("REG", [1] * 3) + group("PAT", [5] * 2)
    blocks = round_feedback(ratings).blocks
    assert [(b.label, b.groups, b.respondents) for b in blocks] == [
        ("CN", ("CN",), 5),
        ("EU", ("EU",), 6),
        (OTHER_GROUPS, ("PAT", "REG"), 5),
    ]
    assert blocks[2].counts == (3, 0, 0, 0, 2, 0, 0, 0, 0)


def test_a_small_pool_joins_the_smallest_shown_group() -> None:
    ratings = group("EU", [9] * 6) + group("CN", [8] * 5) + group("REG", [1] * 3)
    blocks = round_feedback(ratings).blocks
    assert [(b.label, b.groups, b.respondents) for b in blocks] == [
        (f"CN and {OTHER_GROUPS}", ("CN", "REG"), 8),
        ("EU", ("EU",), 6),
    ]


def test_only_small_groups_pool_into_one_block() -> None:
    ratings = group("EU", [9] * 3) + group("CN", [8] * 3)
    assert [(b.label, b.respondents) for b in round_feedback(ratings).blocks] == [(OTHER_GROUPS, 6)]


def test_a_panel_below_k_sees_nothing() -> None:
    assert round_feedback(group("EU", [9] * 4)).blocks == ()
    assert round_feedback(group("EU", [9] * 4), k=4).blocks != ()


def test_unable_to_score_is_shown_and_counts_as_a_respondent() -> None:
    ratings = [*group("EU", [9] * 4), Rating("EU-x", "EU", "x", 1, UNABLE)]
    (block,) = round_feedback(ratings).blocks
    assert (block.unable, block.respondents) == (1, 5)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ConsensusError):
        round_feedback(group("EU", [9] * 5), k=0)
    with pytest.raises(ConsensusError):
        round_feedback([])
    with pytest.raises(ConsensusError):
        round_feedback(group("EU", [9] * 5) + group("EU", [9]))


@settings(max_examples=400)
@given(item_ratings(max_size=30), st.integers(1, 8))
def test_blocks_are_at_least_k_and_partition_the_respondents(ratings: list[Rating], k: int) -> None:
    feedback = round_feedback(ratings, k=k)
    if len(ratings) < k:
        assert feedback.blocks == ()
        return
    assert all(block.respondents >= k for block in feedback.blocks)
    members = [g for block in feedback.blocks for g in block.groups]
    assert sorted(members) == sorted({r.group for r in ratings})  # every group once: no overlap
    assert sum(block.respondents for block in feedback.blocks) == len(ratings)
    for block in feedback.blocks:
        inside = [r for r in ratings if r.group in block.groups]
        assert block.respondents == len(inside)
        assert block.counts == tuple(sum(1 for r in inside if r.score == s) for s in range(1, 10))


@given(item_ratings(max_size=30), st.integers(1, 8), st.data())
def test_swapping_two_panellists_within_a_group_changes_nothing(
    ratings: list[Rating], k: int, data: st.DataObject
) -> None:
    first = data.draw(st.integers(0, len(ratings) - 1))
    mates = [i for i, r in enumerate(ratings) if r.group == ratings[first].group]
    second = data.draw(st.sampled_from(mates))
    swapped = list(ratings)
    a, b = ratings[first], ratings[second]
    swapped[first] = Rating(a.panellist, a.group, a.item, a.round, b.score)
    swapped[second] = Rating(b.panellist, b.group, b.item, b.round, a.score)
    assert round_feedback(swapped, k=k) == round_feedback(ratings, k=k)


@given(item_ratings(max_size=30), st.integers(1, 8))
def test_feedback_names_no_panellist(ratings: list[Rating], k: int) -> None:
    shown = repr(round_feedback(ratings, k=k))
    assert not any(r.panellist in shown for r in ratings)
