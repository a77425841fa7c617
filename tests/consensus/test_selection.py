"""The next round drops agreed items when the rule says so, keeps the rest and adds adopted proposals."""

from __future__ import annotations

import dataclasses

import pytest

from pmbridge.consensus import COMET, GRADE_BANDS, Rating, next_round_items, round_status
from pmbridge.errors import ConsensusError

RATINGS = [
    *(Rating(f"a{i}", "EU", "agreed-in", 1, 9) for i in range(5)),
    *(Rating(f"a{i}", "EU", "agreed-out", 1, 1) for i in range(5)),
    *(Rating(f"a{i}", "EU", "split", 1, 1 + 4 * (i % 3)) for i in range(5)),
    *(Rating(f"a{i}", "EU", "middling", 1, 5) for i in range(5)),
]


def test_in_and_out_leave_the_rest_stay_and_proposals_join() -> None:
    statuses = round_status(RATINGS, COMET)
    items = ["agreed-in", "agreed-out", "split", "middling", "unrated"]
    assert next_round_items(items, statuses, COMET, proposals_adopted=["proposal-1"]) == (
        "split",
        "middling",
        "unrated",
        "proposal-1",
    )


def test_grade_important_is_a_consensus_too() -> None:
    statuses = round_status(RATINGS, GRADE_BANDS)
    assert next_round_items(list(statuses), statuses, GRADE_BANDS) == ("split",)


def test_nothing_leaves_without_drop_on_consensus() -> None:
    keep_all = dataclasses.replace(COMET, drop_on_consensus=False)
    statuses = round_status(RATINGS, keep_all)
    assert next_round_items(list(statuses), statuses, keep_all) == tuple(statuses)


def test_bad_selections_are_refused() -> None:
    statuses = round_status(RATINGS, COMET)
    with pytest.raises(ConsensusError, match="already an item"):
        next_round_items(list(statuses), statuses, COMET, proposals_adopted=["split"])
    with pytest.raises(ConsensusError, match="already an item"):
        next_round_items(list(statuses), statuses, COMET, proposals_adopted=["new", "new"])
    with pytest.raises(ConsensusError, match="twice"):
        next_round_items(["split", "split"], {}, COMET)
    with pytest.raises(ConsensusError, match="not in the round"):
        next_round_items(["split"], statuses, COMET)
