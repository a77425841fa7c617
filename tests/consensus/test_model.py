"""Ratings refuse bad input with the error tree's ConsensusError and a hint; the public face is exact."""

from __future__ import annotations

import pytest

import pmbridge.consensus as consensus
from pmbridge.consensus import UNABLE, Rating, Status
from pmbridge.errors import ConsensusError


@pytest.mark.parametrize("score", [0, 10, -1, True, "7", 7.0, None])
def test_a_score_outside_1_to_9_is_refused(score: object) -> None:
    with pytest.raises(ConsensusError, match="not 1–9 or UNABLE") as caught:
        Rating("p", "g", "i", 1, score)  # type: ignore[arg-type]
    assert caught.value.hint
    assert caught.value.status == 400


@pytest.mark.parametrize("score", [1, 5, 9, UNABLE])
def test_scores_1_to_9_and_unable_are_accepted(score: consensus.Score) -> None:
    assert Rating("p", "g", "i", 2, score).score == score


@pytest.mark.parametrize(
    ("panellist", "group", "item", "round_"),
    [("", "g", "i", 1), ("p", " ", "i", 1), ("p", "g", "", 1), ("p", "g", "i", 0), ("p", "g", "i", True)],
)
def test_ids_and_round_are_checked(panellist: str, group: str, item: str, round_: int) -> None:
    with pytest.raises(ConsensusError):
        Rating(panellist, group, item, round_, 5)


def test_unable_is_not_a_number_and_not_scored() -> None:
    assert not isinstance(UNABLE, int)
    assert not Rating("p", "g", "i", 1, UNABLE).scored
    assert repr(UNABLE) == "UNABLE"


def test_only_no_consensus_is_undecided() -> None:
    assert [s for s in Status if not s.decided] == [Status.NO_CONSENSUS]


def test_all_is_sorted_and_exact() -> None:
    assert consensus.__all__ == sorted(consensus.__all__, key=lambda n: (not n.isupper(), n[0].islower(), n))
    public = {n for n in dir(consensus) if not n.startswith("_")}
    assert set(consensus.__all__) == public - {"annotations"}
