"""Validation lists every problem of a file, naming the entry and the field, in one pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmbridge.knowledge import CONTEXT, CONTEXT_URL, EntityType, load_files, read_document, validate_entries
from pmbridge.knowledge.validate import main

from .conftest import BAD, SMALL

EXPECTED_BAD = {
    ("policy:Bad Id", "id"),
    ("policy:Bad Id", "url"),
    ("policy:no-type", "summery"),
    ("policy:no-type", "type"),
    ("policy:no-type", "summary"),
    ("policy:many-faults", "name.zh-Hans"),
    ("policy:many-faults", "summary.zh-Hans"),
    ("policy:many-faults", "jurisdiction"),
    ("policy:many-faults", "url"),
    ("policy:many-faults", "startDate"),
    ("policy:dup", "id"),
    ("stakeholder:no-kind", "stakeholderKind"),
    ("action:bad-status", "status"),
    ("programme:backwards", "endDate"),
    ("standard:not-an-action", "tags"),
    ("standard:not-an-action", "status"),
    ("#14", "(entry)"),
    ("policy:dangling", "relatedTo"),
    ("policy:wrong-target", "implements"),
    ("policy:wrong-source", "responsibleFor"),
}


def test_the_small_fixture_is_valid() -> None:
    result = load_files([SMALL])
    assert result.problems == ()
    assert len(result.entities) == 17


def test_a_bad_file_lists_every_problem_with_entry_and_field() -> None:
    result = load_files([BAD])
    found = [(p.entry, p.field) for p in result.problems]
    assert len(found) == len(set(found))
    assert set(found) == EXPECTED_BAD
    assert all(p.source == str(BAD) for p in result.problems)
    assert [e.id for e in result.entities] == ["standard:good"]  # valid entries still validate


def test_entries_with_faults_elsewhere_do_not_cause_false_unknown_link_problems() -> None:
    # action:bad-status is itself faulty, yet policy:wrong-source's link to it is judged by kind only.
    messages = [str(p) for p in load_files([BAD]).problems if p.entry == "policy:wrong-source"]
    assert messages == [
        f"{BAD}: policy:wrong-source responsibleFor: only Stakeholder may have responsibleFor"
    ]


def test_links_may_point_to_known_stored_entries() -> None:
    entry = {
        "id": "policy:new",
        "type": "Policy",
        "name": {"en": "New", "zh-Hans": "新"},
        "summary": {"en": "New policy.", "zh-Hans": "新的政策。"},
        "jurisdiction": "DE",
        "url": "https://example.org/new",
        "relatedTo": ["policy:gdpr"],
        "inDomain": ["domain:big-data-ict"],
    }
    alone = validate_entries([("x", entry)])
    assert {(p.entry, p.field) for p in alone.problems} == {
        ("policy:new", "relatedTo"),
        ("policy:new", "inDomain"),
    }
    known = {"policy:gdpr": EntityType.POLICY, "domain:big-data-ict": EntityType.DOMAIN}
    assert validate_entries([("x", entry)], known=known).ok


@pytest.mark.parametrize(
    ("doc", "fields"),
    [
        ({"@graph": []}, ["@context"]),
        ({"@context": "https://schema.org/", "@graph": []}, ["@context"]),
        ({"@context": CONTEXT_URL}, ["@graph"]),
        ({"@context": CONTEXT_URL, "@graph": [], "entries": []}, ["entries"]),
        ([], ["(file)"]),
    ],
)
def test_document_problems(doc: object, fields: list[str]) -> None:
    entries, problems = read_document(doc, source="doc")
    assert entries == []
    assert [p.field for p in problems] == fields


@pytest.mark.parametrize("context", [CONTEXT_URL, CONTEXT, [CONTEXT_URL], [CONTEXT]])
def test_the_context_may_be_named_or_inline(context: object) -> None:
    entries, problems = read_document({"@context": context, "@graph": [{"id": "x"}]})
    assert problems == []
    assert entries == [("", {"id": "x"})]


def test_a_domain_outside_the_roadmap_is_refused() -> None:
    entry = {
        "id": "domain:space-medicine",
        "type": "Domain",
        "name": {"en": "Space medicine", "zh-Hans": "航天医学"},
        "summary": {"en": "Not a roadmap area.", "zh-Hans": "不是路线图领域。"},
        "jurisdiction": "INT",
        "url": "https://example.org/",
    }
    assert [(p.entry, p.field) for p in validate_entries([("", entry)]).problems] == [
        ("domain:space-medicine", "id")
    ]


def test_the_validate_command_prints_problems_and_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main([str(BAD)]) == 1
    out = capsys.readouterr().out
    assert f"{BAD}: policy:many-faults jurisdiction: 'US' is not EU" in out
    assert out.rstrip().endswith("1 valid entries (1 Standard); 20 problems")
    assert main([str(SMALL)]) == 0
    broken = tmp_path / "broken.jsonld"
    broken.write_text("{not json", encoding="utf-8")
    assert main([str(broken)]) == 1
    assert "not JSON" in capsys.readouterr().out
    assert json.loads(SMALL.read_text(encoding="utf-8"))["@context"] == CONTEXT_URL
