"""The reference-data directory is found in the documented order, and its absence is explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.errors import ReferenceDataMissing
from pmbridge.vocab import ENV_VAR, REFERENCE_FILES, DataDir, _datadir, locate_data_dir, user_data_dir


def _fill(root: Path, *files: str) -> Path:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x", encoding="utf-8")
    return root


def test_user_data_dir_follows_xdg(isolated_lookup: Path) -> None:
    assert user_data_dir() == isolated_lookup


def test_configured_beats_env(isolated_lookup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configured = _fill(tmp_path / "configured", "hpo/hp.obo")
    monkeypatch.setenv(ENV_VAR, str(_fill(tmp_path / "env", "hpo/hp.obo")))
    assert locate_data_dir(configured) == DataDir(configured, "config")


def test_env_beats_user(isolated_lookup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(isolated_lookup, "hpo/hp.obo")
    env = _fill(tmp_path / "env", "hpo/hp.obo")
    monkeypatch.setenv(ENV_VAR, str(env))
    assert locate_data_dir() == DataDir(env, "env")


def test_user_dir_counts_only_with_hp_obo(isolated_lookup: Path) -> None:
    _fill(isolated_lookup, "hpo-zh/hpo_zh.tsv")
    assert locate_data_dir().source == "checkout"
    _fill(isolated_lookup, "hpo/hp.obo")
    assert locate_data_dir() == DataDir(isolated_lookup, "user")


def test_checkout_is_the_shared_data_beside_the_repository(isolated_lookup: Path, shared_data: Path) -> None:
    found = locate_data_dir()
    assert found.source == "checkout"
    # ../shared may be a symlink to the data kept elsewhere: compare the folders, not their spellings
    assert found.path.resolve() == shared_data.resolve()
    assert found.missing() == ()


def test_nothing_found_lists_every_place_and_the_fix(
    isolated_lookup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_datadir, "_CHECKOUT_DATA", tmp_path / "no-checkout" / "shared" / "data")
    with pytest.raises(ReferenceDataMissing) as caught:
        locate_data_dir()
    message = str(caught.value)
    assert ENV_VAR in message
    assert str(isolated_lookup) in message
    assert "no-checkout" in message
    assert "pmbridge vocab fetch" in caught.value.hint


@pytest.mark.parametrize("via", ["config", "env"])
def test_a_setting_naming_a_missing_directory_is_an_error(
    via: str, isolated_lookup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "typo"
    if via == "env":
        monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(ReferenceDataMissing, match="typo"):
        locate_data_dir(missing if via == "config" else None)


def test_file_and_missing(tmp_path: Path) -> None:
    root = _fill(tmp_path, "hpo/hp.obo", "hpo/phenotype.hpoa")
    data = DataDir(root, "config")
    assert data.file("hpo/hp.obo") == root / "hpo" / "hp.obo"
    assert data.file("hpo/genes_to_phenotype.txt") is None
    assert data.file("hpo") is None  # a directory is not a file
    assert data.missing() == ("hpo/genes_to_phenotype.txt", "hpo-zh/hpo_zh.tsv")
    assert set(data.missing()) < set(REFERENCE_FILES)
