"""The knowledge base on disk: idempotent, atomic imports and a kept history of action status."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from pmbridge.errors import KnowledgeError, KnowledgeImportRejected, UnknownEntry
from pmbridge.knowledge import Bilingual, KnowledgeBase, Link, to_csv, to_document

from .conftest import BAD, SMALL


def _snapshot(kb: KnowledgeBase) -> tuple[str, list[object]]:
    history = [kb.history(e.id) for e in kb.entities() if e.status]
    return to_csv(kb.entities()), history


def _write(path: Path, entities: list[object]) -> Path:
    path.write_text(json.dumps(to_document(entities)), encoding="utf-8")  # type: ignore[arg-type]
    return path


def test_importing_the_same_file_twice_changes_nothing(kb: KnowledgeBase) -> None:
    before = _snapshot(kb)
    summary = kb.import_files([SMALL])
    assert summary.added == summary.updated == ()
    assert len(summary.unchanged) == 17
    assert _snapshot(kb) == before


def test_a_bad_import_lists_every_problem_and_writes_nothing(kb: KnowledgeBase) -> None:
    before = _snapshot(kb)
    with pytest.raises(KnowledgeImportRejected) as caught:
        kb.import_files([BAD])
    assert len(caught.value.problems) == 20
    assert "20 problems" in caught.value.message
    assert any("policy:dangling relatedTo" in p for p in caught.value.problems)
    assert _snapshot(kb) == before  # not even the valid standard:good


def test_a_valid_file_next_to_a_bad_one_is_not_imported_either(kb: KnowledgeBase, tmp_path: Path) -> None:
    good = kb.entity("policy:gdpr")
    fresh = _write(tmp_path / "new.jsonld", [replace(good, id="policy:eu-ai-act", links=())])
    with pytest.raises(KnowledgeImportRejected):
        kb.import_files([fresh, BAD])
    with pytest.raises(UnknownEntry):
        kb.entity("policy:eu-ai-act")


def test_a_failure_inside_the_transaction_rolls_everything_back(kb: KnowledgeBase) -> None:
    before = _snapshot(kb)
    gdpr = kb.entity("policy:gdpr")
    renamed = replace(gdpr, name=Bilingual("Renamed", "改名"))
    dangling = replace(gdpr, id="policy:dangling", links=(Link("relatedTo", "policy:nowhere"),))
    with pytest.raises(KnowledgeImportRejected):
        kb.import_entities([renamed, dangling])  # unvalidated on purpose: the store's own guard
    assert _snapshot(kb) == before


def test_reimporting_a_changed_entry_replaces_it_and_its_links(kb: KnowledgeBase, tmp_path: Path) -> None:
    pipl = kb.entity("policy:pipl")
    changed = replace(
        pipl, summary=Bilingual("Changed.", "已修改。"), links=(Link("inDomain", "domain:big-data-ict"),)
    )
    summary = kb.import_files([_write(tmp_path / "pipl.jsonld", [changed])])
    assert summary.updated == ("policy:pipl",)
    assert summary.added == summary.unchanged == ()
    assert kb.entity("policy:pipl") == changed
    assert ("policy:pipl", Link("relatedTo", "policy:gdpr")) not in kb.links()
    assert kb.entity("policy:gdpr").name.en.startswith("General")  # others untouched
    assert len(kb.entities()) == 17


def test_a_file_may_link_to_entries_already_stored(kb: KnowledgeBase, tmp_path: Path) -> None:
    gdpr = kb.entity("policy:gdpr")
    new = replace(gdpr, id="policy:ehds", name=Bilingual("European Health Data Space", "欧洲健康数据空间"))
    new = replace(new, links=(Link("relatedTo", "policy:gdpr"),))
    assert kb.import_files([_write(tmp_path / "ehds.jsonld", [new])]).added == ("policy:ehds",)
    assert [s for s, link in kb.incoming("policy:gdpr")] == ["policy:ehds", "policy:pipl"]


def test_status_changes_are_kept_with_who_when_from_to_and_why(kb: KnowledgeBase) -> None:
    first = kb.history("action:federated-discovery")
    assert [(c.actor, c.from_status, c.to_status) for c in first] == [("import", None, "proposed")]
    change = kb.set_status(
        "action:federated-discovery", "in-progress", actor="Wei Zhang", note="pilot funded"
    )
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        "proposed",
        "in-progress",
        "Wei Zhang",
        "pilot funded",
    )
    kb.set_status("action:federated-discovery", "done", actor="Anna Rossi")
    history = kb.history("action:federated-discovery")
    assert [(c.from_status, c.to_status, c.actor) for c in history] == [
        (None, "proposed", "import"),
        ("proposed", "in-progress", "Wei Zhang"),
        ("in-progress", "done", "Anna Rossi"),
    ]
    assert all(c.at.endswith("+00:00") for c in history)
    assert [c.at for c in history] == sorted(c.at for c in history)
    assert kb.entity("action:federated-discovery").status == "done"


def test_an_import_that_changes_a_status_is_in_the_history(kb: KnowledgeBase) -> None:
    kb.set_status("action:joint-calls", "stalled", actor="steward")
    assert kb.import_files([SMALL], actor="import:small").updated == ("action:joint-calls",)
    last = kb.history("action:joint-calls")[-1]
    assert (last.actor, last.from_status, last.to_status) == ("import:small", "stalled", "in-progress")


def test_bad_status_changes_are_refused_and_leave_no_trace(kb: KnowledgeBase) -> None:
    with pytest.raises(KnowledgeError, match="not an action status"):
        kb.set_status("action:joint-calls", "finished", actor="x")
    with pytest.raises(KnowledgeError, match="not a RoadmapAction"):
        kb.set_status("policy:gdpr", "done", actor="x")
    with pytest.raises(UnknownEntry):
        kb.set_status("action:nowhere", "done", actor="x")
    with pytest.raises(KnowledgeError, match="steward's name"):
        kb.set_status("action:joint-calls", "done", actor="  ")
    assert len(kb.history("action:joint-calls")) == 1


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    KnowledgeBase(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(KnowledgeError, match="newer PM Bridge"):
        KnowledgeBase(path)
