"""Fixtures of the vocab tests: the shared 2025-01-16 HPO release, loaded once per process."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmbridge.vocab import DataDir, Hpo


@pytest.fixture(scope="session")
def data_dir(shared_data: Path) -> DataDir:
    return DataDir(shared_data, "env")


@pytest.fixture(scope="session")
def hpo(data_dir: DataDir) -> Hpo:
    return Hpo.load(data_dir)


@pytest.fixture
def isolated_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No env var, an empty user data dir under tmp_path; returns that user dir."""
    monkeypatch.delenv("PMBRIDGE_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "pmbridge"
