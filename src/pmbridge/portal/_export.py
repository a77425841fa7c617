"""The explorer's aggregates as files: CSV (one row per released number) and JSON (the same, nested).

Exports carry exactly what the page shows, with how each number was released, never more: a
held-back number has no value, a partial sum says so (``how`` partial, ``display`` ``≥8 (+ <11)``),
and a node that refused or did not answer says which (``status``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from pmbridge import __version__
from pmbridge.portal._cohort import CohortCounts
from pmbridge.portal._counts import ShownCount

COLUMNS: Final = (
    "level",
    "node",
    "dataset",
    "breakdown",
    "cell",
    "value",
    "how",
    "display",
    "threshold",
    "epsilon",
    "rule",
    "reason",
    "status",
)
HIDDEN_CELLS: Final = "(held-back cells)"
"""The cell name of the row that counts the people in a breakdown's held-back cells."""


def export_rows(counts: CohortCounts) -> list[dict[str, object]]:
    """One row per number: the network total, each node, each dataset, each breakdown cell, and
    the people in a breakdown's held-back cells."""
    rows = [_row("network", count=counts.total)]
    for n in counts.nodes:
        refused = ShownCount(None, "suppressed", rule=n.refusal.rule) if n.refusal is not None else None
        row = _row("node", node=n.node, count=n.total or refused)
        row["status"] = n.state
        if n.refusal is not None:
            row["reason"] = n.refusal.english(node=n.node, dataset=n.node)
        rows.append(row)
    rows += [_row("dataset", node=d.node, dataset=d.dataset, count=d.total) for d in counts.datasets]
    for name, cells in counts.breakdowns.items():
        rows += [_row("breakdown", breakdown=name, cell=cell, count=count) for cell, count in cells]
        rest = counts.hidden_cells.get(name)
        if rest is not None:
            rows.append(_row("breakdown", breakdown=name, cell=HIDDEN_CELLS, count=rest))
    return rows


def to_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """CSV with a header; text that a spreadsheet would run as a formula is quoted with ``'``.

    >>> to_csv([{"level": "node", "node": "=cmd"}]).splitlines()[1]
    "node,'=cmd,,,,,,,,,,,"
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in COLUMNS})
    return out.getvalue()


def to_json(
    counts: CohortCounts, *, filters: Sequence[Mapping[str, str]], generated: datetime, source: str
) -> dict[str, object]:
    """The aggregates with the question that produced them, when, and from which network."""
    return {
        "network": source,
        "generated": generated.isoformat(),
        "pmbridgeVersion": __version__,
        "filters": [dict(f) for f in filters],
        "missingNodes": list(counts.missing),
        "rows": export_rows(counts),
    }


def _row(
    level: str,
    *,
    count: ShownCount | None,
    node: str = "",
    dataset: str = "",
    breakdown: str = "",
    cell: str = "",
) -> dict[str, object]:
    released = (count or ShownCount(None, "unknown")).to_export()
    if released["how"] == "unknown":
        released["display"] = ""
    return {
        "level": level,
        "node": node,
        "dataset": dataset,
        "breakdown": breakdown,
        "cell": cell,
        **released,
        "status": "",
    }


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
