"""The knowledge base as one CSV file: a row per entry, lists joined with ``|``; lossless both ways.

Columns (``COLUMNS``): id, type, name_en, name_zh, summary_en, summary_zh, jurisdiction, startDate,
endDate, url, tags, stakeholderKind, status, then one column per relation holding target ids.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from pmbridge.knowledge._model import Entity, Relation
from pmbridge.knowledge._validate import Problem

__all__ = ["COLUMNS", "read_csv", "to_csv"]

_SCALARS = ("jurisdiction", "startDate", "endDate", "url", "stakeholderKind", "status")
COLUMNS: tuple[str, ...] = (
    "id",
    "type",
    "name_en",
    "name_zh",
    "summary_en",
    "summary_zh",
    "jurisdiction",
    "startDate",
    "endDate",
    "url",
    "tags",
    "stakeholderKind",
    "status",
    *(r.key for r in Relation.all()),
)
_LISTS = ("tags", *(r.key for r in Relation.all()))
_SEP = "|"


def read_csv(path: Path) -> tuple[list[tuple[str, object]], list[Problem]]:
    """The entries of a CSV file as the JSON objects ``_validate`` checks, and any problem with the file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [Problem("(document)", "(file)", "not found", source)]
    except UnicodeDecodeError as exc:
        return [], [Problem("(document)", "(file)", f"not UTF-8: {exc}", source)]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(reader.fieldnames or ())
    problems = [
        Problem("(document)", column, "unknown column", source) for column in header if column not in COLUMNS
    ]
    problems += [
        Problem("(document)", column, "missing column", source)
        for column in ("id", "type", "name_en", "name_zh", "summary_en", "summary_zh", "url")
        if column not in header
    ]
    if problems:
        return [], problems
    return [(source, _row_to_entry(row)) for row in reader], []


def _row_to_entry(row: dict[str | None, str | list[str] | None]) -> dict[str, object]:
    def cell(column: str) -> str:
        value = row.get(column)
        return value if isinstance(value, str) else ""

    entry: dict[str, object] = {
        "id": cell("id"),
        "type": cell("type"),
        "name": {"en": cell("name_en"), "zh-Hans": cell("name_zh")},
        "summary": {"en": cell("summary_en"), "zh-Hans": cell("summary_zh")},
    }
    for column in _SCALARS:
        if cell(column):
            entry[column] = cell(column)
    for column in _LISTS:
        if cell(column):
            entry[column] = cell(column).split(_SEP)
    if None in row:  # more cells than the header has columns
        entry["(extra cells)"] = row[None]
    return entry


def to_csv(entities: Iterable[Entity]) -> str:
    """``entities`` in id order as CSV text with the header ``COLUMNS``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in sorted(entities, key=lambda e: e.id):
        writer.writerow(
            [
                e.id,
                e.type.value,
                e.name.en,
                e.name.zh,
                e.summary.en,
                e.summary.zh,
                e.jurisdiction,
                e.start_date or "",
                e.end_date or "",
                e.url,
                _SEP.join(e.tags),
                e.stakeholder_kind or "",
                e.status or "",
                *(_SEP.join(e.targets(r.key)) for r in Relation.all()),
            ]
        )
    return out.getvalue()
