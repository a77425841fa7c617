"""The sample sheet: which individual each VCF sample column is, checked both ways against the VCF.

A CSV or TSV file with the header ``sample_id,individual_id``; every VCF sample must be in it and
every row must name a VCF sample, else the whole VCF is refused (nothing is written).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from pmbridge.errors import IngestError

COLUMNS = ("sample_id", "individual_id")
_SHOWN = 10


def read_sample_sheet(path: Path) -> dict[str, str]:
    """``sample_id`` → ``individual_id`` from ``path``; every problem found is named at once."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise IngestError(
            f"sample sheet {path} could not be read ({error})",
            hint="give a UTF-8 CSV or TSV file with the header 'sample_id,individual_id'",
        ) from error
    lines = text.splitlines()
    delimiter = "\t" if lines and "\t" in lines[0] else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [cell.strip() for cell in rows[0]] if rows else []
    if tuple(header) != COLUMNS:
        raise IngestError(
            f"sample sheet {path}: the header is {delimiter.join(header)!r}, not 'sample_id,individual_id'",
            hint="write the header 'sample_id,individual_id' (comma or tab separated) and one sample a line",
        )
    sheet: dict[str, str] = {}
    seen_line: dict[str, int] = {}
    linked_by: dict[str, int] = {}
    problems: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) != 2 or not all(cells):
            problems.append(f"line {number}: expected two non-empty values, found {delimiter.join(row)!r}")
            continue
        sample, individual = cells
        if sample in seen_line:
            problems.append(f"line {number}: sample {sample!r} is already on line {seen_line[sample]}")
            continue
        if individual in linked_by:
            problems.append(
                f"line {number}: individual {individual!r} is already linked on line {linked_by[individual]}"
            )
            continue
        seen_line[sample], linked_by[individual] = number, number
        sheet[sample] = individual
    if problems:
        raise IngestError(
            f"sample sheet {path}: " + "; ".join(_first(problems)),
            hint="one row per VCF sample, each sample and each individual once",
        )
    return sheet


def link_samples(
    samples: Sequence[str],
    sheet: dict[str, str] | None,
    *,
    vcf: Path,
    sheet_path: Path | None,
    for_many: bool = False,
) -> list[str]:
    """The individual id of each VCF sample column, in column order (no sheet: the sample names).
    ``for_many``: the sheet covers several VCFs, so rows naming no sample of this one are allowed."""
    if sheet is None:
        return list(samples)
    missing = [repr(s) for s in samples if s not in sheet]
    unused = [] if for_many else [repr(s) for s in sorted(set(sheet) - set(samples))]
    if missing or unused:
        parts = []
        if missing:
            parts.append(f"VCF samples not in the sheet: {', '.join(_first(missing))}")
        if unused:
            parts.append(f"sheet rows naming no sample of the VCF: {', '.join(_first(unused))}")
        raise IngestError(
            f"sample sheet {sheet_path} does not match {vcf}: " + "; ".join(parts),
            hint="the sheet must list every sample column of the VCF, and only those (sample names are "
            "case-sensitive; `bcftools query -l FILE` lists them)",
        )
    return [sheet[s] for s in samples]


def _first(items: Sequence[str]) -> list[str]:
    return list(items[:_SHOWN]) + ([f"and {len(items) - _SHOWN} more"] if len(items) > _SHOWN else [])
