"""The portal's pure parts: term search, the explorer's query, released counts, charts, exports, languages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmbridge.portal import Lang, TermIndex
from pmbridge.portal._charts import bar_chart, fit_label
from pmbridge.portal._cohort import from_aggregates
from pmbridge.portal._counts import ShownCount, add_counts
from pmbridge.portal._export import export_rows, to_csv, to_json
from pmbridge.portal._i18n import Formatter, choose_lang
from pmbridge.portal._query import read_query
from pmbridge.portal._sessions import SessionStore


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


def test_sums_are_marked_as_their_least_exact_part() -> None:
    exact, noised = ShownCount(10, "exact"), ShownCount(20, "noised")
    hidden = ShownCount(None, "suppressed", threshold=11, rule="min_count")
    assert add_counts([exact, exact]) == ShownCount(20, "exact")
    assert add_counts([exact, noised]).how == "noised"
    assert add_counts([exact, hidden]) == ShownCount(10, "partial")
    assert add_counts([ShownCount(0, "exact"), hidden]) == ShownCount(
        None, "suppressed", threshold=11, rule="min_count"
    )
    assert add_counts([hidden]) is hidden
    assert add_counts([]).how == "unknown"


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
    counts = from_aggregates(aggregates())
    assert [(n.node, n.total.how if n.total else None) for n in counts.nodes] == [
        ("a", "noised"),
        ("b", "suppressed"),
        ("c", None),
    ]
    assert counts.total == ShownCount(40, "partial")
    assert dict(counts.breakdowns["sex"]) == {
        "female": ShownCount(25, "exact"),
        "male": ShownCount(12, "partial"),
    }
    assert counts.missing == ("c",)


def test_exports_hold_one_row_per_number_shown() -> None:
    counts = from_aggregates(aggregates())
    rows = list(csv.DictReader(io.StringIO(to_csv(export_rows(counts)))))
    assert [r["level"] for r in rows] == ["network", "node", "node", "node", "dataset", "dataset"] + [
        "breakdown"
    ] * 2
    assert rows[5]["how"] == "suppressed" and rows[5]["value"] == ""
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
