"""Valid phenopackets read from files, one at a time: the input of the writers of other formats."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pmbridge.errors import IngestError
from pmbridge.ingest._sources import Format, plan_sources, read_items
from pmbridge.ingest._validator import parse_phenopacket


def valid_phenopackets(paths: Sequence[Path | str]) -> Iterator[dict[str, object]]:
    """Every phenopacket in ``paths`` (JSON files, JSON lines, folders), checked by the validator.

    The first invalid one stops the stream with an error naming its file (and line) and problem:
    a writer must not turn a broken record into a plausible-looking one in another format.
    """
    for item, _ in read_items(plan_sources(paths, format=Format.PHENOPACKET)):
        if not item.source:
            continue
        doc, problems = parse_phenopacket(item.raw)
        if doc is None or problems:
            first = problems[0] if problems else None
            where = f"{item.source} {first.path}: {first.reason}" if first else f"{item.source}: not JSON"
            raise IngestError(
                f"{where} ({len(problems)} problem(s) in this record)",
                hint="fix the phenopacket (`pmbridge ingest` lists every problem of every record), "
                "then convert again",
            )
        yield doc
