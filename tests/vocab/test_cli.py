"""``pmbridge vocab`` commands, run in-process with Typer's CliRunner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pmbridge.cli  # noqa: F401  (registers every command group)
from pmbridge.cli._app import app
from pmbridge.errors import ReferenceDataMissing, UnknownTerm

from ._upstream import HPO_PREFIX, RELEASE, ZH_REF, Upstream, serve, upstream_files

runner = CliRunner()


@pytest.fixture
def upstream(shared_data: Path) -> Iterator[Upstream]:
    state = Upstream(files=upstream_files(shared_data))
    server = serve(state)
    yield state
    server.shutdown()
    server.server_close()


def _run(*args: str) -> str:
    result = runner.invoke(app, ["vocab", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_search_lists_id_english_and_chinese(hpo: object) -> None:
    out = _run("search", "seizure", "--limit", "3")
    assert "HPO 2025-01-16" in out
    assert "中文" in out
    assert "HP:0001250" in out
    assert "Seizure" in out
    assert "癫痫发作" in out
    assert out.count("HP:") == 3


def test_search_in_chinese(hpo: object) -> None:
    out = _run("search", "癫痫发作", "--limit", "1")
    assert "HP:0001250" in out


def test_show_a_current_term(hpo: object) -> None:
    out = _run("show", "HP:0001250")
    assert "Seizure" in out
    assert "癫痫发作" in out
    assert "ancestors" in out
    assert "2025-01-16" in out


def test_show_an_obsolete_term_names_its_replacement(hpo: object) -> None:
    out = _run("show", "HP:0000057")
    assert "HP:0008665" in out
    assert "(en) obsolete Clitoromegaly" in out  # no Chinese label: English, marked


def test_show_an_unknown_term_fails_with_a_hint(hpo: object) -> None:
    result = runner.invoke(app, ["vocab", "show", "HP:9999999"])
    assert result.exit_code != 0
    assert isinstance(result.exception, UnknownTerm)


def test_info_reports_directory_release_labels_and_missing_files(hpo: object, shared_data: Path) -> None:
    out = _run("info")
    assert str(shared_data) in out
    assert "env" in out
    assert "2025-01-16" in out
    assert "18988" in out
    assert "missing files" in out
    assert "none" in out


def test_info_of_a_partial_directory_names_the_missing_files(tmp_path: Path) -> None:
    (tmp_path / "hpo").mkdir()
    out = _run("info", "--data-dir", str(tmp_path))
    assert "hpo/hp.obo" in out
    assert "hpo-zh/hpo_zh.tsv" in out
    assert "pmbridge vocab fetch" in out


def test_info_without_any_directory_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["vocab", "info", "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert isinstance(result.exception, ReferenceDataMissing)


def test_fetch_from_a_local_mirror(upstream: Upstream, tmp_path: Path) -> None:
    out = _run(
        "fetch",
        "--dest",
        str(tmp_path),
        "--release",
        RELEASE,
        "--base-url",
        upstream.url,
        "--zh-ref",
        ZH_REF,
    )
    assert "MANIFEST.tsv" in out
    served = upstream.files[HPO_PREFIX + "hp.obo"]
    assert (tmp_path / "hpo" / "hp.obo").read_bytes() == served
    assert (tmp_path / "hpo-zh" / "hpo_zh.tsv").is_file()
    info = _run("info", "--data-dir", str(tmp_path))
    assert "fetched hpo/hp.obo" in info


def test_fetch_reads_the_mirror_from_the_environment(upstream: Upstream, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["vocab", "fetch", "--dest", str(tmp_path), "--release", RELEASE, "--zh-ref", ZH_REF],
        env={"COLUMNS": "200", "PMBRIDGE_REFERENCE_URL": upstream.url},
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "hpo" / "hp.obo").read_bytes() == upstream.files[HPO_PREFIX + "hp.obo"]
