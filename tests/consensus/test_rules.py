"""Rules are data: exact thresholds, canonical JSON that round-trips, and a digest that moves."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.consensus import COMET, GRADE_BANDS, PANEL_70, PRESETS, Band, Clause, ConsensusRule, Op, Scope
from pmbridge.errors import ConsensusError
from tests.consensus.strategies import clauses, rules


def test_seventy_percent_is_exact_at_fourteen_of_twenty() -> None:
    at_least_70 = Clause(Band.HIGH, Op.AT_LEAST, Fraction(70))
    assert at_least_70.holds(14, 20)
    assert not at_least_70.holds(13, 20)
    assert at_least_70.holds(7, 10)
    assert not at_least_70.holds(69, 99)


def test_fifteen_percent_is_not_below_fifteen_percent() -> None:
    below_15 = Clause(Band.LOW, Op.BELOW, Fraction(15))
    assert not below_15.holds(3, 20)
    assert below_15.holds(2, 20)


def test_no_clause_holds_without_scorers() -> None:
    assert not Clause(Band.LOW, Op.BELOW, Fraction(15)).holds(0, 0)


@pytest.mark.parametrize("total", range(1, 61))
def test_clause_agrees_with_integer_arithmetic_for_every_count(total: int) -> None:
    for count in range(total + 1):
        assert Clause(Band.HIGH, Op.AT_LEAST, Fraction(70)).holds(count, total) == (count * 100 >= 70 * total)
        assert Clause(Band.LOW, Op.BELOW, Fraction(15)).holds(count, total) == (count * 100 < 15 * total)


def test_presets_are_what_the_literature_says() -> None:
    assert PRESETS == {"COMET": COMET, "PANEL_70": PANEL_70, "GRADE_BANDS": GRADE_BANDS}
    assert COMET.scope is Scope.EVERY_GROUP
    assert PANEL_70.scope is Scope.WHOLE_PANEL
    assert COMET.clauses_in == PANEL_70.clauses_in
    assert json.loads(COMET.to_json())["in"] == [
        {"band": "7-9", "op": ">=", "percent": "70/100"},
        {"band": "1-3", "op": "<", "percent": "15/100"},
    ]
    assert [c.band for c in GRADE_BANDS.clauses_important] == [Band.MID]


def test_canonical_json_has_sorted_keys_and_no_spaces() -> None:
    text = COMET.to_json()
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_an_equal_percent_spelled_differently_reads_to_the_same_digest() -> None:
    text = COMET.to_json().replace('"70/100"', '"7/10"')
    assert ConsensusRule.from_json(text).digest() == COMET.digest()


@given(rules())
def test_rule_json_round_trips(rule: ConsensusRule) -> None:
    again = ConsensusRule.from_json(rule.to_json())
    assert again == rule
    assert again.to_json() == rule.to_json()
    assert again.digest() == rule.digest()


@given(rules(), st.data())
def test_digest_changes_when_any_clause_changes(rule: ConsensusRule, data: st.DataObject) -> None:
    fields = [f for f in ("clauses_in", "clauses_out", "clauses_important") if getattr(rule, f)]
    field = data.draw(st.sampled_from(fields))
    old: tuple[Clause, ...] = getattr(rule, field)
    index = data.draw(st.integers(0, len(old) - 1))
    new_clause = data.draw(clauses.filter(lambda c: c != old[index]))
    changes: dict[str, Any] = {field: (*old[:index], new_clause, *old[index + 1 :])}
    changed = dataclasses.replace(rule, **changes)
    assert changed.digest() != rule.digest()


@given(rules())
def test_digest_changes_with_scope_quorum_and_drop(rule: ConsensusRule) -> None:
    other_scope = Scope.WHOLE_PANEL if rule.scope is Scope.EVERY_GROUP else Scope.EVERY_GROUP
    variants = [
        dataclasses.replace(rule, scope=other_scope),
        dataclasses.replace(rule, min_scorers=rule.min_scorers + 1),
        dataclasses.replace(rule, drop_on_consensus=not rule.drop_on_consensus),
        dataclasses.replace(rule, clauses_in=(*rule.clauses_in, Clause(Band.MID, Op.BELOW, Fraction(50)))),
    ]
    assert len({rule.digest(), *(v.digest() for v in variants)}) == 5


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"scope": "every_group"}',
        '{"name": "x", "scope": "somewhere", "in": []}',
        '{"name": "x", "scope": "every_group", "in": [{"band": "7-9", "op": ">=", "percent": "70"}]}',
        '{"name": "x", "scope": "every_group", "in": [{"band": "7-8", "op": ">=", "percent": "70/100"}]}',
        '{"name": "x", "scope": "every_group", "in": [{"band": "7-9", "op": ">", "percent": "70/100"}]}',
        '{"name": "x", "scope": "every_group", "in": [{"band": "7-9", "op": ">=", "percent": "70/0"}]}',
        '{"name": "x", "scope": "every_group", "in": [{"band": "7-9", "op": ">=", "percent": "170/100"}]}',
        '{"name": "x", "scope": "every_group", "in": ["7-9"]}',
        '{"name": "x", "scope": "every_group", "in": []}',
        '{"name": "x", "scope": "every_group", "quorum": 3, '
        '"in": [{"band": "7-9", "op": ">=", "percent": "7/10"}]}',
        '{"name": "x", "scope": "every_group", '
        '"in": [{"band": "7-9", "op": ">=", "percent": "7/10", "x": 1}]}',
        '{"name": "x", "scope": "every_group", "min_scorers": 0, '
        '"in": [{"band": "7-9", "op": ">=", "percent": "7/10"}]}',
    ],
)
def test_a_bad_rule_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(ConsensusError) as caught:
        ConsensusRule.from_json(text)
    assert caught.value.hint
