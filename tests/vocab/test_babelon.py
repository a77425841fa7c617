"""The Babelon -> hpo_zh.tsv conversion reproduces the shared hpo_zh.tsv byte for byte."""

from __future__ import annotations

from pathlib import Path

from pmbridge.vocab._babelon import babelon_to_rows, rows_to_tsv

from ._upstream import BABELON_HEADER, babelon_from_hpo_zh


def test_round_trip_of_the_whole_shared_file(shared_data: Path) -> None:
    original = (shared_data / "hpo-zh" / "hpo_zh.tsv").read_text(encoding="utf-8")
    babelon = babelon_from_hpo_zh(original.splitlines(True))
    assert '"Ambiguous genitalia, male"' in babelon  # upstream quoting is undone
    rows = babelon_to_rows(babelon.splitlines(True))
    assert len(rows) == 18_988
    assert rows_to_tsv(rows) == original


def test_only_official_chinese_labels_are_kept() -> None:
    lines = [
        BABELON_HEADER,
        "en\tzh\tHP:0000002\trdfs:label\tAbnormality of body height\t身高异常\tOFFICIAL",
        "en\tzh\tHP:0000001\trdfs:label\tAll\t所有词汇\tOFFICIAL",
        "en\tzh\tHP:0000001\trdfs:label\tAll\t全部\tOFFICIAL",  # a duplicate: the first wins
        "en\tzh\tHP:0000003\toboInOwl:hasExactSynonym\tMCDK\t多囊肾\tOFFICIAL",
        "en\tzh\tHP:0000005\trdfs:label\tMode of inheritance\t遗传方式\tCANDIDATE",
        "en\tde\tHP:0000006\trdfs:label\tAutosomal dominant inheritance\tAutosomal\tOFFICIAL",
        "en\tzh\tUPHENO:0000001\trdfs:label\taffected\t受影响\tOFFICIAL",
        "en\tzh\tHP:0000007\trdfs:label\tAutosomal recessive inheritance\t\tOFFICIAL",
    ]
    assert babelon_to_rows(lines) == [
        ("HP:0000001", "All", "所有词汇", ""),
        ("HP:0000002", "Abnormality of body height", "身高异常", ""),
    ]


def test_values_never_break_the_tsv() -> None:
    lines = [BABELON_HEADER + "\n", 'en\tzh\tHP:0000001\trdfs:label\t"A\nB"\t" 所有\t词汇 "\tOFFICIAL\n']
    ((_, english, chinese, _),) = babelon_to_rows(lines)
    assert english == "A B"
    assert chinese == "所有 词汇"


def test_columns_are_found_by_name() -> None:
    header = "translation_value\tsubject_id\tpredicate_id\ttranslation_language\tsource_value"
    rows = babelon_to_rows([header, "癫痫发作\tHP:0001250\trdfs:label\tzh\tSeizure"])
    assert rows == [("HP:0001250", "Seizure", "癫痫发作", "")]
