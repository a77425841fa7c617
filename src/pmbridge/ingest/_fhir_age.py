"""A patient's age at their last encounter when FHIR does not say it: from the birth date to the
latest clinical date among their resources (FHIR has no such element; phenopackets and age
queries need it)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

__all__ = ["CLINICAL_DATES", "age_at_last_encounter"]

# Where a resource dates what happened to the patient (not when a record was written).
CLINICAL_DATES = (
    ("effectiveDateTime",),
    ("effectivePeriod", "end"),
    ("effectivePeriod", "start"),
    ("onsetDateTime",),
    ("abatementDateTime",),
    ("recordedDate",),
    ("performedDateTime",),
    ("performedPeriod", "end"),
    ("collection", "collectedDateTime"),
    ("issued",),
)


def age_at_last_encounter(birth_date: str, resources: Iterable[Mapping[str, object]]) -> str | None:
    """An ISO 8601 age (whole years and months; days under a month), or None without dates.

    >>> age_at_last_encounter("1972-05-01", [{"effectiveDateTime": "2017-11-10T08:20:00+01:00"}])
    'P45Y6M'
    >>> age_at_last_encounter("2024-01-01", [{"recordedDate": "2024-01-20"}])
    'P19D'
    """
    born = _date(birth_date)
    latest = max((d for r in resources for d in _dates(r)), default=None)
    if born is None or latest is None or latest < born:
        return None
    months = (latest.year - born.year) * 12 + latest.month - born.month - (latest.day < born.day)
    if months < 1:
        return f"P{(latest - born).days}D"
    years, months = divmod(months, 12)
    return f"P{years}Y{months}M" if years and months else f"P{years}Y" if years else f"P{months}M"


def _dates(resource: Mapping[str, object]) -> Iterable[datetime.date]:
    for path in CLINICAL_DATES:
        value: object = resource
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and (found := _date(value)) is not None:
            yield found


def _date(text: str) -> datetime.date | None:
    """The calendar date a FHIR date or dateTime starts with; a partial date counts from its start."""
    head = text[:10]
    head = {4: head + "-01-01", 7: head + "-01"}.get(len(head), head)
    try:
        return datetime.date.fromisoformat(head)
    except ValueError:
        return None
