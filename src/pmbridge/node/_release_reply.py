"""A :class:`Release` as the Beacon reply carries it: result sets whose ``info.count`` says how each
number was made, and the reply's ``info.release`` (who asked, access, rules, the total's make-up).

Beacon needs an integer ``resultsCount``: a suppressed count is sent as 0 beside its
``info.count`` (``how: suppressed`` with the rule and reason), never as its true value.
"""

from __future__ import annotations

from collections.abc import Iterable

from pmbridge.beacon import ResultSet
from pmbridge.node._release import Release
from pmbridge.policy import Caller
from pmbridge.store import BiosampleRow, IndividualRow, Row


def result_sets(released: Release) -> list[ResultSet]:
    """One result set per dataset, in id order, each with its count's provenance."""
    return [
        ResultSet(
            id=part.dataset,
            count=part.count.value or 0 if part.count is not None else int(part.exists),
            results=part.records,
            exists=part.exists,
            info={"count": part.count.to_dict()} if part.count is not None else {},
        )
        for part in sorted(released.parts, key=lambda p: p.dataset)
    ]


def release_info(released: Release, caller: Caller) -> dict[str, object]:
    """How the reply was released: for whom, at which access, across a border or not, by which rules."""
    researcher = caller.researcher
    info: dict[str, object] = {
        "researcher": researcher.id,
        "access": {p.dataset: researcher.access(p.dataset).value for p in released.parts},
        "purpose": caller.purpose,
        "crossBorder": released.cross_border,
        "rules": released.rule,
    }
    if released.granularity.value != "boolean":
        info["total"] = released.total.to_dict()
    return info


def people_on_page(dataset: str, rows: Iterable[Row]) -> set[str]:
    """The individuals (``dataset/id``) whose data a page of records carries, for the export counters."""
    found: set[str] = set()
    for row in rows:
        if isinstance(row, IndividualRow):
            found.add(f"{dataset}/{row.id}")
        elif isinstance(row, BiosampleRow):
            found.add(f"{dataset}/{row.individual_id}")
        else:
            found.update(f"{dataset}/{c.individual_id}" for c in row.carriers)
    return found
