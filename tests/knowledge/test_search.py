"""Search in Chinese (no spaces) and English, short terms, facets and filters."""

from __future__ import annotations

import pytest

from pmbridge.knowledge import KnowledgeBase, SearchQuery, query_terms


def _ids(kb: KnowledgeBase, text: str = "", **filters: tuple[str, ...]) -> list[str]:
    return [h.id for h in kb.search(SearchQuery(text=text, limit=100, **filters)).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("个人信息保护法", "policy:pipl"),
        ("个人信息", "policy:pipl"),
        ("PIPL", "policy:pipl"),
        ("pipl", "policy:pipl"),
        ("Personal Information Protection", "policy:pipl"),
        ("精准医学", "programme:cn-precision-medicine"),
        ("precision medicine", "programme:cn-precision-medicine"),
        ("biobank", "stakeholder:bbmri-eric"),
        ("Biobanks", "stakeholder:bbmri-eric"),
        ("生物样本库", "stakeholder:bbmri-eric"),
        ("GDPR", "policy:gdpr"),
        ("通用数据保护条例", "policy:gdpr"),
        ("GA4GH标准", "standard:beacon"),
        ("科学技术部", "stakeholder:most"),
    ],
)
def test_the_expected_entry_comes_first(kb: KnowledgeBase, text: str, first: str) -> None:
    assert _ids(kb, text)[0] == first


def test_every_word_must_match(kb: KnowledgeBase) -> None:
    assert _ids(kb, "data protection") == ["policy:gdpr", "policy:pipl"]
    assert _ids(kb, "data protection 中国") == ["policy:pipl"]
    assert _ids(kb, "quantum") == []


def test_names_rank_above_summaries(kb: KnowledgeBase) -> None:
    hits = kb.search(SearchQuery(text="数据", limit=100)).hits  # two characters: below the trigram index
    in_name = [h for h in hits if "数据" in h.name.zh]
    in_summary = [h for h in hits if "数据" not in h.name.zh]
    assert {h.id for h in in_name} == {
        "action:federated-discovery",
        "barrier:fragmented-data",
        "domain:big-data-ict",
        "facilitator:common-standards",
        "policy:gdpr",
    }
    assert {h.id for h in in_summary} == {"standard:beacon"}
    assert max(h.score for h in in_name) < min(h.score for h in in_summary)
    assert hits[: len(in_name)] == tuple(in_name)


def test_one_and_two_letter_latin_terms_match_whole_words(kb: KnowledgeBase) -> None:
    # "EU" is a word in three entries; "European" or "neuro" would not count.
    assert set(_ids(kb, "EU")) == {"action:federated-discovery", "action:joint-calls", "policy:gdpr"}
    assert _ids(kb, "国") != []  # one Chinese character is a substring match


def test_filters_narrow_and_facets_count_all_matches(kb: KnowledgeBase) -> None:
    result = kb.search(SearchQuery(text="数据", limit=1))
    assert result.total > 1
    assert len(result.hits) == 1
    facets = {name: dict(values) for name, values in result.facets.items()}
    assert sum(facets["type"].values()) == result.total
    assert facets["domain"]["domain:big-data-ict"] >= 4
    assert _ids(kb, types=("Policy",)) == ["policy:gdpr", "policy:pipl"]
    assert _ids(kb, jurisdictions=("CN",), types=("Policy", "Programme")) == [
        "policy:pipl",
        "programme:cn-precision-medicine",
    ]
    assert _ids(kb, domains=("research-funding",)) == [
        "action:joint-calls",
        "programme:cn-precision-medicine",
    ]
    assert _ids(kb, domains=("domain:research-funding",), tags=("cohorts",)) == [
        "programme:cn-precision-medicine"
    ]
    assert _ids(kb, "data", tags=("privacy",)) == ["policy:gdpr"]


def test_an_empty_query_browses_everything(kb: KnowledgeBase) -> None:
    result = kb.search(SearchQuery(limit=5, offset=15))
    assert result.total == 17
    assert len(result.hits) == 2


def test_query_terms_split_scripts_and_strip_plurals() -> None:
    assert query_terms("精准医学研究 programmes") == ("精准医学研究", "programme")
    assert query_terms("“个人信息”、PIPL!") == ("个人信息", "pipl")
    assert query_terms("  ") == ()
    assert query_terms('a "quoted" AND') == ("a", "quoted", "and")


def test_a_chinese_phrase_not_found_as_written_is_matched_by_its_pieces(kb: KnowledgeBase) -> None:
    exact = kb.search(SearchQuery(text="精准医学"))
    assert not exact.relaxed
    loose = kb.search(SearchQuery(text="中国精准医学计划"))  # the programme's name says 研究重点专项
    assert loose.relaxed
    assert [h.id for h in loose.hits] == ["programme:cn-precision-medicine"]
    assert _ids(kb, "个人信息保护条例")[0] == "policy:pipl"
    nothing = kb.search(SearchQuery(text="量子计算机"))
    assert (nothing.relaxed, nothing.total) == (True, 0)
    assert not kb.search(SearchQuery(text="quantum computer")).relaxed  # English is never relaxed
