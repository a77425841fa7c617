"""A dataset's data-use conditions from its ``[[datasets]]`` table: ``duo`` plus ``data_use`` qualifiers.

The node config owns the dataset table; this declares and reads the DUO part of it, so the node
can build :class:`DataUseConditions` for each dataset without knowing DUO.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar, Final

from pydantic import Field

from pmbridge.config import NonEmpty, SettingsModel, validated
from pmbridge.errors import ConfigError
from pmbridge.policy._diseases import normalise_disease
from pmbridge.policy._duo_types import DataUseConditions

DEFAULT_DUO: Final = "DUO:0000042"
"""General research use: the data-use condition of a dataset that names none."""


class DataUseSettings(SettingsModel):
    """A dataset's ``data_use`` table: the qualifiers DUO leaves to "coupled with"."""

    docs: ClassVar[str] = "docs/policy.md"

    diseases: list[NonEmpty] = Field(
        default_factory=list, description="DS: the dataset's diseases as MONDO (or ORPHA) ids."
    )
    regions: list[NonEmpty] = Field(
        default_factory=list, description="GS: ISO country codes or 'EU' / 'CN' where use is allowed."
    )
    users: list[NonEmpty] = Field(
        default_factory=list, description="US: researcher ids (passport sub) approved to use the data."
    )
    projects: list[NonEmpty] = Field(default_factory=list, description="PS: approved project identifiers.")
    institutions: list[NonEmpty] = Field(
        default_factory=list, description="IS: approved institutions (AffiliationAndRole organisation)."
    )
    use_until: date | None = Field(
        default=None, description="TS: last day of the approved period of use (a TOML date)."
    )
    publication_moratorium_until: date | None = Field(
        default=None, description="MOR: results may not be published before this date (a TOML date)."
    )


def parse_data_use(dataset: Mapping[str, object], *, where: str = "config") -> DataUseConditions:
    """Read ``duo`` and ``data_use`` of one dataset table (its other settings are the node's).

    >>> parse_data_use({"duo": ["DS"], "data_use": {"diseases": ["Orphanet:558"]}}).diseases
    ('ORPHA:558',)
    """
    codes = dataset.get("duo", [DEFAULT_DUO])
    if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
        raise ConfigError(
            f"{where}: datasets[].duo must be a list of DUO ids", hint=f'e.g. duo = ["{DEFAULT_DUO}"]'
        )
    table = validated(DataUseSettings, dataset.get("data_use", {}), where=where, at=("data_use",))
    return data_use_conditions(tuple(codes), table)


def data_use_conditions(codes: tuple[str, ...], table: DataUseSettings) -> DataUseConditions:
    """The conditions of a dataset with DUO ``codes`` and a checked ``data_use`` table."""
    return DataUseConditions(
        codes=tuple(c.strip() for c in codes),
        diseases=tuple(normalise_disease(d) for d in table.diseases),
        regions=frozenset(r.upper() for r in table.regions),
        users=frozenset(table.users),
        projects=frozenset(table.projects),
        institutions=frozenset(table.institutions),
        use_until=table.use_until,
        publication_moratorium_until=table.publication_moratorium_until,
    )
