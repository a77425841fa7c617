"""DUO matching: does a dataset's permission cover a research purpose, and are its modifiers met?

A permission matches a purpose when it equals it or is an ancestor in DUO (GRU ⊃ HMB ⊃ DS); a
DS dataset matches a purpose on its disease or a Mondo descendant. NRES matches everything and
GRU also covers population-origins research (its definition says so; DUO files POA beside it).
"""

from __future__ import annotations

from datetime import date

from pmbridge.policy._diseases import DiseaseHierarchy
from pmbridge.policy._duo_modifiers import check_modifier
from pmbridge.policy._duo_terms import DuoTerm, DuoVocabulary
from pmbridge.policy._duo_types import (
    Applicant,
    DataUseConditions,
    DuoCheck,
    DuoMatch,
    DuoOutcome,
    ResearchPurpose,
    combine,
)

NRES, GRU, HMB, DS, POA = "DUO:0000004", "DUO:0000042", "DUO:0000006", "DUO:0000007", "DUO:0000011"
_PURPOSE_USES = (GRU, HMB, DS, POA)


def match_data_use(
    conditions: DataUseConditions,
    purpose: ResearchPurpose,
    applicant: Applicant,
    *,
    duo: DuoVocabulary,
    on: date,
    diseases: DiseaseHierarchy | None = None,
) -> DuoMatch:
    """Check the permission, then every modifier one by one, and combine (denied > committee).

    ``on`` is the day of the request (TS, MOR). Without ``diseases`` a DS dataset matches only
    the very same disease id; anything else goes to the committee.
    """
    terms = [(code, duo.term(code)) for code in conditions.codes]
    checks = [
        _permission(
            conditions, purpose, [t for _, t in terms if t and t.category == "permission"], duo, diseases
        )
    ]
    for code, term in terms:
        if term is None:
            checks.append(
                DuoCheck(code, "", DuoOutcome.COMMITTEE, f"{code} is not a DUO term this node knows")
            )
        elif term.obsolete:
            checks.append(
                DuoCheck(term.id, "", DuoOutcome.COMMITTEE, f"{term.id} is obsolete ({term.label})")
            )
        elif term.category == "modifier":
            outcome, reason = check_modifier(term, conditions, purpose, applicant, on=on)
            checks.append(DuoCheck(term.id, term.shorthand, outcome, reason))
        elif term.category != "permission":
            checks.append(
                DuoCheck(
                    term.id,
                    term.shorthand,
                    DuoOutcome.COMMITTEE,
                    f"{term.label!r} is not a data-use condition",
                )
            )
    found = tuple(checks)
    return DuoMatch(combine(found), found)


def _permission(
    conditions: DataUseConditions,
    purpose: ResearchPurpose,
    permissions: list[DuoTerm],
    duo: DuoVocabulary,
    diseases: DiseaseHierarchy | None,
) -> DuoCheck:
    wanted = duo.term(purpose.use)
    if wanted is None or wanted.id not in _PURPOSE_USES:
        return DuoCheck(
            purpose.use, "", DuoOutcome.DENIED, "state the purpose as GRU, HMB, DS (with its disease) or POA"
        )
    if wanted.id == DS and not purpose.disease:
        return DuoCheck(
            wanted.id, wanted.shorthand, DuoOutcome.DENIED, "a disease-specific purpose names its disease"
        )
    if not permissions:
        return DuoCheck("", "", DuoOutcome.COMMITTEE, "the dataset declares no DUO permission term")
    verdicts = [
        _one_permission(p, wanted, conditions=conditions, purpose=purpose, duo=duo, diseases=diseases)
        for p in permissions
    ]
    for best in (DuoOutcome.PERMITTED, DuoOutcome.COMMITTEE):
        chosen = [v for v in verdicts if v.outcome is best]
        if chosen:
            return chosen[0]
    return verdicts[0]


def _one_permission(
    permission: DuoTerm,
    wanted: DuoTerm,
    *,
    conditions: DataUseConditions,
    purpose: ResearchPurpose,
    duo: DuoVocabulary,
    diseases: DiseaseHierarchy | None,
) -> DuoCheck:
    def verdict(outcome: DuoOutcome, reason: str) -> DuoCheck:
        return DuoCheck(permission.id, permission.shorthand, outcome, reason)

    if permission.id == NRES:
        return verdict(DuoOutcome.PERMITTED, "no restriction on use")
    if permission.id == DS and wanted.id == DS:
        return _disease(permission, conditions, purpose.disease or "", diseases)
    if permission.id == wanted.id or permission.id in duo.ancestors(wanted.id):
        return verdict(DuoOutcome.PERMITTED, f"{permission.label} covers {wanted.label}")
    if permission.id == GRU and wanted.id == POA:
        return verdict(
            DuoOutcome.PERMITTED, "general research use includes population origins or ancestry research"
        )
    return verdict(
        DuoOutcome.DENIED, f"the dataset allows only {permission.label}, which does not cover {wanted.label}"
    )


def _disease(
    permission: DuoTerm, conditions: DataUseConditions, disease: str, diseases: DiseaseHierarchy | None
) -> DuoCheck:
    def verdict(outcome: DuoOutcome, reason: str) -> DuoCheck:
        return DuoCheck(permission.id, permission.shorthand, outcome, reason)

    if not conditions.diseases:
        return verdict(DuoOutcome.COMMITTEE, "the DS dataset names no disease (steward: set its diseases)")
    hierarchy = diseases or DiseaseHierarchy(parents={}, equivalents={})
    answers = {d: hierarchy.within(disease, d) for d in conditions.diseases}
    inside = [d for d, answer in answers.items() if answer]
    if inside:
        return verdict(DuoOutcome.PERMITTED, f"{disease} is within the dataset's disease {inside[0]}")
    allowed = ", ".join(conditions.diseases)
    if any(answer is None for answer in answers.values()):
        why = "no Mondo hierarchy is loaded" if not hierarchy.has_hierarchy else "a term is not in Mondo"
        return verdict(DuoOutcome.COMMITTEE, f"cannot tell whether {disease} falls under {allowed} ({why})")
    return verdict(DuoOutcome.DENIED, f"{disease} is not {allowed} nor one of its subtypes")
