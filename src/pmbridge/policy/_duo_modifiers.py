"""DUO data-use modifiers, each checked on its own as an obligation the applicant must meet.

A modifier whose qualifier the dataset lacks (GS without a region, TS without a date) or whose
fact the applicant did not state is undecidable: the data access committee gets it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pmbridge.policy._duo_terms import DuoTerm
from pmbridge.policy._duo_types import (
    Applicant,
    DataUseConditions,
    DuoOutcome,
    OrganisationType,
    ResearchPurpose,
)
from pmbridge.policy._jurisdiction import jurisdiction_of

_Verdict = tuple[DuoOutcome, str]
_Check = Callable[[DataUseConditions, ResearchPurpose, Applicant, date], _Verdict]

OK, NO, DAC = DuoOutcome.PERMITTED, DuoOutcome.DENIED, DuoOutcome.COMMITTEE


def check_modifier(
    term: DuoTerm, conditions: DataUseConditions, purpose: ResearchPurpose, applicant: Applicant, *, on: date
) -> _Verdict:
    """The verdict of one modifier term; unknown modifiers go to the committee."""
    check = _CHECKS.get(term.shorthand)
    if check is None:
        return DAC, f"{term.label!r} cannot be checked automatically"
    return check(conditions, purpose, applicant, on)


def _irb(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if a.ethics_approval and a.ethics_approval.strip():
        return OK, f"ethics approval {a.ethics_approval.strip()} given"
    return NO, "give the reference of your ethics committee (IRB/ERB) approval"


def _gs(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if not c.regions:
        return DAC, "the dataset's geographic restriction names no region (steward: set its regions)"
    if a.country is None:
        return DAC, "your country is not known; the committee checks the geographic restriction"
    country = a.country.strip().upper()
    area = jurisdiction_of(country)
    if country in c.regions or (area is not None and area.value in c.regions):
        return OK, f"{country} is within {', '.join(sorted(c.regions))}"
    return NO, f"use is limited to {', '.join(sorted(c.regions))}; you are in {country}"


def _npu(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if a.organisation_type is None:
        return DAC, "your organisation's type is not known; the committee checks it is not-for-profit"
    if a.organisation_type is OrganisationType.NON_PROFIT:
        return OK, "your organisation is not-for-profit"
    return NO, "use is limited to not-for-profit organisations"


def _ncu(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if p.commercial is None:
        return DAC, "state whether the use is commercial"
    if p.commercial:
        return NO, "use is limited to non-commercial purposes"
    return OK, "the use is non-commercial"


def _npuncu(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    verdicts = (_npu(c, p, a, on), _ncu(c, p, a, on))
    for worst in (NO, DAC):
        reasons = [reason for outcome, reason in verdicts if outcome is worst]
        if reasons:
            return worst, "; ".join(reasons)
    return OK, "not-for-profit organisation, non-commercial use"


def _commitment(shorthand: str, promise: str) -> _Check:
    def check(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
        if shorthand in a.commitments:
            return OK, f"you committed to {promise}"
        return NO, f"commit to {promise} ({shorthand})"

    return check


def _mor(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    until = c.publication_moratorium_until
    if until is None:
        return DAC, "the dataset's publication moratorium has no date (steward: set it)"
    if on >= until or "MOR" in a.commitments:
        return OK, f"publication is free from {until.isoformat()}"
    return NO, f"commit not to publish results before {until.isoformat()} (MOR)"


def _ts(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if c.use_until is None:
        return DAC, "the dataset's time limit has no end date (steward: set it)"
    if on <= c.use_until:
        return OK, f"use is approved until {c.use_until.isoformat()}"
    return NO, f"the approved period of use ended on {c.use_until.isoformat()}"


def _allow_list(
    kind: str, pick: Callable[[DataUseConditions, Applicant], tuple[frozenset[str], str | None]]
) -> _Check:
    def check(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
        allowed, value = pick(c, a)
        if value is not None and value in allowed:
            return OK, f"{kind} {value} is approved"
        if value is None:
            return DAC, f"no {kind} given; the committee checks the approved {kind}s"
        return DAC, f"{kind} {value} is not on the approved list; ask the data access committee"

    return check


def _nmds(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if p.methods_development:
        return NO, "methods development (software, algorithms) is not allowed on this dataset"
    return OK, "no methods development declared"


def _gso(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if p.genetic_study is None:
        return DAC, "state whether the study includes genotype research"
    if p.genetic_study:
        return OK, "the study includes genotype research"
    return NO, "use is limited to genetic studies; phenotype-only research is not allowed"


def _npoa(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    if p.use.strip().upper() in ("POA", "DUO:0000011"):
        return NO, "population origins or ancestry research is prohibited on this dataset"
    return OK, "not population origins or ancestry research"


def _cc(c: DataUseConditions, p: ResearchPurpose, a: Applicant, on: date) -> _Verdict:
    return OK, "clinical care use widens the permission; it asks nothing of research use"


_CHECKS: dict[str, _Check] = {
    "IRB": _irb,
    "GS": _gs,
    "NPU": _npu,
    "NCU": _ncu,
    "NPUNCU": _npuncu,
    "PUB": _commitment("PUB", "make your results available to the scientific community"),
    "COL": _commitment("COL", "collaborate with the primary study investigators"),
    "RTN": _commitment("RTN", "return derived or enriched data to the resource"),
    "MOR": _mor,
    "TS": _ts,
    "US": _allow_list("user", lambda c, a: (c.users, a.user)),
    "PS": _allow_list("project", lambda c, a: (c.projects, a.project)),
    "IS": _allow_list("institution", lambda c, a: (c.institutions, a.institution)),
    "NMDS": _nmds,
    "GSO": _gso,
    "NPOA": _npoa,
    "CC": _cc,
}
