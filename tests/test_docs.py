"""Docs stay true: every setting, command and error code is documented; the public API is exact."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import typer.main

import pmbridge
from pmbridge import errors
from pmbridge.cli._app import app
from pmbridge.config import setting_names
from pmbridge.settings import CONFIG_FILES, DOC_TABLES, documented_settings, render_doc

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented() -> None:
    declared = {name for model in CONFIG_FILES for name in setting_names(model, prefix="")}
    assert len(declared) > 80
    assert declared - documented_settings() == set()


@pytest.mark.parametrize("page", sorted({t.page for t in DOC_TABLES}))
def test_the_docs_settings_tables_are_rendered_from_the_models(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    assert render_doc(page, text) == text, "the models changed: run `python -m pmbridge.settings`"


def test_every_error_code_is_documented() -> None:
    text = (DOCS / "errors.md").read_text()
    codes = [
        cls.code
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.PMBridgeError)
    ]
    assert len(codes) >= 10
    assert [c for c in codes if f"`{c}`" not in text] == []


def commands(group: Any, prefix: str = "pmbridge") -> list[str]:
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (typer may vendor its own click)
            found += commands(command, f"{prefix} {name}")
        else:
            found.append(f"{prefix} {name}")
    return found


def test_every_cli_command_is_documented() -> None:
    import pmbridge.cli  # noqa: F401  (registers the commands)

    root = typer.main.get_command(app)
    names = commands(root)
    assert "pmbridge node serve" in names
    text = (DOCS / "cli.md").read_text()
    assert [n for n in names if f"`{n}" not in text] == []


def test_the_top_level_public_api_is_exact() -> None:
    assert pmbridge.__all__ == ["__version__"]


def test_every_package_exports_a_sorted_all() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(pmbridge.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"pmbridge.{info.name}")
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"pmbridge.{info.name} has no __all__"
        assert exported == sorted(exported, key=lambda n: (not n.isupper(), n[0].islower(), n)), info.name
        assert all(hasattr(module, name) for name in exported), info.name
