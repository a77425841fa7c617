"""A dataset's data-use conditions from its ``[[datasets]]`` table: ``duo`` plus ``data_use`` qualifiers.

The node config owns the dataset table; this reads the DUO part of it, so the node can build
:class:`DataUseConditions` for each dataset without knowing DUO.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Final

from pmbridge.errors import ConfigError
from pmbridge.policy._diseases import normalise_disease
from pmbridge.policy._duo_types import DataUseConditions
from pmbridge.settings import Setting

DATA_USE_SETTINGS: Final = (
    Setting("datasets[].data_use.diseases", [], "DS: the dataset's diseases as MONDO (or ORPHA) ids."),
    Setting("datasets[].data_use.regions", [], "GS: ISO country codes or 'EU' / 'CN' where use is allowed."),
    Setting("datasets[].data_use.users", [], "US: researcher ids (passport sub) approved to use the data."),
    Setting("datasets[].data_use.projects", [], "PS: approved project identifiers."),
    Setting(
        "datasets[].data_use.institutions", [], "IS: approved institutions (AffiliationAndRole organisation)."
    ),
    Setting(
        "datasets[].data_use.use_until", None, "TS: last day of the approved period of use (a TOML date)."
    ),
    Setting(
        "datasets[].data_use.publication_moratorium_until",
        None,
        "MOR: results may not be published before this date (a TOML date).",
    ),
)
_LISTS: Final = ("diseases", "regions", "users", "projects", "institutions")
_DATES: Final = ("use_until", "publication_moratorium_until")


def parse_data_use(dataset: Mapping[str, object], *, where: str = "config") -> DataUseConditions:
    """Read ``duo`` and ``data_use`` of one dataset table.

    >>> parse_data_use({"duo": ["DS"], "data_use": {"diseases": ["Orphanet:558"]}}).diseases
    ('ORPHA:558',)
    """
    codes = dataset.get("duo", ["DUO:0000042"])
    if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
        raise ConfigError(
            f"{where}: datasets[].duo must be a list of DUO ids", hint='e.g. duo = ["DUO:0000042"]'
        )
    table = dataset.get("data_use", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: datasets[].data_use must be a table")
    unknown = sorted(set(table) - set(_LISTS) - set(_DATES))
    if unknown:
        raise ConfigError(f"{where}: unknown datasets[].data_use.{unknown[0]}", hint="see docs/policy.md")
    lists = {name: _strings(table.get(name, []), name, where) for name in _LISTS}
    dates = {name: _date(table.get(name), name, where) for name in _DATES}
    return DataUseConditions(
        codes=tuple(c.strip() for c in codes),
        diseases=tuple(normalise_disease(d) for d in lists["diseases"]),
        regions=frozenset(r.upper() for r in lists["regions"]),
        users=frozenset(lists["users"]),
        projects=frozenset(lists["projects"]),
        institutions=frozenset(lists["institutions"]),
        use_until=dates["use_until"],
        publication_moratorium_until=dates["publication_moratorium_until"],
    )


def _strings(value: object, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: datasets[].data_use.{name} must be a list of strings")
    return tuple(v.strip() for v in value)


def _date(value: object, name: str, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ConfigError(
        f"{where}: datasets[].data_use.{name} = {value!r} is not a date", hint="write a TOML date: 2027-06-30"
    )
