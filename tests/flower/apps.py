"""Flower apps for the pinning tests: copies of pmbridge's app directory with fields changed."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from pmbridge.flower import APP_DIR


def modified_app(tmp_path: Path, **project: str) -> Path:
    """A copy of pmbridge's app directory with [project] fields changed."""
    app = tmp_path / "app"
    shutil.copytree(APP_DIR, app)
    text = (app / "pyproject.toml").read_text(encoding="utf-8")
    for key, value in project.items():
        old = tomllib.loads(text)["project"][key]
        text = text.replace(f'{key} = "{old}"', f'{key} = "{value}"')
    (app / "pyproject.toml").write_text(text, encoding="utf-8")
    return app
