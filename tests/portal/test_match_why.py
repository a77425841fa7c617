"""The match page says why each diagnosis ranks where it does: terms for and against, in both languages."""

from __future__ import annotations

import re

import httpx
import pytest

from pmbridge.client import Ranking
from pmbridge.portal import Lang
from pmbridge.portal._i18n import load_translations
from pmbridge.portal._match import Diagnosis, Reason, diagnoses
from pmbridge.portal._render import TEMPLATES, _environment
from tests.portal.network import ARACHNODACTYLY, MARFAN, SEIZURE

pytestmark = pytest.mark.anyio

QUERY = {"hpo": [ARACHNODACTYLY, SEIZURE], "gene": "FBN1", "run": "1"}


def why_cells(page: str) -> dict[str, str]:
    """Each diagnosis row's "why" cell, by disease id."""
    rows = re.findall(r'<tr data-disease="([^"]+)">(.*?)</tr>', page, flags=re.S)
    cells = {}
    for disease, row in rows:
        found = re.search(r"<td data-why>(.*?)</td>", row, flags=re.S)
        assert found is not None, row
        cells[disease] = found.group(1)
    return cells


MARFAN_LINE = {"rank": 1, "id": MARFAN, "score": 4.2, "labels": {"en": "Marfan syndrome"}}


def ranking(diseases: list[dict[str, object]]) -> Ranking:
    return Ranking.model_validate({"hpoRelease": "2024-04-26", "method": "lr", "diseases": diseases})


def test_the_answer_splits_into_for_and_against_with_both_labels() -> None:
    evidence = [
        {"term": "FBN1", "kind": "gene", "weight": 3.0, "labels": {"en": "FBN1", "zh": "FBN1"}},
        {"term": SEIZURE, "kind": "observed", "weight": -1.5, "labels": {"en": "Seizure", "zh": "癫痫发作"}},
        {
            "term": ARACHNODACTYLY,
            "kind": "observed",
            "weight": 1.2,
            "labels": {"en": "Arachnodactyly", "zh": "Arachnodactyly"},
            "zhFallback": True,
        },
    ]
    (found,) = diagnoses(ranking([{**MARFAN_LINE, "evidence": evidence}]))
    assert isinstance(found, Diagnosis)
    assert [r.term for r in found.supporting] == ["FBN1", ARACHNODACTYLY]
    assert [(r.term, r.signed) for r in found.opposing] == [(SEIZURE, "\N{MINUS SIGN}1.50")]
    assert found.opposing[0].label(Lang.ZH) == ("癫痫发作", False)
    assert found.supporting[1].label(Lang.ZH) == ("Arachnodactyly", True)
    assert found.supporting[1].label(Lang.EN) == ("Arachnodactyly", False)
    assert diagnoses(ranking([MARFAN_LINE]))[0].supporting == ()
    assert Reason("X", "gene", 0.0, "X", "X").signed == "+0.00"


async def test_each_diagnosis_shows_its_terms_for_and_against_in_english(portal: httpx.AsyncClient) -> None:
    page = (await portal.get("/match", params={**QUERY, "lang": "en"})).text
    assert '<th scope="col">Why</th>' in page
    cells = why_cells(page)
    assert len(cells) == 10
    marfan = cells[MARFAN]
    heading = re.search(r'<span class="why-heading" id="(why-for-\d+)">For</span>', marfan)
    assert heading is not None, marfan
    assert f'<ul class="why-terms" aria-labelledby="{heading.group(1)}">' in marfan
    assert re.search(
        r'data-kind="gene"><span class="why-weight num">\+3\.00</span>\s*gene <code>FBN1</code>', marfan
    )
    assert re.search(
        r'data-term="HP:0001166" data-kind="observed"><span class="why-weight num">\+\d\.\d\d</span>', marfan
    )
    assert '<span title="HP:0001166">Arachnodactyly</span>' in marfan
    for cell in cells.values():  # every row explains itself; ids are unique per row and side
        assert "why-heading" in cell
    ids = re.findall(r'<span class="why-heading" id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) >= 10
    against = [c for c in cells.values() if "why--against" in c]
    assert all(re.search(r"Against</span>.*?\N{MINUS SIGN}\d\.\d\d", c, flags=re.S) for c in against)
    assert "log10 likelihood ratio" in page


async def test_the_why_is_translated_in_chinese(portal: httpx.AsyncClient) -> None:
    page = (await portal.get("/match", params={**QUERY, "lang": "zh"})).text
    assert '<th scope="col">依据</th>' in page
    marfan = why_cells(page)[MARFAN]
    assert re.search(r'<span class="why-heading" id="why-for-\d+">支持</span>', marfan)
    assert "基因 <code>FBN1</code>" in marfan
    assert '<span title="HP:0001166">细长指(趾)</span>' in marfan  # the Chinese HPO label
    assert "Arachnodactyly" not in marfan and ">For<" not in page and ">Against<" not in page
    assert "log10 似然比" in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (Lang.EN, ["For", "Against", "absent:", "Microcephaly", "gene <code>SCN1A</code>"]),
        (Lang.ZH, ["支持", "反对", "未见：", "小头畸形", "基因 <code>SCN1A</code>"]),
    ],
)
def test_terms_against_a_diagnosis_and_absent_features_are_shown(lang: Lang, words: list[str]) -> None:
    diagnosis = Diagnosis(
        rank=1,
        id=MARFAN,
        name="Marfan syndrome",
        score=2.0,
        genes=("FBN1",),
        supporting=(Reason("SCN1A", "gene", 3.0, "SCN1A", "SCN1A"),),
        opposing=(
            Reason("HP:0000252", "excluded", -0.85, "Microcephaly", "小头畸形"),
            Reason("HP:0041090", "observed", -0.2, "Pelvic avulsion fracture", None),
        ),
    )
    env = _environment(lang, TEMPLATES, load_translations(lang))
    html = env.from_string('{% from "_why.html" import why %}{{ why(d, lang, 7) }}').render(
        d=diagnosis, lang=lang
    )
    assert all(word in html for word in words), html
    assert '<ul class="why-terms" aria-labelledby="why-against-7">' in html
    assert re.search(r'data-kind="excluded"><span class="why-weight num">\N{MINUS SIGN}0\.85</span>', html)
    fallback = '<span lang="en">Pelvic avulsion fracture</span> <abbr class="fallback"'
    assert (fallback in html) is (lang is Lang.ZH)
    empty = Diagnosis(rank=2, id="OMIM:1", name="x", score=0.0, genes=())
    assert '<span class="muted">—</span>' in env.from_string(
        '{% from "_why.html" import why %}{{ why(d, lang, 8) }}'
    ).render(d=empty, lang=lang)
