"""A node's automatic pre-check of one dataset: DUO (DUOS words) and rules X1–X6, and its wire form.

Pure: the node hands in its policy, vocabularies and the requester's country; the hub reads the
reply back with ``DatasetPrecheck.from_wire``, strictly, since a node is another party.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from pmbridge.access._duos import DuosVerdict, duos_verdict
from pmbridge.access._strict import choice_at, fail, flag_at, list_at, object_at, text_at
from pmbridge.errors import UpstreamError
from pmbridge.model import Granularity
from pmbridge.policy import (
    Applicant,
    DataUseConditions,
    Decision,
    DiseaseHierarchy,
    DuoVocabulary,
    NodePolicy,
    ReleaseRequest,
    ResearchPurpose,
    check_genetic,
    check_purpose,
    check_transfer,
    match_data_use,
)

NOT_LOADED: Final = "not loaded"
_COARSER: Final = (Granularity.RECORD, Granularity.COUNT, Granularity.BOOLEAN)
_U = UpstreamError
_GRANULARITIES = {g.value: g for g in Granularity}
_VERDICTS = {v.value: v for v in DuosVerdict}


@dataclass(frozen=True, slots=True)
class Releases:
    """The vocabulary releases a verdict was made under (``unknown`` / ``not loaded`` if absent)."""

    duo: str
    mondo: str = NOT_LOADED


@dataclass(frozen=True, slots=True)
class DuoEntry:
    """One DUO term's verdict, in DUOS words."""

    code: str
    shorthand: str
    verdict: DuosVerdict
    reason: str


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """One rule's decision; ``instead`` is the coarser granularity X1 sent the request at."""

    rule: str
    allowed: bool
    reason: str
    instead: Granularity | None = None


@dataclass(frozen=True, slots=True)
class DatasetPrecheck:
    """The pre-check of one dataset: sent or not, at which granularity, and why."""

    id: str
    send: bool
    requested: Granularity
    sent: Granularity | None
    verdict: DuosVerdict
    checks: tuple[DuoEntry, ...]
    releases: Releases
    rules: tuple[RuleEntry, ...]
    summary: str

    def to_wire(self) -> dict[str, object]:
        """The per-dataset JSON of the contract (``/tmp/access_design.md``)."""
        return {
            "id": self.id,
            "send": self.send,
            "granularity": {"requested": self.requested.value, "sent": self.sent and self.sent.value},
            "duo": {
                "verdict": self.verdict.value,
                "checks": [
                    {"code": c.code, "shorthand": c.shorthand, "verdict": c.verdict.value, "reason": c.reason}
                    for c in self.checks
                ],
                "releases": {"duo": self.releases.duo, "mondo": self.releases.mondo},
            },
            "rules": [_rule_wire(r) for r in self.rules],
            "summary": self.summary,
        }

    @classmethod
    def from_wire(cls, value: object, *, where: str = "node reply") -> DatasetPrecheck:
        """Read a node's per-dataset reply; anything malformed is an ``UpstreamError`` naming it."""
        keys = ("id", "send", "granularity", "duo", "rules", "summary")
        doc = object_at(value, where, required=keys, error=_U)
        gran = object_at(doc["granularity"], f"{where}.granularity", required=("requested", "sent"), error=_U)
        sent = None if gran["sent"] is None else choice_at(gran, "sent", where, _GRANULARITIES, error=_U)
        duo = object_at(doc["duo"], f"{where}.duo", required=("verdict", "checks", "releases"), error=_U)
        rel = object_at(duo["releases"], f"{where}.duo.releases", required=("duo", "mondo"), error=_U)
        found = cls(
            id=text_at(doc, "id", where, error=_U),
            send=flag_at(doc, "send", where, error=_U),
            requested=choice_at(gran, "requested", where, _GRANULARITIES, error=_U),
            sent=sent,
            verdict=choice_at(duo, "verdict", f"{where}.duo", _VERDICTS, error=_U),
            checks=tuple(
                _duo_entry(c, f"{where}.duo.checks[{i}]")
                for i, c in enumerate(list_at(duo, "checks", f"{where}.duo", error=_U))
            ),
            releases=Releases(
                duo=text_at(rel, "duo", where, error=_U), mondo=text_at(rel, "mondo", where, error=_U)
            ),
            rules=tuple(
                _rule_entry(r, f"{where}.rules[{i}]")
                for i, r in enumerate(list_at(doc, "rules", where, error=_U))
            ),
            summary=text_at(doc, "summary", where, error=_U, empty=True),
        )
        if found.send and found.sent is None:
            fail(_U, where, "says send but no granularity was sent", "the node must name granularity.sent")
        return found


