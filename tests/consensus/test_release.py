"""What a closed round releases: statuses by the rule on every rating, tallies only in blocks of ≥ k,
and reasons that never name a group too small to be shown."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.consensus import (
    COMET,
    GRADE_BANDS,
    PANEL_70,
    UNABLE,
    Rating,
    Scope,
    item_status,
    released_round,
)
from tests.consensus.strategies import GROUPS, item_ratings, rules


def _round(ratings: list[Rating], k: int, rule: object = COMET) -> dict[str, object]:
    return released_round(
        round_=1,
        items=["item-1"],
        ratings=ratings,
        rule=rule,
        k=k,
        invited=50,
        responded=len(ratings),
        first_invited=50,
    )


@settings(max_examples=300, deadline=None)
@given(item_ratings(), st.one_of(st.sampled_from([COMET, PANEL_70, GRADE_BANDS]), rules()), st.integers(2, 8))
def test_no_result_tallies_a_block_below_k_or_names_a_small_group(
    ratings: list[Rating], rule: object, k: int
) -> None:
    released = _round(ratings, k, rule)
    (item,) = released["items"]
    sizes = Counter(r.group for r in ratings)
    small = {g for g, n in sizes.items() if n < k}
    for block in item["groups"]:
        assert block["respondents"] >= k
        assert block["respondents"] == sum(sizes[g] for g in block["groups"])
        assert not (len(block["groups"]) == 1 and block["groups"][0] in small)
    assert item["panel"] is None or item["panel"]["respondents"] >= k
    if len(ratings) < k:
        assert item["groups"] == [] and item["panel"] is None and "median" not in item
    for group in small:
        assert group not in item["reason"]
    # the status is the rule's, decided on every rating, where every tally it decides on has k
    assert item["status"] == item_status(ratings, rule, k=k).status.value
    deciding = [len(ratings)] if rule.scope is Scope.WHOLE_PANEL else list(sizes.values())
    if min(deciding) >= k:
        assert item["status"] == item_status(ratings, rule).status.value
    else:  # the status alone would tell what the few rated
        assert item["status"] == "no_consensus"
    json.dumps(released)  # the whole result is plain JSON


def test_a_group_below_k_cannot_decide_so_its_ratings_never_show_through_the_status() -> None:
    """The review's repro: the blocks are the same whatever the one CN respondent rated, and the
    status would have told it (in with an 8, no_consensus with a 5)."""
    eu = [Rating(f"e{i}", "EU clinicians", "item-1", 1, 9) for i in range(6)]
    statuses = set()
    for lone in (8, 5):
        ratings = [*eu, Rating("c0", "CN clinicians", "item-1", 1, lone)]
        (item,) = _round(ratings, 5)["items"]
        statuses.add(item["status"])
        assert item_status(ratings, COMET).status.value == ("in" if lone == 8 else "no_consensus")
        assert item["reason"].startswith("no_consensus: fewer than 5 answered in a group")
        assert "CN clinicians" not in item["reason"]
        assert [b["label"] for b in item["groups"]] == ["EU clinicians and other groups"]
    assert statuses == {"no_consensus"}


def test_a_panel_below_k_decides_nothing() -> None:
    """One person answered and the organiser closed the round: the status says nothing of them."""
    for score in (1, 5, 9):
        (item,) = _round([Rating("p", "EU", "item-1", 1, score)], 5, PANEL_70)["items"]
        assert item["status"] == "no_consensus" and item["groups"] == [] and item["panel"] is None
        assert "fewer than 5 answered in the whole panel" in item["reason"]


def test_a_small_group_is_pooled_in_the_figures_of_the_reason() -> None:
    ratings = [Rating(f"e{i}", "EU clinicians", "item-1", 1, 9) for i in range(6)]
    ratings += [Rating(f"p{i}", "patients", "item-1", 1, 8) for i in range(2)]
    (item,) = _round(ratings, 5)["items"]
    assert item["status"] == "no_consensus"  # patients (2 < k) cannot decide under every_group
    assert [b["label"] for b in item["groups"]] == ["EU clinicians and other groups"]
    assert "patients" not in item["reason"] and "8/8 (100 %) rated 7–9" in item["reason"]
    assert item["panel"] == {"respondents": 8, "scored": 8, "unable": 0, "counts": [0] * 7 + [2, 6]}
    assert item["median"] == 9.0
    (whole,) = _round(ratings, 5, PANEL_70)["items"]  # the whole panel (8 >= k) decides alone
    assert whole["status"] == "in"


def test_when_every_group_is_shown_the_rule_s_own_reason_is_kept() -> None:
    ratings = [Rating(f"{g}{i}", g, "item-1", 1, 9 if i else UNABLE) for g in GROUPS[:2] for i in range(5)]
    (item,) = _round(ratings, 5)["items"]
    assert item["reason"] == item_status(ratings, COMET).reason
    assert [b["in_band_percent"]["7-9"] for b in item["groups"]] == [100.0, 100.0]
    assert [b["unable"] for b in item["groups"]] == [1, 1]


def test_an_item_nobody_rated_is_not_rated_and_retention_counts_round_one() -> None:
    out = released_round(
        round_=2,
        items=["a", "b"],
        ratings=[Rating("p", "g", "a", 2, 5)],
        rule=PANEL_70,
        k=5,
        invited=4,
        responded=3,
        first_invited=9,
    )
    assert [i["status"] for i in out["items"]] == ["no_consensus", "not_rated"]
    assert out["retention"] == 0.3333
    assert out["items"][0]["groups"] == [] and out["items"][0]["panel"] is None


def test_a_group_asked_but_silent_on_an_item_blocks_it_as_a_group_of_one_would() -> None:
    """The second review's repro: with groups of [5, 5, 5, 0] answering, the item was `in` "in every
    group" while [5, 5, 5, 1] was `no_consensus`; both are now undecided."""
    asked = ("a", "b", "c", "d")
    three = [Rating(f"{g}{i}", g, "item-1", 1, 9) for g in asked[:3] for i in range(5)]
    for ratings in (three, [*three, Rating("d0", "d", "item-1", 1, 9)]):
        status = item_status(ratings, COMET, k=5, asked=asked)
        assert status.status.value == "no_consensus"
        assert status.reason.startswith("no_consensus: fewer than 5 answered in a group")
    assert item_status(three, COMET, k=5).status.value == "in"  # without knowing d was asked
    assert item_status(three, PANEL_70, k=5, asked=asked).status.value == "in"  # the panel decides
