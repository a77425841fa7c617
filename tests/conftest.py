"""Shared fixtures: reference data is read from ../shared/data beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"

os.environ.setdefault("PMBRIDGE_DATA_DIR", str(SHARED_DATA))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference and example data shipped beside the checkout."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"reference data not found at {SHARED_DATA}; tests need ../shared/data")
    return SHARED_DATA


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (marked ``anyio``) run on asyncio, like the servers."""
    return "asyncio"


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Derived caches (the HPO index) go to a fresh folder, never the user's."""
    os.environ["PMBRIDGE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
