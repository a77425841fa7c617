"""Item status: presets on hand-made tallies at the exact thresholds, an integer-only oracle, invariances."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmbridge.consensus import (
    COMET,
    GRADE_BANDS,
    PANEL_70,
    UNABLE,
    Band,
    ConsensusRule,
    Op,
    Rating,
    Scope,
    Score,
    Status,
    item_status,
    round_status,
)
from pmbridge.errors import ConsensusError
from tests.consensus.strategies import item_ratings, rules


def panel(*groups: tuple[str, Mapping[Any, int]], item: str = "x") -> list[Rating]:
    """Ratings from ``(group, {score: how many})`` pairs."""
    ratings = []
    for group, spread in groups:
        for score, how_many in spread.items():
            ratings += [Rating(f"{group}-{score}-{i}", group, item, 1, score) for i in range(how_many)]
    return ratings


# --- COMET: ≥ 70 % rate 7–9 and < 15 % rate 1–3, in every group -------------------------------


def test_comet_in_at_exactly_fourteen_of_twenty() -> None:
    s = item_status(panel(("EU", {8: 14, 5: 6})), COMET)
    assert s.status is Status.IN
    assert s.groups[0].percent(Band.HIGH) == 70


def test_comet_not_in_at_thirteen_of_twenty() -> None:
    assert item_status(panel(("EU", {8: 13, 5: 7})), COMET).status is Status.NO_CONSENSUS


def test_comet_not_in_when_exactly_fifteen_percent_rate_1_to_3() -> None:
    assert item_status(panel(("EU", {8: 14, 1: 3, 5: 3})), COMET).status is Status.NO_CONSENSUS
    assert item_status(panel(("EU", {8: 14, 1: 2, 5: 4})), COMET).status is Status.IN


def test_comet_out_mirrors_in() -> None:
    assert item_status(panel(("EU", {2: 14, 5: 6})), COMET).status is Status.OUT
    assert item_status(panel(("EU", {2: 14, 8: 3, 5: 3})), COMET).status is Status.NO_CONSENSUS
    assert item_status(panel(("EU", {2: 14, 8: 2, 5: 4})), COMET).status is Status.OUT


def test_comet_needs_every_group() -> None:
    agreed = ("EU", {9: 20})
    assert item_status(panel(agreed, ("CN", {9: 14, 4: 6})), COMET).status is Status.IN
    split = item_status(panel(agreed, ("CN", {9: 13, 4: 7})), COMET)
    assert split.status is Status.NO_CONSENSUS
    assert "CN: no_consensus" in split.reason
    assert item_status(panel(agreed, ("CN", {1: 20})), COMET).status is Status.NO_CONSENSUS


def test_unable_to_score_is_out_of_the_denominator() -> None:
    s = item_status(panel(("EU", {8: 14, 5: 6, UNABLE: 10})), COMET)
    assert s.status is Status.IN
    assert (s.groups[0].scorers, s.groups[0].unable, s.groups[0].respondents) == (20, 10, 30)


def test_a_group_of_only_unable_cannot_agree() -> None:
    assert item_status(panel(("EU", {9: 20}), ("CN", {UNABLE: 3})), COMET).status is Status.NO_CONSENSUS


def test_a_group_below_min_scorers_makes_no_consensus() -> None:
    strict = ConsensusRule("strict", Scope.EVERY_GROUP, COMET.clauses_in, COMET.clauses_out, min_scorers=5)
    s = item_status(panel(("EU", {9: 20}), ("CN", {9: 4, UNABLE: 3})), strict)
    assert s.status is Status.NO_CONSENSUS
    assert "4 scorers, fewer than the 5" in s.reason
    assert item_status(panel(("EU", {9: 20}), ("CN", {9: 5})), strict).status is Status.IN


def test_reason_names_the_deciding_figures() -> None:
    s = item_status(panel(("EU", {8: 15, 5: 4, 2: 1})), COMET)
    assert s.reason == "in: 15/20 (75 %) rated 7–9 and 1/20 (5 %) rated 1–3 in every group (EU)"
    two = item_status(panel(("EU", {8: 15, 5: 4, 2: 1}), ("CN", {9: 10})), COMET)
    assert two.reason == (
        "in in every group: CN: 10/10 (100 %) rated 7–9 and 0/10 (0 %) rated 1–3; "
        "EU: 15/20 (75 %) rated 7–9 and 1/20 (5 %) rated 1–3"
    )
    assert two.rule_digest == COMET.digest()


# --- PANEL_70 and GRADE_BANDS: the whole panel ---------------------------------------------------


def test_panel_70_pools_the_groups() -> None:
    ratings = panel(("EU", {9: 10}), ("CN", {9: 4, 5: 6}))
    assert item_status(ratings, COMET).status is Status.NO_CONSENSUS
    s = item_status(ratings, PANEL_70)
    assert s.status is Status.IN
    assert s.reason.endswith("over the whole panel")
    assert [g.status for g in s.groups] == [Status.NO_CONSENSUS, Status.IN]  # CN, EU, for information


@pytest.mark.parametrize(
    ("spread", "expected"),
    [
        ({8: 14, 2: 6}, Status.IN),
        ({8: 13, 5: 7}, Status.NO_CONSENSUS),
        ({5: 14, 8: 6}, Status.IMPORTANT),
        ({2: 14, 8: 6}, Status.OUT),
        ({2: 7, 5: 7, 8: 6}, Status.NO_CONSENSUS),
    ],
)
def test_grade_bands(spread: dict[Score, int], expected: Status) -> None:
    assert item_status(panel(("EU", spread)), GRADE_BANDS).status is expected


def test_a_rule_where_two_outcomes_hold_gives_no_consensus() -> None:
    from fractions import Fraction

    from pmbridge.consensus import Clause

    loose = ConsensusRule(
        "loose",
        Scope.WHOLE_PANEL,
        (Clause(Band.HIGH, Op.AT_LEAST, Fraction(30)),),
        (Clause(Band.LOW, Op.AT_LEAST, Fraction(30)),),
    )
    s = item_status(panel(("EU", {9: 5, 1: 5})), loose)
    assert s.status is Status.NO_CONSENSUS
    assert "both in and out hold" in s.reason


# --- input checks --------------------------------------------------------------------------------


def test_one_rating_per_panellist_one_item_one_round() -> None:
    with pytest.raises(ConsensusError, match="twice"):
        item_status([Rating("p", "g", "x", 1, 9), Rating("p", "g", "x", 1, 8)], COMET)
    with pytest.raises(ConsensusError, match="mixed"):
        item_status([Rating("p", "g", "x", 1, 9), Rating("q", "g", "y", 1, 8)], COMET)
    with pytest.raises(ConsensusError, match="rounds"):
        round_status([Rating("p", "g", "x", 1, 9), Rating("p", "g", "x", 2, 8)], COMET)
    with pytest.raises(ConsensusError):
        item_status([], COMET)


# --- the oracle: plain integers, written apart from the code under test -------------------------


def oracle_holds(clause_band: str, op: str, numerator: int, denominator: int, scores: Sequence[int]) -> bool:
    """percent = numerator/denominator %; compare count × 100 × denominator with numerator × total."""
    low = int(clause_band[0])
    count = sum(1 for s in scores if low <= s <= low + 2)
    total = len(scores)
    if total == 0:
        return False
    if op == ">=":
        return count * 100 * denominator >= numerator * total
    return count * 100 * denominator < numerator * total


def oracle_unit(scores: Sequence[Score], rule_json: dict[str, object]) -> str:
    numeric = [s for s in scores if isinstance(s, int)]
    if len(numeric) < int(rule_json["min_scorers"]):  # type: ignore[call-overload]
        return "no_consensus"
    held = []
    for outcome in ("in", "out", "important"):
        clauses = rule_json[outcome]
        assert isinstance(clauses, list)
        if clauses and all(
            oracle_holds(
                c["band"],
                c["op"],
                int(c["percent"].split("/")[0]),
                int(c["percent"].split("/")[1]) // 100,
                numeric,
            )
            for c in clauses
        ):
            held.append(outcome)
    return held[0] if len(held) == 1 else "no_consensus"


def oracle_status(ratings: Sequence[Rating], rule: ConsensusRule) -> str:
    import json

    rule_json = json.loads(rule.to_json())
    if rule_json["scope"] == "whole_panel":
        return oracle_unit([r.score for r in ratings], rule_json)
    groups = sorted({r.group for r in ratings})
    verdicts = {oracle_unit([r.score for r in ratings if r.group == g], rule_json) for g in groups}
    return verdicts.pop() if len(verdicts) == 1 else "no_consensus"


@settings(max_examples=400)
@given(item_ratings(), rules())
def test_status_agrees_with_an_integer_oracle(ratings: list[Rating], rule: ConsensusRule) -> None:
    assert item_status(ratings, rule).status.value == oracle_status(ratings, rule)


@settings(max_examples=300)
@given(item_ratings(), st.sampled_from([COMET, PANEL_70, GRADE_BANDS]))
def test_presets_agree_with_the_oracle(ratings: list[Rating], rule: ConsensusRule) -> None:
    assert item_status(ratings, rule).status.value == oracle_status(ratings, rule)


@given(item_ratings(), rules(), st.randoms(use_true_random=False))
def test_status_ignores_rating_order_and_panellist_ids(
    ratings: list[Rating], rule: ConsensusRule, rng: random.Random
) -> None:
    shuffled = list(ratings)
    rng.shuffle(shuffled)
    new_ids = [f"someone-else-{i}" for i in range(len(ratings))]
    rng.shuffle(new_ids)
    renamed = [
        Rating(new, r.group, r.item, r.round, r.score) for new, r in zip(new_ids, shuffled, strict=True)
    ]
    assert item_status(renamed, rule) == item_status(ratings, rule)


@given(
    st.lists(item_ratings(item="a", max_size=15), min_size=1, max_size=1), item_ratings(item="b", max_size=15)
)
def test_round_status_is_item_status_per_item(a: list[list[Rating]], b: list[Rating]) -> None:
    b = [Rating(f"b-{r.panellist}", r.group, r.item, r.round, r.score) for r in b]
    result = round_status([*a[0], *b], COMET)
    assert result == {"a": item_status(a[0], COMET), "b": item_status(b, COMET)}


@given(item_ratings(), rules())
def test_item_status_names_no_panellist(ratings: list[Rating], rule: ConsensusRule) -> None:
    shown = repr(item_status(ratings, rule))
    assert not any(r.panellist in shown for r in ratings)
