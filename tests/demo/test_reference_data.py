"""The demo on a machine with no reference data: it fetches the release itself, all or nothing,
and says what to do when it cannot."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmbridge.demo import ensure_reference_data
from pmbridge.errors import ReferenceDataMissing
from pmbridge.vocab import (
    BASE_URL_ENV_VAR,
    ENV_VAR,
    REFERENCE_FILES,
    DataDir,
    _datadir,
    locate_data_dir,
    read_manifest,
)
from tests.demo._release_server import release_folder, release_server


@pytest.fixture
def fresh_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No data-dir setting, an empty user data dir, no ../shared: returns the user data dir."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "share"))
    monkeypatch.setattr(_datadir, "_CHECKOUT_DATA", tmp_path / "no-shared" / "data")
    with pytest.raises(ReferenceDataMissing):
        locate_data_dir()
    return tmp_path / "home" / "share" / "pmbridge"


@pytest.fixture
def mirror(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with release_server(release_folder(shared_data, tmp_path / "github", lines=400)) as url:
        monkeypatch.setenv(BASE_URL_ENV_VAR, url)
        yield url


def test_a_fresh_machine_fetches_the_release_with_progress_and_a_manifest(
    fresh_machine: Path, mirror: str
) -> None:
    said: list[str] = []
    found = ensure_reference_data(say=said.append)
    assert found == DataDir(fresh_machine, "user")
    assert found.missing() == ()
    assert locate_data_dir() == found  # the nodes, started later, find the same folder
    manifest = read_manifest(fresh_machine)
    assert sorted(row.file for row in manifest) == sorted(REFERENCE_FILES)
    assert all(row.url.startswith(mirror) and len(row.sha256) == 64 for row in manifest)
    assert mirror in said[0] and str(fresh_machine) in said[0]
    assert any(line.strip().startswith("hp.obo:") and "(100 %)" in line for line in said)
    assert "MANIFEST.tsv" in said[-1]
    assert [p.name for p in fresh_machine.parent.iterdir()] == ["pmbridge"]  # no staging left


def test_data_found_where_pmbridge_looks_is_not_fetched_again(
    fresh_machine: Path, mirror: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_reference_data(say=lambda _: None)
    monkeypatch.setenv(BASE_URL_ENV_VAR, "http://127.0.0.1:9")  # would fail if asked
    said: list[str] = []
    assert ensure_reference_data(say=said.append) == DataDir(fresh_machine, "user")
    assert said == []


def test_a_setting_naming_a_missing_folder_is_not_replaced_by_a_fetch(
    fresh_machine: Path, mirror: str, tmp_path: Path
) -> None:
    with pytest.raises(ReferenceDataMissing, match="typo"):
        ensure_reference_data(tmp_path / "typo", say=lambda _: None)
    assert not fresh_machine.exists()


def test_offline_the_error_names_the_url_the_cause_and_both_fixes(
    fresh_machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a loopback port that was free a moment ago: nobody answers
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(BASE_URL_ENV_VAR, f"http://127.0.0.1:{port}")
    with pytest.raises(ReferenceDataMissing) as caught:
        ensure_reference_data(say=lambda _: None)
    error = caught.value
    assert f"http://127.0.0.1:{port}/obophenotype/human-phenotype-ontology/releases/" in error.message
    assert "ConnectError" in error.message
    assert "internet" in error.hint and BASE_URL_ENV_VAR in error.hint  # fix 1: network or a mirror
    assert ENV_VAR in error.hint and "--data-dir" in error.hint  # fix 2: a local copy
    assert not fresh_machine.exists()
    assert list(fresh_machine.parent.iterdir()) == []  # no partial folder, no staging folder
