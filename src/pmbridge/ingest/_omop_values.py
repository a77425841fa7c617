"""OMOP cell values (text from CSV, typed from Parquet and PostgreSQL) read one way, and the calendar
arithmetic that turns OMOP dates into phenopacket ages and back.

Ages are whole calendar units (years and months; days only under a year), so a date written from an
age reads back as the same age: ``add_age(born, "P5Y1M")`` then ``calendar_age`` gives ``P5Y1M``.
"""

from __future__ import annotations

import datetime
import math
import re

_DATE = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})")
_AGE = re.compile(r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?")
_CURIE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*:[^\s:]+")


def as_int(value: object) -> int | None:
    """An integer cell; None for empty, not a number, or not whole.

    >>> as_int("8507"), as_int(8507), as_int("8507.0"), as_int(""), as_int("x")
    (8507, 8507, 8507, None, None)
    """
    if type(value) is str:  # the common case (CSV text), first
        try:
            return int(value)
        except ValueError:
            pass
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = as_float(value)
    return int(number) if number is not None and number.is_integer() else None


def as_float(value: object) -> float | None:
    """A finite number, or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else float(str(value))  # Decimal
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def as_text(value: object) -> str:
    """A text cell stripped, '' for empty."""
    return "" if value is None else str(value).strip()


def as_date(value: object) -> datetime.date | None:
    """A date or datetime cell (``2020-01-31``, ``20200131``, ``2020-01-31 10:00:00``), or None.

    >>> as_date("2020-01-31 10:00:00"), as_date("20200131"), as_date("31/01/2020")
    (datetime.date(2020, 1, 31), datetime.date(2020, 1, 31), None)
    """
    if type(value) is str and len(value) >= 10 and value[4] == "-":  # ISO, the common case
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = _DATE.match(as_text(value))
    if match is None:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def is_curie(text: str) -> bool:
    """``PREFIX:local`` with no spaces.

    >>> is_curie("HP:0001250"), is_curie("Seizure"), is_curie("mg/dL")
    (True, False, False)
    """
    return _CURIE.fullmatch(text) is not None


def is_iso_age(text: str) -> bool:
    """An ISO 8601 age in years, months, weeks and days.

    >>> is_iso_age("P2Y6M"), is_iso_age("P"), is_iso_age("Primary")
    (True, False, False)
    """
    match = _AGE.fullmatch(text)
    return match is not None and any(match.groups())


def calendar_age(born: datetime.date, on: datetime.date) -> str | None:
    """The ISO 8601 age on ``on`` in whole calendar units as phenopackets usually give it: years and
    months, days only under a year (``P5Y1M``, ``P5M13D``, ``P10D``); None before birth.

    >>> calendar_age(datetime.date(2020, 5, 17), datetime.date(2025, 6, 30))
    'P5Y1M'
    >>> calendar_age(datetime.date(2020, 5, 17), datetime.date(2020, 10, 30))
    'P5M13D'
    >>> calendar_age(datetime.date(2020, 5, 17), datetime.date(2020, 5, 17))
    'P0D'
    """
    if on < born:
        return None
    months = (on.year - born.year) * 12 + on.month - born.month
    if on.day < born.day:
        months -= 1
    days = (on - _plus_months(born, months)).days
    years, months = divmod(months, 12)
    if years:
        return f"P{years}Y{months}M" if months else f"P{years}Y"
    if months:
        return f"P{months}M{days}D" if days else f"P{months}M"
    return f"P{days}D"


def add_age(born: datetime.date, age: str) -> datetime.date | None:
    """The day someone born on ``born`` reaches ``age`` (an ISO 8601 duration in Y, M, W, D).

    >>> add_age(datetime.date(2020, 5, 17), "P5M13D")
    datetime.date(2020, 10, 30)
    >>> add_age(datetime.date(2020, 5, 17), "PT3H") is None
    True
    """
    match = _AGE.fullmatch(age)
    if match is None or not any(match.groups()):
        return None
    years, months, weeks, days = (int(part) if part else 0 for part in match.groups())
    try:
        return _plus_months(born, years * 12 + months) + datetime.timedelta(days=weeks * 7 + days)
    except OverflowError:
        return None


def _plus_months(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    following = datetime.date(year + month // 11, (month + 1) % 12 + 1, 1)
    last = (following - datetime.timedelta(days=1)).day
    return datetime.date(year, month + 1, min(day.day, last))


def utc_timestamp(day: datetime.date) -> str:
    """A phenopacket Timestamp at midnight UTC."""
    return f"{day.isoformat()}T00:00:00Z"
