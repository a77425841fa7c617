"""What DUO matching compares: a dataset's data-use conditions, a research purpose, an applicant.

The qualifiers DUO leaves to "coupled with" (the disease of DS, the region of GS, the dates of
TS and MOR, the allow-lists of US / PS / IS) are explicit fields, so a missing one is visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DuoOutcome(StrEnum):
    """Matching result: the rules permit, deny, or cannot decide (the data access committee does)."""

    PERMITTED = "permitted"
    DENIED = "denied"
    COMMITTEE = "data_access_committee"


class OrganisationType(StrEnum):
    """The applicant organisation's type, for NPU."""

    NON_PROFIT = "non_profit"
    FOR_PROFIT = "for_profit"


@dataclass(frozen=True, slots=True)
class DataUseConditions:
    """A dataset's DUO codes (permission and modifiers) with the qualifiers they need.

    ``regions`` holds ISO country codes or the legal areas ``EU`` / ``CN``; ``use_until`` is
    the last day of a TS approval; ``publication_moratorium_until`` the MOR date.
    """

    codes: tuple[str, ...]
    diseases: tuple[str, ...] = ()
    regions: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    projects: frozenset[str] = frozenset()
    institutions: frozenset[str] = frozenset()
    use_until: date | None = None
    publication_moratorium_until: date | None = None


@dataclass(frozen=True, slots=True)
class ResearchPurpose:
    """What the research is for, as the narrowest DUO permission it needs.

    ``use`` is GRU, HMB, DS (with ``disease``, a MONDO / ORPHA id) or POA, by shorthand or id.
    None on a flag means "not stated", which sends a modifier that needs it to the committee.
    """

    use: str
    disease: str | None = None
    commercial: bool | None = None
    methods_development: bool = False
    genetic_study: bool | None = None


@dataclass(frozen=True, slots=True)
class Applicant:
    """Who asks and what they commit to. ``commitments`` holds shorthands: PUB, COL, RTN, MOR."""

    user: str | None = None
    institution: str | None = None
    organisation_type: OrganisationType | None = None
    country: str | None = None
    ethics_approval: str | None = None
    project: str | None = None
    commitments: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DuoCheck:
    """One term's verdict: ``code`` is the DUO id (or the purpose), ``reason`` what to do."""

    code: str
    shorthand: str
    outcome: DuoOutcome
    reason: str


@dataclass(frozen=True, slots=True)
class DuoMatch:
    """The verdict on one dataset: denied if any check denies, else committee if any cannot decide."""

    outcome: DuoOutcome
    checks: tuple[DuoCheck, ...]

    @property
    def permitted(self) -> bool:
        return self.outcome is DuoOutcome.PERMITTED

    def reasons(self, outcome: DuoOutcome) -> tuple[str, ...]:
        """The reasons of the checks that ended with ``outcome``."""
        return tuple(f"{c.shorthand or c.code}: {c.reason}" for c in self.checks if c.outcome is outcome)


def combine(checks: tuple[DuoCheck, ...]) -> DuoOutcome:
    """Denied beats committee beats permitted; no checks at all is the committee's call.

    >>> combine((DuoCheck("a", "", DuoOutcome.PERMITTED, ""), DuoCheck("b", "", DuoOutcome.COMMITTEE, "")))
    <DuoOutcome.COMMITTEE: 'data_access_committee'>
    """
    outcomes = {c.outcome for c in checks}
    for worst in (DuoOutcome.DENIED, DuoOutcome.COMMITTEE):
        if worst in outcomes:
            return worst
    return DuoOutcome.PERMITTED if outcomes else DuoOutcome.COMMITTEE
