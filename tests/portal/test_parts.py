"""The portal's pure parts: term search, the explorer's query, released counts and their marks, charts,
refusals, cost estimates, exports, languages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pmbridge.client import Aggregates, aggregates_body
from pmbridge.client import CostEstimate as PriceList
from pmbridge.errors import BudgetExhausted
from pmbridge.portal import Lang, TermIndex
from pmbridge.portal._charts import bar_chart, fit_label
from pmbridge.portal._cohort import from_aggregates, in_hidden_cells
from pmbridge.portal._cost import from_estimate
from pmbridge.portal._counts import ShownCount, add_counts
from pmbridge.portal._explorer import explorer_charts
from pmbridge.portal._export import export_rows, to_csv, to_json
from pmbridge.portal._i18n import Formatter, choose_lang
from pmbridge.portal._query import read_query
from pmbridge.portal._refusals import node_state, refusal_in_reply, refusal_of_rule
from pmbridge.portal._sessions import SessionStore
from pmbridge.privacy import ReleasedCount, ReleaseMethod


def rc(value: int | None, how: str = "exact", **extra: object) -> dict[str, object]:
    return {"value": value, "how": how, "threshold": 11, "epsilon": None, "rule": None, "reason": "", **extra}


def test_english_words_match_by_prefix_in_any_order(terms: TermIndex) -> None:
    assert terms.search("morphology heart abn", limit=3)[0].id == "HP:0001627"
    assert terms.search("seizure", limit=1)[0].id == "HP:0001250"  # the exact label first
    assert all(t.en.lower().startswith("seiz") for t in terms.search("seiz", limit=3))
    assert terms.search("qqqq zzzz") == []


def test_chinese_text_matches_inside_labels(terms: TermIndex) -> None:
    found = terms.search("癫痫", limit=20)
    assert found[0].id == "HP:0001250"  # 癫痫发作: the label begins with the text
    assert any(t.zh and not t.zh.startswith("癫痫") and "癫痫" in t.zh for t in found)  # mid-label too
    assert all(t.zh is not None and "癫痫" in t.zh for t in found)


def test_obsolete_and_alternative_ids_lead_to_the_current_term(terms: TermIndex) -> None:
    old, new = next(iter(terms.aliases.items()))
    found = terms.get(old)
    assert found is not None and found.id == new
    assert terms.get("HP:9999999") is None


def test_labels_fall_back_to_english_and_say_so(terms: TermIndex) -> None:
    found = terms.get("HP:0041090")
    assert found is not None and found.zh is None
    assert found.label(Lang.ZH) == ("Pelvic avulsion fracture", True)
    seizure = terms.get("HP:0001250")
    assert seizure is not None and seizure.label(Lang.ZH) == ("癫痫发作", False)


def test_typed_labels_resolve_to_one_term_or_to_choices(terms: TermIndex) -> None:
    for typed, wanted in (("癫痫发作", "HP:0001250"), ("Arachnodactyly (HP:0001166)", "HP:0001166")):
        found = terms.resolve(typed).term
        assert found is not None and found.id == wanted
    heart = terms.resolve("heart")
    assert heart.term is None and len(heart.choices) > 1
    assert terms.resolve("zzzzqq").choices == ()


def test_a_query_string_becomes_beacon_filters(terms: TermIndex) -> None:
    query = read_query(
        [
            ("hpo", "Seizure"),
            ("hpo", "HP:0001250"),
            ("disease", "omim:154700"),
            ("gene", "fbn1"),
            ("sex", "Female"),
            ("age_min", "18"),
            ("age_max", "40"),
            ("run", "1"),
        ],
        index=terms,
    )
    assert query.ready
    assert query.filters() == [
        {"id": "HP:0001250"},
        {"id": "OMIM:154700"},
        {"id": "geneId", "operator": "=", "value": "FBN1"},
        {"id": "sex", "operator": "=", "value": "female"},
        {"id": "age", "operator": ">=", "value": "18"},
        {"id": "age", "operator": "<", "value": "41"},
    ]
    assert parse_qsl(query.query_string(lang="zh"))[-1] == ("lang", "zh")


def test_problems_are_collected_per_field(terms: TermIndex) -> None:
    query = read_query(
        [
            ("disease", "marfan"),
            ("gene", "F B N"),
            ("sex", "x"),
            ("age_min", "9"),
            ("age_max", "3"),
            ("hpo", "zzzzqq"),
            ("run", "1"),
        ],
        index=terms,
    )
    assert sorted(p.field for p in query.problems) == ["age_max", "disease", "gene", "sex"]
    assert not query.ready and [r.text for r in query.unresolved] == ["zzzzqq"]
    assert len(read_query([("hpo", "HP:0001250")] * 11, index=terms).problems) == 1


@given(
    st.lists(st.sampled_from(["HP:0001250", "HP:0001166", "Seizure", "细长指(趾)"]), max_size=4),
    st.sampled_from(["", "female", "male"]),
    st.one_of(st.none(), st.integers(0, 150)),
    st.booleans(),
)
def test_the_canonical_url_asks_the_same_question(
    terms: TermIndex, hpo: list[str], sex: str, age: int | None, run: bool
) -> None:
    pairs = [("hpo", h) for h in hpo] + [("sex", sex), ("age_min", "" if age is None else str(age))]
    first = read_query(pairs + ([("run", "1")] if run else []), index=terms)
    again = read_query(parse_qsl(first.query_string()), index=terms)
    assert again.filters() == first.filters() and again.run == first.run
    assert again.query_string() == first.query_string()


def test_released_counts_are_read_and_unknown_shapes_are_not_guessed() -> None:
    assert ShownCount.from_wire(rc(12, "noised", epsilon=1.0)).epsilon == 1.0
    assert ShownCount.from_wire(rc(None, "suppressed", rule="min_count")).marked
    for broken in (rc(3, "suppressed"), rc(None, "exact"), rc(3, "made-up"), rc(True), "12", -1, None):
        assert ShownCount.from_wire(broken).how == "unknown"


FEWER = ShownCount(None, "suppressed", threshold=11, rule="min_count")
HIDDEN = ShownCount(None, "suppressed", threshold=11, rule="complementary")
REFUSED = ShownCount(None, "suppressed", threshold=5, rule="budget")


@pytest.mark.parametrize(
    ("wire", "shown", "kind"),
    [
        (rc(12), "12", "exact"),
        (rc(1234, "noised", epsilon=1.0), "≈1,234", "noised"),
        (rc(10, "rounded"), "~10", "rounded"),
        (rc(None, "suppressed", rule="min_count"), "<11", "fewer"),
        (rc(None, "suppressed", rule="complementary"), "hidden", "hidden"),
        (rc(None, "suppressed", rule="allele_count_floor"), "withheld", "withheld"),
        (rc(None, "suppressed", rule="budget"), "refused", "refused"),
        (rc(None, "suppressed", rule="differencing_guard"), "refused", "refused"),
        (rc(None, "suppressed", rule="access_level"), "refused", "refused"),
        (rc(None, "suppressed", rule="X4"), "refused", "refused"),
    ],
)
def test_each_meaning_has_one_mark(wire: dict[str, object], shown: str, kind: str) -> None:
    count = ShownCount.from_wire(wire)
    assert (count.plain(), count.kind) == (shown, kind)
    assert "†" not in count.plain() and "*" not in count.plain()  # marks kept for other meanings
    assert ShownCount.from_wire({**wire, "display": "ignored"}).plain() == shown


def test_a_hidden_cell_never_reads_as_a_small_number() -> None:
    for text in (HIDDEN.plain(), REFUSED.plain(), add_counts([HIDDEN, FEWER]).plain()):
        assert not text.startswith("<") and not any(c.isdigit() for c in text)


def test_sums_are_marked_as_their_least_exact_part_and_never_count_held_back_parts() -> None:
    exact, noised = ShownCount(10, "exact"), ShownCount(20, "noised")
    assert add_counts([exact, exact]) == ShownCount(20, "exact")
    assert add_counts([exact, noised]).how == "noised"
    assert add_counts([exact, FEWER]).plain() == "≥10 (+ <11)"
    assert add_counts([noised, HIDDEN]).plain() == "≥20 (+ hidden)"
    assert add_counts([noised, HIDDEN]).base == "noised"
    assert add_counts([ShownCount(0, "exact"), FEWER]).plain() == "<11"
    assert add_counts([FEWER, FEWER]).plain() == "<21"  # each below 11: together below 21, not 11
    assert add_counts([FEWER, HIDDEN]).plain() == "hidden"
    assert add_counts([exact, FEWER, REFUSED]).plain() == "≥10 (+ refused)"
    assert add_counts([add_counts([exact, FEWER]), noised]).plain() == "≥30 (+ <11)"
    assert add_counts([HIDDEN]) is HIDDEN
    assert add_counts([]).how == "unknown"


_released = st.builds(ShownCount, st.integers(0, 5000), st.sampled_from(["exact", "noised", "rounded"]))
_held = st.builds(
    lambda rule, k: ShownCount(None, "suppressed", threshold=k, rule=rule),
    st.sampled_from(["min_count", "complementary", "allele_count_floor", "budget", "X4"]),
    st.sampled_from([5, 11]),
)


@given(st.lists(st.one_of(_released, _held), min_size=1, max_size=6))
def test_a_sum_is_the_released_parts_only_and_says_so(parts: list[ShownCount]) -> None:
    summed = add_counts(parts)
    released = sum(p.value for p in parts if p.value is not None)
    held = [p for p in parts if p.value is None]
    if not held:
        assert summed.value == released and not summed.plain().startswith("≥")
    elif released:
        assert summed.how == "partial" and summed.value == released
        assert summed.plain().startswith(f"≥{released:,} (+ ")
    else:
        assert summed.value is None
        if all(p.kind == "fewer" for p in held):  # an upper bound no part alone could break
            assert summed.threshold == sum((p.threshold or 0) - 1 for p in held) + 1
        else:
            assert summed.kind in ("hidden", "withheld", "refused")


def aggregates() -> dict[str, object]:
    return {
        "datasets": [
            {
                "node": "a",
                "dataset": "a1",
                "total": rc(40, "noised"),
                "breakdowns": {"sex": {"cells": {"female": rc(25), "male": rc(None, "suppressed")}}},
            },
            {
                "node": "b",
                "dataset": "b1",
                "total": rc(None, "suppressed", rule="min_count"),
                "breakdowns": {"sex": {"cells": {"female": rc(0), "male": rc(12)}}},
            },
        ],
        "nodes": [
            {"node": "a", "status": "ok", "elapsedMs": 3.0, "detail": ""},
            {"node": "b", "status": "ok", "elapsedMs": 4.0, "detail": ""},
            {"node": "c", "status": "timeout", "elapsedMs": 5000.0, "detail": "no reply within 5 s"},
        ],
        "missingNodes": ["c"],
    }


def test_the_hubs_aggregates_become_node_dataset_and_cell_counts() -> None:
    counts = from_aggregates(Aggregates.model_validate(aggregates()))
    assert [(n.node, n.total.how if n.total else None) for n in counts.nodes] == [
        ("a", "noised"),
        ("b", "suppressed"),
        ("c", None),
    ]
    assert counts.total.plain() == "≥40 (+ <11)"
    sex = {cell: count.plain() for cell, count in counts.breakdowns["sex"]}
    assert sex == {"female": "25", "male": "≥12 (+ <11)"}
    assert counts.hidden_cells["sex"].plain() == "<11"  # one cell held back: shown as itself
    assert counts.missing == ("c",)
    assert [n.state for n in counts.nodes] == ["answered", "answered", "timeout"]


def test_exports_hold_one_row_per_number_shown() -> None:
    counts = from_aggregates(Aggregates.model_validate(aggregates()))
    rows = list(csv.DictReader(io.StringIO(to_csv(export_rows(counts)))))
    assert [r["level"] for r in rows] == ["network", "node", "node", "node", "dataset", "dataset"] + [
        "breakdown"
    ] * 3
    assert rows[5]["how"] == "suppressed" and rows[5]["value"] == "" and rows[5]["display"] == "<11"
    assert (rows[0]["how"], rows[0]["value"], rows[0]["display"]) == ("partial", "40", "≥40 (+ <11)")
    assert rows[3]["status"] == "timeout"
    assert rows[-1]["cell"] == "(held-back cells)"
    doc = to_json(
        counts, filters=[{"id": "HP:0001250"}], generated=datetime(2026, 1, 2, tzinfo=UTC), source="h"
    )
    assert doc["generated"] == "2026-01-02T00:00:00+00:00" and len(doc["rows"]) == len(rows)  # type: ignore[arg-type]


def test_charts_scale_to_the_largest_released_value() -> None:
    chart = bar_chart(
        "c",
        "title",
        [
            ("a", ShownCount(50, "noised")),
            ("b", ShownCount(None, "suppressed")),
            ("c", ShownCount(25, "exact")),
        ],
    )
    assert [(b.label, b.length) for b in chart.bars] == [("a", 1.0), ("b", 0.0), ("c", 0.5)]
    assert bar_chart("e", "title", []).empty
    assert fit_label("短" * 30).endswith("…") and len(fit_label("短" * 30)) <= 23


@pytest.mark.parametrize(
    ("query", "cookies", "header", "expected"),
    [
        ({}, {}, "", Lang.EN),
        ({}, {}, "zh-TW,zh;q=0.8", Lang.ZH),
        ({}, {}, "de-DE,de;q=0.9,zh-CN;q=0.8", Lang.ZH),
        ({}, {}, "zh;q=0.1,en;q=0.9", Lang.EN),
        ({}, {"pmbridge_lang": "zh"}, "en", Lang.ZH),
        ({"lang": "en"}, {"pmbridge_lang": "zh"}, "zh", Lang.EN),
        ({"lang": "fr"}, {}, "zh", Lang.ZH),
    ],
)
def test_the_language_comes_from_the_url_the_cookie_or_the_browser(
    query: dict[str, str], cookies: dict[str, str], header: str, expected: Lang
) -> None:
    assert choose_lang(query, cookies, header) is expected


def test_numbers_and_dates_are_written_for_the_reader() -> None:
    moment = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    assert Formatter(Lang.EN).when(moment).startswith("Mar 4, 2026")
    assert Formatter(Lang.ZH).when(moment).startswith("2026年3月4日")
    assert Formatter(Lang.ZH).number(1234567) == "1,234,567"
    assert (Formatter(Lang.EN).country("CN"), Formatter(Lang.ZH).country("IT")) == ("China", "意大利")


def test_sessions_end_and_the_oldest_go_first_when_full() -> None:
    store = SessionStore(capacity=2)
    first, second = store.open("p1", lifetime=60), store.open("p2", lifetime=60)
    third = store.open("p3", lifetime=60)
    assert (store.passport(first), store.passport(second), store.passport(third)) == (None, "p2", "p3")
    assert store.passport(store.open("p4", lifetime=0)) is None  # already expired
    assert first != second and len(first) >= 40


def seizures() -> dict[str, object]:
    """Three datasets as in the demo's seizure cohort: one hides its female cell (and a complement),
    so female is a partial sum and ~3,100 people sit in held-back cells."""

    def dataset(name: str, total: int, cells: dict[str, dict[str, object]]) -> dict[str, object]:
        return {
            "node": name,
            "dataset": f"{name}-rd",
            "total": rc(total, "noised", epsilon=1.0),
            "breakdowns": {
                "sex": {"cells": cells},
                "phenotypeCategory": {
                    "cells": {
                        "HP:0000707": rc(None, "suppressed", rule="complementary"),
                        "HP:0001626": rc(900, "noised"),
                        "HP:0040064": rc(None, "suppressed", rule="min_count"),
                    }
                },
            },
        }

    return {
        "datasets": [
            dataset(
                "a",
                5000,
                {
                    "female": rc(1500, "noised"),
                    "male": rc(3490, "noised"),
                    "other": rc(None, "suppressed", rule="min_count"),
                    "unknown": rc(None, "suppressed", rule="complementary"),
                },
            ),
            dataset("b", 3000, {"female": rc(645, "noised"), "male": rc(2355, "noised")}),
            dataset(
                "c",
                3300,
                {
                    "female": rc(None, "suppressed", rule="complementary"),
                    "male": rc(181, "noised"),
                    "other": rc(None, "suppressed", rule="min_count"),
                },
            ),
        ],
        "nodes": [{"node": n, "status": "ok", "elapsedMs": 1.0, "detail": ""} for n in "abc"],
        "missingNodes": [],
    }


def test_a_partial_bar_and_the_people_in_held_back_cells_are_drawn_as_such(terms: TermIndex) -> None:
    counts = from_aggregates(Aggregates.model_validate(seizures()))
    charts = {
        c.key: c for c in explorer_charts(counts, node_names={}, terms=terms, lang=Lang.EN, translate=str)
    }
    bars = {b.label: b for b in charts["sex"].bars}
    assert (bars["female"].style, bars["female"].count.plain()) == ("partial", "≥2,145 (+ hidden)")
    assert (bars["male"].style, bars["male"].count.plain()) == ("value", "≈6,026")
    assert bars["other"].count.plain() == "<21" and bars["other"].style == "fewer"
    assert bars["unknown"].style == "unknown"
    rest = charts["sex"].bars[-1]
    assert rest.remainder and rest.count.plain() == "≈3,129"  # 5000-4990 in a, 3300-181 in c
    assert rest.label.startswith("In held-back cells")
    categories = [(b.count.kind, b.style) for b in charts["phenotypes"].bars]
    # the nervous system (everyone, but hidden) is never drawn small, nor put below the small ones
    assert categories == [("noised", "value"), ("hidden", "unknown"), ("fewer", "fewer")]
    assert charts["phenotypes"].bars[1].length == 0.0


def test_refusals_name_the_rule_and_the_fix() -> None:
    detail = "refused by rule X4: genetic-derived output … set policy.hgr_filing_id once it is filed"
    state, refusal = node_state("refused", detail, rule="X4")
    assert state == "refused" and refusal is not None and refusal.rule == "X4"
    assert node_state("error", detail) == ("failed", None)  # the rule comes from the fields, never prose
    assert refusal.english(node="Shanghai Biobank").startswith(
        "Remove the gene filter to include Shanghai Biobank: China's"
    )
    spent = BudgetExhausted(
        researcher="eu-researcher", dataset="rome-rd", year=2026, spent=500, budget=500, requested=1
    )
    budget = refusal_in_reply({"error": spent.to_wire()}, status=403)
    assert budget is not None and "repeat earlier questions (free)" in budget.english(dataset="rome-rd")
    assert "rome-rd" in budget.english(dataset="rome-rd")
    assert node_state("down", "ConnectError: connection refused") == ("down", None)  # not a refusal
    assert node_state("timeout", "no reply within 5 s") == ("timeout", None)
    assert node_state("refused", "", rule="differencing_guard")[1].rule == "differencing_guard"  # type: ignore[union-attr]
    assert node_state("error", "reply is not JSON") == ("failed", None)
    assert refusal_of_rule("passport:expired").english().startswith("Your sign-in was not accepted (expired)")
    assert refusal_of_rule("X9").english().startswith("Refused by the rule X9")


def test_a_cost_estimate_is_read_and_a_bad_line_does_not_fit() -> None:
    doc = {
        "datasets": [
            {
                "node": "eu-rome",
                "dataset": "rome-rd",
                "epsilon": 3.0,
                "remaining": 497.0,
                "budget": 500.0,
                "tier": "researcher",
                "refusal": None,
            },
            {
                "node": "cn-shanghai",
                "dataset": "shanghai-rd",
                "epsilon": 0.0,
                "remaining": None,
                "budget": None,
                "tier": "public",
                "refusal": {"rule": "X4", "message": "m", "hint": "h"},
            },
        ],
        "missingNodes": ["eu-down"],
    }
    estimate = from_estimate(PriceList.model_validate(doc))
    assert [d.dataset for d in estimate.datasets] == ["rome-rd", "shanghai-rd"]
    assert estimate.epsilon == 3.0 and estimate.datasets[0].after == 494.0
    assert [d.refusal.rule for d in estimate.refused if d.refusal] == ["X4"]
    assert not estimate.everything_refused and estimate.missing == ("eu-down",)
    broken = {"node": "x", "dataset": "broken", "epsilon": "a lot"}
    with pytest.raises(ValidationError):  # the client's UpstreamError; the explorer shows no estimate
        PriceList.model_validate({**doc, "datasets": [*doc["datasets"], broken]})


def test_the_breakdowns_switch_is_part_of_the_query(terms: TermIndex) -> None:
    on = read_query([("hpo", "HP:0001250"), ("breakdowns", "0"), ("breakdowns", "1")], index=terms)
    off = read_query([("hpo", "HP:0001250"), ("breakdowns", "0")], index=terms)
    assert on.breakdowns and not off.breakdowns and read_query([], index=terms).breakdowns
    assert ("breakdowns", "0") in parse_qsl(off.query_string()) and "breakdowns" not in on.query_string()
    assert aggregates_body(off.filters()) == {"query": {"filters": [{"id": "HP:0001250"}]}}


@given(
    st.lists(st.integers(11, 500), min_size=1, max_size=4),
    st.sampled_from(["min_count", "complementary"]),
    st.sampled_from(["exact", "noised"]),
)
def test_the_people_in_held_back_cells_are_never_one_held_back_cell(
    shown: list[int], rule: str, how: str
) -> None:
    one = ShownCount(None, "suppressed", threshold=11, rule=rule)
    cells = [ShownCount(v, how) for v in shown] + [one]
    total = ShownCount(sum(shown) + 7, how)  # 7 people in the one held-back cell
    assert in_hidden_cells(total, cells) == one  # its own mark, never the 7 a subtraction would give
    two = in_hidden_cells(total, [*cells, ShownCount(None, "suppressed", threshold=11, rule="complementary")])
    assert two.value == 7 and two.plain().endswith("7")  # a sum of two cells, which a reader can work out


@pytest.mark.parametrize(
    "rule",
    ["min_count", "complementary", "allele_count_floor", "budget", "differencing_guard", "access_level"],
)
@pytest.mark.parametrize("value", [None, 0, 12, 999])
@pytest.mark.parametrize("how", ["exact", "noised", "rounded"])
def test_the_portal_marks_a_count_as_the_release_path_displays_it(
    rule: str, value: int | None, how: str
) -> None:
    made = (
        ReleasedCount(value=None, how=ReleaseMethod.SUPPRESSED, threshold=11, rule=rule, reason="")
        if value is None
        else ReleasedCount(value=value, how=ReleaseMethod(how), threshold=11, reason="")
    )
    assert ShownCount.from_wire(made.to_dict()).plain() == made.display
