"""The pre-check request a node receives from the hub: purpose, applicant, datasets, day; read strictly.

Every key is known, every type checked, so a hub bug is a clear 400 rather than a silent default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from pmbridge.access._strict import (
    choice_at,
    fail,
    list_at,
    object_at,
    optional_flag,
    optional_text,
    text_at,
)
from pmbridge.errors import AccessRequestError
from pmbridge.model import Granularity
from pmbridge.policy import Applicant, OrganisationType, ResearchPurpose

MAX_DATASETS: Final = 50
USES: Final = {"GRU": "GRU", "HMB": "HMB", "DS": "DS", "POA": "POA"} | {
    "DUO:0000042": "GRU",
    "DUO:0000006": "HMB",
    "DUO:0000007": "DS",
    "DUO:0000011": "POA",
}
GRANULARITIES: Final = {g.value: g for g in Granularity}
ORGANISATIONS: Final = {o.value: o for o in OrganisationType}
_E = AccessRequestError
_PURPOSE_KEYS = ("category", "use")
_PURPOSE_OPTIONAL = ("disease", "commercial", "methodsDevelopment", "geneticStudy")
_APPLICANT_OPTIONAL = ("institution", "organisationType", "ethicsApproval", "project", "commitments")


@dataclass(frozen=True, slots=True)
class DatasetAsk:
    """One dataset asked for, at one granularity."""

    id: str
    granularity: Granularity


@dataclass(frozen=True, slots=True)
class PrecheckRequest:
    """What the hub asks a node to pre-check; ``category`` is a ``policy.Purpose`` value (X5/X6)."""

    category: str
    purpose: ResearchPurpose
    applicant: Applicant
    datasets: tuple[DatasetAsk, ...]
    on: date

    def to_wire(self) -> dict[str, object]:
        p, a = self.purpose, self.applicant
        purpose: dict[str, object] = {"category": self.category, "use": p.use}
        if p.disease is not None:
            purpose["disease"] = p.disease
        if p.commercial is not None:
            purpose["commercial"] = p.commercial
        purpose["methodsDevelopment"] = p.methods_development
        if p.genetic_study is not None:
            purpose["geneticStudy"] = p.genetic_study
        applicant: dict[str, object] = {"commitments": sorted(a.commitments)}
        for key, value in (
            ("institution", a.institution),
            ("organisationType", a.organisation_type.value if a.organisation_type else None),
            ("ethicsApproval", a.ethics_approval),
            ("project", a.project),
        ):
            if value is not None:
                applicant[key] = value
        return {
            "purpose": purpose,
            "applicant": applicant,
            "datasets": [{"id": d.id, "granularity": d.granularity.value} for d in self.datasets],
            "on": self.on.isoformat(),
        }


def parse_precheck_request(body: object) -> PrecheckRequest:
    """The request the hub sent, or an ``AccessRequestError`` naming the first problem and the fix."""
    doc = object_at(body, "body", required=("purpose", "applicant", "datasets", "on"), error=_E)
    category, purpose = _purpose(doc["purpose"])
    applicant = _applicant(doc["applicant"])
    asks = list_at(doc, "datasets", "body", error=_E)
    if not 1 <= len(asks) <= MAX_DATASETS:
        fail(_E, "body.datasets", f"holds {len(asks)} datasets", f"ask for 1 to {MAX_DATASETS} datasets")
    datasets = tuple(_ask(a, f"body.datasets[{i}]") for i, a in enumerate(asks))
    day = text_at(doc, "on", "body", error=_E)
    try:
        on = date.fromisoformat(day)
    except ValueError:
        fail(_E, "body.on", f"{day!r} is not a date", "send the day as YYYY-MM-DD")
    return PrecheckRequest(category, purpose, applicant, datasets, on)


def _purpose(value: object) -> tuple[str, ResearchPurpose]:
    where = "body.purpose"
    doc = object_at(value, where, required=_PURPOSE_KEYS, optional=_PURPOSE_OPTIONAL, error=_E)
    category = text_at(doc, "category", where, error=_E)
    use = choice_at(doc, "use", where, USES, error=_E)
    disease = optional_text(doc, "disease", where, error=_E)
    if use == "DS" and disease is None:
        fail(
            _E, f"{where}.disease", "a disease-specific (DS) purpose names its disease", "e.g. MONDO:0007915"
        )
    methods = optional_flag(doc, "methodsDevelopment", where, error=_E)
    return category, ResearchPurpose(
        use=str(doc["use"]),
        disease=disease,
        commercial=optional_flag(doc, "commercial", where, error=_E),
        methods_development=bool(methods),
        genetic_study=optional_flag(doc, "geneticStudy", where, error=_E),
    )


def _applicant(value: object) -> Applicant:
    where = "body.applicant"
    doc = object_at(value, where, required=(), optional=_APPLICANT_OPTIONAL, error=_E)
    kind = (
        None
        if doc.get("organisationType") is None
        else choice_at(doc, "organisationType", where, ORGANISATIONS, error=_E)
    )
    commitments = list_at(doc, "commitments", where, error=_E) if "commitments" in doc else []
    if not all(isinstance(c, str) and c for c in commitments):
        fail(_E, f"{where}.commitments", "must hold shorthands as strings", 'e.g. ["PUB", "COL"]')
    return Applicant(
        institution=optional_text(doc, "institution", where, error=_E),
        organisation_type=kind,
        ethics_approval=optional_text(doc, "ethicsApproval", where, error=_E),
        project=optional_text(doc, "project", where, error=_E),
        commitments=frozenset(str(c).upper() for c in commitments),
    )


def _ask(value: object, where: str) -> DatasetAsk:
    doc = object_at(value, where, required=("id", "granularity"), error=_E)
    return DatasetAsk(
        id=text_at(doc, "id", where, error=_E),
        granularity=choice_at(doc, "granularity", where, GRANULARITIES, error=_E),
    )
