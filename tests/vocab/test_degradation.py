"""Missing reference files degrade visibly: a logged warning and a marked fallback, never silence."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmbridge.errors import ReferenceDataMissing, VocabularyError
from pmbridge.vocab import ChineseLabels, DataDir, Hpo


@pytest.mark.parametrize("where", ["none", "missing"])
def test_missing_chinese_labels_warn_and_fall_back(
    where: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = None if where == "none" else tmp_path / "hpo_zh.tsv"
    with caplog.at_level(logging.WARNING, logger="pmbridge.vocab"):
        labels = ChineseLabels.load(path)
    assert not labels.available
    assert len(labels) == 0
    assert labels.get("HP:0001250") is None
    assert labels.label("HP:0001250", "Seizure") == ("Seizure", True)
    assert "pmbridge vocab fetch" in caplog.text


def test_chinese_labels_of_the_shared_data(shared_data: Path) -> None:
    labels = ChineseLabels.load(shared_data / "hpo-zh" / "hpo_zh.tsv")
    assert labels.available
    assert len(labels) == 18_988  # hpo-zh/PROVENANCE.md
    assert labels.label("HP:0001250", "Seizure") == ("癫痫发作", False)
    assert labels.ids_for("三尖瓣闭锁") == ("HP:0011575", "HP:0011662")


def test_a_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hpo_zh.tsv"
    path.write_text("id\tzh\nHP:0001250\t癫痫发作\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="header"):
        ChineseLabels.load(path)


def test_hpo_without_chinese_labels_marks_english_as_fallback(
    tmp_path: Path, shared_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "hpo").symlink_to(shared_data / "hpo")  # same release, no hpo-zh folder
    with caplog.at_level(logging.WARNING, logger="pmbridge.vocab"):
        hpo = Hpo.load(DataDir(tmp_path, "config"))
    assert "Chinese HPO labels not found" in caplog.text
    assert hpo.release == "2025-01-16"
    assert not hpo.labels_zh.available
    term = hpo.term("HP:0001250")
    assert term.name_zh is None
    assert hpo.labels_zh.label(term.id, term.name) == ("Seizure", True)
    assert hpo.search("癫痫") == []


_FALLBACK_SCRIPT = """
import logging
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
from pathlib import Path
from pmbridge.errors import ConfigError
from pmbridge.vocab import DataDir, Hpo
hpo = Hpo.load()
print("release", hpo.release)
print("source", hpo.source)
print("terms", len(hpo))
try:
    Hpo.load(DataDir(Path(__import__("sys").argv[1]), "config"))
except ConfigError as error:
    print("refused", error.code)
"""


def test_no_hp_obo_falls_back_to_hpo3_builtin_with_a_warning(tmp_path: Path, shared_data: Path) -> None:
    # hpo3 holds one ontology per process, so the fallback needs a fresh interpreter.
    env = {**os.environ, "PMBRIDGE_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", _FALLBACK_SCRIPT, str(shared_data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["source"] == "hpo3 built-in"
    assert lines["release"] == "2025-11-24"  # the release compiled into hpo3 1.5.1
    assert int(lines["terms"]) > 19_000
    assert lines["refused"] == "config_error"  # the shared release cannot join it
    assert "WARNING pmbridge.vocab" in done.stderr
    assert "falling back to hpo3 built-in" in done.stderr
    assert str(tmp_path) in done.stderr


def test_a_wrong_setting_is_an_error_not_a_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMBRIDGE_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(ReferenceDataMissing, match="typo"):
        Hpo.load()
