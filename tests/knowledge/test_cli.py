"""``pmbridge kb`` commands, run in-process with Typer's CliRunner over knowledge-base files on disk."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.errors import KnowledgeImportRejected
from pmbridge.knowledge import KnowledgeBase, load_files
from pmbridge.signing import generate_key_pair, save_key_pair

from .conftest import BAD, SMALL

runner = CliRunner()


def _kb(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["kb", *args], env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result.output


def test_import_search_show_export(tmp_path: Path) -> None:
    db = str(tmp_path / "kb.sqlite")
    assert "17 added, 0 updated, 0 unchanged" in _kb("import", "--db", db, str(SMALL))
    assert "0 added, 0 updated, 17 unchanged" in _kb("import", "--db", db, str(SMALL))
    found = json.loads(_kb("search", "--db", db, "--json", "--lang", "zh-Hans", "精准医学"))
    assert found["hits"] == [
        {"id": "programme:cn-precision-medicine", "type": "Programme", "label": "精准医学研究重点专项"}
    ]
    found = json.loads(_kb("search", "--db", db, "--json", "--type", "Policy", "--jurisdiction", "EU"))
    assert [h["id"] for h in found["hits"]] == ["policy:gdpr"]
    table = _kb("search", "--db", db, "biobank")
    assert "stakeholder:bbmri-eric" in table
    shown = _kb("show", "--db", db, "stakeholder:most")
    assert "→ funds / 资助: programme:cn-precision-medicine" in shown
    assert "→ responsible for / 负责: action:joint-calls" in shown
    view = json.loads(_kb("show", "--db", db, "--json", "policy:gdpr"))
    assert [i["entity"]["id"] for i in view["incoming"]] == ["policy:pipl"]
    for name in ("out.jsonld", "out.csv"):
        _kb("export", "--db", db, "--out", str(tmp_path / name))
        assert (
            sorted(load_files([tmp_path / name]).entities, key=lambda e: e.id)
            == KnowledgeBase(tmp_path / "kb.sqlite").entities()
        )
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").startswith("id,type,name_en,name_zh,")


def test_a_bad_import_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kb.sqlite"
    _kb("import", "--db", str(db), str(SMALL))
    before = (KnowledgeBase(db).entities(), KnowledgeBase(db).history("action:joint-calls"))
    result = runner.invoke(app, ["kb", "import", "--db", str(db), str(BAD)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert isinstance(result.exception, KnowledgeImportRejected)
    assert result.output.count("problem ") == 20
    assert (KnowledgeBase(db).entities(), KnowledgeBase(db).history("action:joint-calls")) == before


def test_check_only_validates(tmp_path: Path) -> None:
    db = tmp_path / "kb.sqlite"
    out = _kb("import", "--db", str(db), "--check", str(BAD), code=1)
    assert "20 problems" in out
    assert "policy:wrong-target implements" in out
    assert not db.exists()
    assert "17 valid entries, 0 problems" in _kb("import", "--db", str(db), "--check", str(SMALL))
    assert not db.exists()


def test_a_hub_config_names_the_knowledge_base(tmp_path: Path) -> None:
    save_key_pair(generate_key_pair(), directory=tmp_path / "keys", name="hub")
    config = tmp_path / "hub.toml"
    config.write_text(
        '[hub]\nstate_dir = "state"\nprivate_key = "keys/hub.key"\n\n[knowledge]\nseed = false\n',
        encoding="utf-8",
    )
    _kb("import", "--config", str(config), str(SMALL))
    assert (tmp_path / "state" / "knowledge.sqlite").exists()
    assert "policy:pipl" in _kb("search", "--config", str(config), "PIPL")
    assert "exactly one" in str(
        runner.invoke(app, ["kb", "search", "--config", str(config), "--db", "x", "PIPL"]).exception
    )
