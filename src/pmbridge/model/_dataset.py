"""Datasets: what a node offers, under which data-use conditions and release caps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmbridge.model._enums import AccessLevel, Granularity, Jurisdiction

DEFAULT_RELEASE_CAPS: Mapping[AccessLevel, Granularity] = {
    AccessLevel.PUBLIC: Granularity.BOOLEAN,
    AccessLevel.REGISTERED: Granularity.COUNT,
    AccessLevel.CONTROLLED: Granularity.RECORD,
}


@dataclass(frozen=True, slots=True)
class Dataset:
    """A collection of patient records with its data-use conditions (DUO codes).

    >>> Dataset("ds1", "Demo", jurisdiction=Jurisdiction.EU).max_granularity(AccessLevel.PUBLIC)
    <Granularity.BOOLEAN: 'boolean'>
    """

    id: str
    name: str
    description: str = ""
    duo_codes: tuple[str, ...] = ("DUO:0000042",)  # general research use
    jurisdiction: Jurisdiction = Jurisdiction.EU
    release_caps: Mapping[AccessLevel, Granularity] = field(
        default_factory=lambda: dict(DEFAULT_RELEASE_CAPS)
    )

    def max_granularity(self, level: AccessLevel) -> Granularity:
        """The most this dataset releases to a requester at ``level``."""
        return self.release_caps.get(level, Granularity.BOOLEAN)
