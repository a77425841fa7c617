"""JSON-LD and CSV: export → import gives back the same entries, and the JSON-LD means what it says."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from pmbridge.knowledge import (
    CONTEXT,
    DOMAIN_IDS,
    JURISDICTIONS,
    Bilingual,
    Entity,
    EntityType,
    KnowledgeBase,
    Link,
    load_files,
    read_csv,
    read_document,
    to_csv,
    to_document,
    validate_entries,
)

from .conftest import SMALL

SCHEMA = "https://schema.org/"
PMKB = "https://pmbridge.org/ns/kb#"


def _export_import(kb: KnowledgeBase, tmp: Path, name: str) -> KnowledgeBase:
    out = tmp / name
    if name.endswith(".csv"):
        out.write_text(to_csv(kb.entities()), encoding="utf-8", newline="")
    else:
        out.write_text(json.dumps(to_document(kb.entities()), ensure_ascii=False), encoding="utf-8")
    again = KnowledgeBase(tmp / f"{name}.sqlite")
    again.import_files([out])
    return again


def test_jsonld_round_trip_is_lossless(kb: KnowledgeBase, tmp_path: Path) -> None:
    again = _export_import(kb, tmp_path, "kb.jsonld")
    assert again.entities() == kb.entities()
    assert to_document(again.entities()) == to_document(kb.entities())
    assert again.entities() == sorted(load_files([SMALL]).entities, key=lambda e: e.id)


def test_csv_round_trip_is_lossless(kb: KnowledgeBase, tmp_path: Path) -> None:
    again = _export_import(kb, tmp_path, "kb.csv")
    assert again.entities() == kb.entities()
    third = _export_import(again, tmp_path, "again.csv")
    assert (tmp_path / "kb.csv").read_bytes() == to_csv(third.entities()).encode()


def test_csv_and_jsonld_hold_the_same_entries(kb: KnowledgeBase, tmp_path: Path) -> None:
    via_csv = _export_import(_export_import(kb, tmp_path, "a.csv"), tmp_path, "b.jsonld")
    assert via_csv.entities() == kb.entities()


def test_exported_jsonld_expands_to_schema_org_terms(kb: KnowledgeBase) -> None:
    expanded = {node["@id"]: node for node in jsonld.expand(to_document(kb.entities()))}
    pipl = expanded["https://pmbridge.org/kb/policy/pipl"]
    assert pipl["@type"] == [f"{SCHEMA}Legislation"]
    assert {(v["@language"].lower(), v["@value"]) for v in pipl[f"{SCHEMA}name"]} == {
        ("en", "Personal Information Protection Law (PIPL)"),
        ("zh-hans", "中华人民共和国个人信息保护法"),
    }
    assert pipl[f"{SCHEMA}startDate"] == [{"@value": "2021-11-01"}]
    assert pipl[f"{SCHEMA}keywords"] == [
        {"@list": [{"@value": "data protection"}, {"@value": "cross-border transfer"}]}
    ]
    assert pipl[f"{SCHEMA}isRelatedTo"] == [{"@list": [{"@id": "https://pmbridge.org/kb/policy/gdpr"}]}]
    assert pipl[f"{PMKB}inDomain"] == [{"@list": [{"@id": "https://pmbridge.org/kb/domain/big-data-ict"}]}]
    assert pipl[f"{PMKB}jurisdiction"] == [{"@value": "CN"}]
    most = expanded["https://pmbridge.org/kb/stakeholder/most"]
    assert most["@type"] == [f"{SCHEMA}Organization"]
    assert most[f"{PMKB}stakeholderKind"] == [{"@value": "funder"}]
    types = {node["@type"][0] for node in expanded.values()}
    assert f"{SCHEMA}Action" in types
    assert f"{PMKB}Barrier" in types
    assert len(expanded) == 17


def test_what_a_jsonld_processor_compacts_imports_back_unchanged(kb: KnowledgeBase) -> None:
    compacted = jsonld.compact(jsonld.expand(to_document(kb.entities())), {"@context": CONTEXT})
    entries, problems = read_document(compacted)
    assert problems == []
    result = validate_entries(entries)
    assert result.ok, result.problems
    assert sorted(result.entities, key=lambda e: e.id) == kb.entities()


# --- any valid entry survives both formats ----------------------------------------------------------

_text = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\n,\"'|;，。基因组"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
_zh = st.text(st.sampled_from("个人信息保护法精准医学数据基因样本库，。 "), max_size=20).map(
    lambda t: ("数" + t).strip()
)
_slug = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
_tag = st.from_regex(r"[a-z0-9][a-z0-9 .+/&'-]{0,15}", fullmatch=True).map(str.strip).filter(bool)
_date = st.dates().map(lambda d: d.isoformat()).flatmap(lambda d: st.sampled_from([d, d[:7], d[:4]]))


@st.composite
def _entities(draw: st.DrawFn) -> list[Entity]:
    policies = draw(st.lists(_slug, min_size=1, max_size=4, unique=True))
    out = []
    for index, slug in enumerate(policies):
        earlier = [f"policy:{s}" for s in policies[:index]]
        start = draw(st.none() | _date)
        out.append(
            Entity(
                id=f"policy:{slug}",
                type=EntityType.POLICY,
                name=Bilingual(draw(_text), draw(_text)),
                summary=Bilingual(draw(_text), draw(_zh)),
                jurisdiction=draw(st.sampled_from(JURISDICTIONS)),
                url="https://example.org/" + slug,
                tags=tuple(draw(st.lists(_tag, max_size=3, unique=True))),
                start_date=start,
                end_date=draw(st.none() | st.just("9999")) if start else None,
                links=tuple(
                    [Link("partOf", t) for t in draw(st.lists(st.sampled_from(earlier), unique=True))]
                    if earlier
                    else []
                )
                + tuple(
                    Link("inDomain", d) for d in draw(st.lists(st.sampled_from(DOMAIN_IDS), unique=True))
                ),
            )
        )
    return out


def _domains() -> list[Entity]:
    return [
        Entity(
            d, EntityType.DOMAIN, Bilingual(d, "领域"), Bilingual(d, "领域。"), "INT", "https://example.org/"
        )
        for d in DOMAIN_IDS
    ]


@settings(max_examples=60, deadline=None)
@given(_entities())
def test_any_valid_entries_survive_jsonld_and_csv(entities: list[Entity]) -> None:
    every = sorted([*_domains(), *entities], key=lambda e: e.id)
    entries, problems = read_document(json.loads(json.dumps(to_document(every))))
    assert problems == []
    assert list(validate_entries(entries).entities) == every
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kb.csv"
        path.write_text(to_csv(every), encoding="utf-8", newline="")
        rows, problems = read_csv(path)
    assert problems == []
    checked = validate_entries(rows)
    assert checked.problems == ()
    assert list(checked.entities) == every
