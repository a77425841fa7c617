"""Where phenopackets come from: JSON files, folders of them, and JSON-lines files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pmbridge.errors import IngestError

JSON_SUFFIXES = (".json",)
LINES_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class RawItem:
    """One candidate phenopacket: where it came from and its bytes."""

    source: str  # "path" or "path:LINE"
    raw: bytes


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """The files an ingest run will read, known up front so progress can show a total."""

    files: tuple[Path, ...]
    total_bytes: int


def plan_sources(paths: Sequence[Path]) -> SourcePlan:
    """Expand folders (recursively, *.json / *.jsonl / *.ndjson, sorted) and check every path exists."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix in JSON_SUFFIXES + LINES_SUFFIXES
            )
            if not found:
                raise IngestError(
                    f"folder {path} holds no .json, .jsonl or .ndjson files",
                    hint="point ingest at phenopacket JSON files or a folder of them",
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise IngestError(f"input {path} does not exist", hint="check the path; nothing was ingested")
    return SourcePlan(tuple(files), sum(p.stat().st_size for p in files))


def read_items(plan: SourcePlan) -> Iterator[tuple[RawItem, int]]:
    """Every item with the number of bytes it accounts for (for progress)."""
    for path in plan.files:
        if path.suffix in LINES_SUFFIXES:
            yield from _lines(path)
        else:
            data = path.read_bytes()
            yield RawItem(str(path), data), len(data)


def _lines(path: Path) -> Iterator[tuple[RawItem, int]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield RawItem(f"{path}:{number}", line), len(line)
            else:
                yield RawItem("", b""), len(line)  # blank line: progress only
