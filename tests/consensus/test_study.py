"""A study's parts parsed from JSON: presets or full rules, the protocol's defaults and bounds, both
languages required where they must be, and the statement panellists read."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from pmbridge.consensus import (
    COMET,
    DEFAULT_K,
    GRADE_BANDS,
    PANEL_70,
    Protocol,
    Provenance,
    bilingual,
    check_id,
    item_texts,
    rule_of,
)
from pmbridge.consensus._rules import ConsensusRule
from pmbridge.errors import ConsensusError
from tests.consensus.strategies import rules


def test_presets_are_named_in_any_case_and_full_rules_are_read() -> None:
    assert rule_of("comet") == (COMET, "COMET")
    assert rule_of("PANEL_70")[0] is PANEL_70
    assert rule_of(json.loads(GRADE_BANDS.to_json()))[0] == GRADE_BANDS
    with pytest.raises(ConsensusError) as caught:
        rule_of("delphi")
    assert "comet, panel_70, grade_bands" in caught.value.hint


@given(rules())
def test_a_protocol_reads_back_what_it_wrote(rule: ConsensusRule) -> None:
    protocol = Protocol(rule, k=4, rounds=2, organiser_sees_ratings=True, previous_respondents_only=False)
    back = Protocol.from_json(json.loads(json.dumps(protocol.to_json())))
    assert back == protocol and back.rule.digest() == rule.digest()


def test_the_protocol_s_defaults_and_bounds() -> None:
    protocol = Protocol.parse({"rule": "comet"})
    assert (protocol.k, protocol.rounds) == (DEFAULT_K, 3)
    assert not protocol.organiser_sees_ratings and protocol.previous_respondents_only
    for bad in ({"k": 1}, {"k": True}, {"rounds": 1}, {"rounds": 6}, {"organiser_sees_ratings": "yes"}):
        with pytest.raises(ConsensusError):
            Protocol.parse({"rule": "comet", **bad})
    assert Protocol.parse({"k": 7}, base=protocol).rule is COMET


def test_the_statement_says_who_sees_what_in_both_languages() -> None:
    private = Protocol(COMET, k=6).statement()
    shown = Protocol(COMET, organiser_sees_ratings=True).statement()
    assert "No one, the organisers included" in private["en"] and "6 people" in private["en"]
    assert "包括组织者在内" in private["zh"] and "6 人" in private["zh"]
    assert "organisers can see" in shown["en"] and "组织者可以看到" in shown["zh"]


def test_texts_need_both_languages_where_they_must() -> None:
    assert bilingual({"en": "T"}, what="title", required=False) == {"en": "T", "zh": ""}
    for bad in ({"en": "T"}, {"en": "T", "zh": "题", "fr": "x"}, "T"):
        with pytest.raises(ConsensusError):
            bilingual(bad, what="title")
    texts = item_texts({"en": {"text": " A "}, "zh": {"text": "甲", "provenance": "machine"}})
    assert texts["en"].text == "A" and texts["zh"].provenance is Provenance.MACHINE
    with pytest.raises(ConsensusError, match="both"):
        item_texts({"en": {"text": "A"}})
    with pytest.raises(ConsensusError, match="plain id"):
        check_id("two words", what="item")