def precheck_dataset(
    dataset_id: str,
    *,
    conditions: DataUseConditions | None,
    category: str,
    purpose: ResearchPurpose,
    applicant: Applicant,
    requested: Granularity,
    on: date,
    policy: NodePolicy,
    requester_country: str | None,
    duo: DuoVocabulary | None,
    diseases: DiseaseHierarchy | None,
    releases: Releases,
) -> DatasetPrecheck:
    """DUO, then X5/X6, X1 (coarsening record → count → boolean) and X4; ``conditions`` None: unknown."""
    if conditions is None:
        return DatasetPrecheck(
            dataset_id, False, requested, None, DuosVerdict.ABSTAIN, (), releases, (),
            f"this node holds no dataset {dataset_id!r}; check the dataset id in the catalogue",
        )  # fmt: skip
    verdict, checks = _duo(conditions, purpose, applicant, on=on, duo=duo, diseases=diseases)
    purpose_rule = check_purpose(category, allowed=policy.allowed_purposes)
    rules = [RuleEntry(purpose_rule.rule, purpose_rule.allowed, purpose_rule.reason)]
    sent, transfer = _granularity(policy, category, requested, requester_country)
    rules.append(transfer)
    genetic: Decision | None = None
    if purpose.genetic_study:
        genetic = check_genetic(
            policy, ReleaseRequest(category, sent or requested, requester_country, genetic=True)
        )
        rules.append(RuleEntry(genetic.rule, genetic.allowed, genetic.reason))
    refusals = [r for r in rules if not r.allowed and r.instead is None]
    send = verdict is not DuosVerdict.DENY and sent is not None and not refusals
    summary = _summary(
        dataset_id,
        send=send,
        verdict=verdict,
        requested=requested,
        sent=sent if send else None,
        refusals=refusals,
        checks=checks,
    )
    return DatasetPrecheck(
        dataset_id, send, requested, sent if send else None, verdict, checks, releases, tuple(rules), summary
    )


def _duo(
    conditions: DataUseConditions,
    purpose: ResearchPurpose,
    applicant: Applicant,
    *,
    on: date,
    duo: DuoVocabulary | None,
    diseases: DiseaseHierarchy | None,
) -> tuple[DuosVerdict, tuple[DuoEntry, ...]]:
    if duo is None:
        why = "this node has no DUO vocabulary loaded; the data access committee checks the conditions"
        return DuosVerdict.ABSTAIN, tuple(DuoEntry(c, "", DuosVerdict.ABSTAIN, why) for c in conditions.codes)
    match = match_data_use(conditions, purpose, applicant, duo=duo, on=on, diseases=diseases)
    entries = tuple(DuoEntry(c.code, c.shorthand, duos_verdict(c.outcome), c.reason) for c in match.checks)
    return duos_verdict(match.outcome), entries


def _granularity(
    policy: NodePolicy, category: str, requested: Granularity, country: str | None
) -> tuple[Granularity | None, RuleEntry]:
    """X1 (+X2/X3) at the requested granularity, then at each coarser one: the first allowed is sent."""
    first = check_transfer(policy, ReleaseRequest(category, requested, country))
    if first.allowed:
        return requested, RuleEntry(first.rule, True, first.reason)
    for coarser in _COARSER[_COARSER.index(requested) + 1 :]:
        if check_transfer(policy, ReleaseRequest(category, coarser, country)).allowed:
            return coarser, RuleEntry(first.rule, False, first.reason, instead=coarser)
    return None, RuleEntry(first.rule, False, first.reason)


def _summary(
    dataset_id: str,
    *,
    send: bool,
    verdict: DuosVerdict,
    requested: Granularity,
    sent: Granularity | None,
    refusals: list[RuleEntry],
    checks: tuple[DuoEntry, ...],
) -> str:
    if refusals:
        return f"{dataset_id}: not sent, rule {refusals[0].rule} refuses it: {refusals[0].reason}"
    if verdict is DuosVerdict.DENY:
        denied = next((c for c in checks if c.verdict is DuosVerdict.DENY), None)
        why = f" ({denied.shorthand or denied.code}: {denied.reason})" if denied else ""
        return f"{dataset_id}: not sent, its data-use conditions do not allow this purpose{why}"
    if not send or sent is None:
        return f"{dataset_id}: not sent, no granularity may cross the border to you"
    at = f"at {sent} level" + ("" if sent is requested else f" instead of {requested} (X1)")
    who = "the data access committee decides" if verdict is DuosVerdict.ABSTAIN else "the conditions match"
    return f"{dataset_id}: sent to the committee {at}; {who}"


def _rule_wire(rule: RuleEntry) -> dict[str, object]:
    found: dict[str, object] = {"rule": rule.rule, "allowed": rule.allowed, "reason": rule.reason}
    if rule.instead is not None:
        found["instead"] = rule.instead.value
    return found


def _duo_entry(value: object, where: str) -> DuoEntry:
    doc = object_at(value, where, required=("code", "shorthand", "verdict", "reason"), error=_U)
    return DuoEntry(
        code=text_at(doc, "code", where, error=_U, empty=True),
        shorthand=text_at(doc, "shorthand", where, error=_U, empty=True),
        verdict=choice_at(doc, "verdict", where, _VERDICTS, error=_U),
        reason=text_at(doc, "reason", where, error=_U, empty=True),
    )


def _rule_entry(value: object, where: str) -> RuleEntry:
    doc: Mapping[str, object] = object_at(
        value, where, required=("rule", "allowed", "reason"), optional=("instead",), error=_U
    )
    instead = (
        None if doc.get("instead") is None else choice_at(doc, "instead", where, _GRANULARITIES, error=_U)
    )
    return RuleEntry(
        rule=text_at(doc, "rule", where, error=_U),
        allowed=flag_at(doc, "allowed", where, error=_U),
        reason=text_at(doc, "reason", where, error=_U, empty=True),
        instead=instead,
    )
