"""Reading knowledge-base files of either format into one validation: ``.jsonld``/``.json`` or ``.csv``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pmbridge.knowledge._jsonld import read_jsonld
from pmbridge.knowledge._model import EntityType
from pmbridge.knowledge._validate import Problem, Validation, validate_entries

__all__ = ["load_files"]


def load_files(paths: Sequence[Path], *, known: Mapping[str, EntityType] | None = None) -> Validation:
    """Validate the entries of all ``paths`` together (links may cross files or point at ``known`` ids)."""
    entries: list[tuple[str, object]] = []
    problems: list[Problem] = []
    for path in paths:
        if path.suffix.lower() == ".csv":
            from pmbridge.knowledge._csv import read_csv

            found, trouble = read_csv(path)
        else:
            found, trouble = read_jsonld(path)
        entries += found
        problems += trouble
    checked = validate_entries(entries, known=known)
    return Validation(checked.entities, (*problems, *checked.problems))
