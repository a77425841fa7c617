"""One patient's FHIR resources → one Phenopacket v2 document, with a note for everything not mapped.

The mapping table is docs/ingest-fhir.md; :data:`MAPPED` names what it covers and a test keeps
the two equal. Anything else about the patient is a WARNING note naming the resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pmbridge.ingest import _fhir_elements as fe
from pmbridge.ingest._code_bridge import ICD10_PREFIXES, SNOMED_PREFIXES, Bridged, CodeBridge, load_bridge
from pmbridge.ingest._fhir_age import age_at_last_encounter
from pmbridge.ingest._fhir_codes import age_to_iso, system_prefix
from pmbridge.ingest._fhir_genomics import genomic_kind
from pmbridge.ingest._fhir_reports import DISEASE_PREFIXES, map_reports
from pmbridge.ingest._report import Level, RecordProblem

if TYPE_CHECKING:
    from pmbridge.ingest._fhir_group import Located

__all__ = ["MAPPED", "Mapped", "PatientResources", "map_patient"]

Json = dict[str, object]
Resolve = Callable[[str, "Located | None"], "Located | None"]

MAPPED = (
    "Patient",
    "Condition",
    "Observation",
    "Specimen",
    "Procedure",
    "MedicationStatement",
    "DiagnosticReport",
    "FamilyMemberHistory",
)
_AGENT_PREFIXES = ("CHEBI", "DrugCentral", "RXNORM", "ATC", "NCIT", "SNOMEDCT")
_SEX = {"male": "MALE", "female": "FEMALE", "other": "OTHER_SEX", "unknown": "UNKNOWN_SEX"}
_ABSENT = frozenset({"LA9634-2", "2667000", "Absent", "absent"})  # LOINC, SNOMED CT
_SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled", "not-taken", "not-done"})


@dataclass(frozen=True, slots=True)
class PatientResources:
    patient: Located | None
    members: tuple[Located, ...]
    resolve: Resolve


@dataclass(slots=True)
class Mapped:
    phenopacket: Json
    notes: list[RecordProblem] = field(default_factory=list)


@dataclass(slots=True)
class _Doc:
    source: str
    pid: str
    features: list[Json] = field(default_factory=list)
    diseases: list[Json] = field(default_factory=list)
    measurements: list[Json] = field(default_factory=list)
    biosamples: list[Json] = field(default_factory=list)
    actions: list[Json] = field(default_factory=list)
    interpretations: list[Json] = field(default_factory=list)
    notes: list[RecordProblem] = field(default_factory=list)
    _bridge: CodeBridge | None = None

    def bridge(self) -> CodeBridge:
        """The reference data's bridge, loaded only for a patient with a SNOMED CT or ICD-10 code."""
        if self._bridge is None:
            self._bridge = load_bridge()
        return self._bridge

    def warn(self, resource: Mapping[str, object], reason: str) -> None:
        self.notes.append(RecordProblem(self.source, fe.name(resource), reason, Level.WARNING))

    def error(self, resource: Mapping[str, object], path: str, reason: str) -> None:
        self.notes.append(RecordProblem(self.source, f"{fe.name(resource)}.{path}", reason, Level.ERROR))


def map_patient(group: PatientResources, *, source: str) -> Mapped:
    """The phenopacket of one patient and the notes of its mapping."""
    patient = group.patient.resource if group.patient is not None else {}
    pid = fe.own_id(patient) or str(patient.get("id") or "") or _uuid_tail(group.patient)
    doc = _Doc(source, pid)
    subject, country = _subject(patient, pid) if patient else (_just_id(pid), None)
    born = patient.get("birthDate")
    if "timeAtLastEncounter" not in subject and isinstance(born, str):
        members = (m.resource for m in group.members if _status(m.resource) not in _SKIPPED_STATUS)
        if (age := age_at_last_encounter(born, members)) is not None:
            subject["timeAtLastEncounter"] = {"age": {"iso8601duration": age}}
    variants: list[Located] = []
    implications: list[Json] = []
    reports: list[Located] = []
    for found in group.members:
        resource = found.resource
        kind = resource.get("resourceType")
        if _status(resource) in _SKIPPED_STATUS:
            doc.warn(resource, f"status is {_status(resource)}; not loaded")
        elif kind == "Condition":
            _condition(doc, resource)
        elif kind == "Observation":
            _observation_of_kind(doc, found, genomic_kind(resource), variants, implications)
        elif kind == "Specimen":
            _specimen(doc, resource)
        elif kind == "Procedure":
            _procedure(doc, resource)
        elif kind == "MedicationStatement":
            _medication(doc, found, group.resolve)
        elif kind == "DiagnosticReport":
            reports.append(found)
        elif kind == "FamilyMemberHistory":
            doc.warn(resource, "a phenopacket holds no relatives' history (a GA4GH Family would); not loaded")
        else:
            doc.warn(resource, f"a phenopacket has no place for {kind}; not loaded")
    map_reports(doc, variants, implications, reports, group.resolve)
    phenopacket: Json = {"id": pid, "subject": subject}
    for key, values in (
        ("phenotypicFeatures", doc.features),
        ("measurements", doc.measurements),
        ("biosamples", doc.biosamples),
        ("interpretations", doc.interpretations),
        ("diseases", doc.diseases),
        ("medicalActions", doc.actions),
    ):
        if values:
            phenopacket[key] = values
    meta: Json = {"createdBy": "pmbridge FHIR mapping", "phenopacketSchemaVersion": "2.0"}
    if country:
        meta["externalReferences"] = [
            {"id": f"ISO3166-1:{country}", "description": "Patient.address.country"}
        ]
    phenopacket["metaData"] = meta
    if group.patient is not None and not pid:
        doc.error(patient, "id", "the Patient has no id; give it one (an individual needs an id)")
    return Mapped(phenopacket, doc.notes)


def _observation_of_kind(
    doc: _Doc, found: Located, genomic: str | None, variants: list[Located], implications: list[Json]
) -> None:
    if genomic == "variant":
        variants.append(found)
    elif genomic == "diagnostic-implication":
        implications.append(found.resource)
    elif genomic in (None, "molecular-biomarker"):  # a biomarker is a measurement like any lab
        _observation(doc, found.resource)
    else:
        doc.warn(
            found.resource, f"a Genomics Reporting {genomic} (only variants and implications map); not loaded"
        )


def _just_id(pid: str) -> Json:
    return {"id": pid}


def _subject(patient: Mapping[str, object], pid: str) -> tuple[Json, str | None]:
    subject: Json = {"id": fe.identifier(patient, "subject-id") or pid}
    if (born := fe.timestamp(patient.get("birthDate"))) is not None:
        subject["dateOfBirth"] = born
    age = fe.extension(patient, "time-at-last-encounter")
    if age is not None and (iso := age_to_iso(fe.message(age.get("valueAge")))):
        subject["timeAtLastEncounter"] = {"age": {"iso8601duration": iso}}
    if (vital := _vital_status(patient)) is not None:
        subject["vitalStatus"] = vital
    if (sex := _SEX.get(str(patient.get("gender")))) is not None:
        subject["sex"] = sex
    country = None
    for address in map(fe.message, fe.items(patient.get("address"))):
        text = address.get("country")
        if isinstance(text, str) and len(text) == 2 and text.isalpha():
            country = text.upper()
            break
    return subject, country


def _vital_status(patient: Mapping[str, object]) -> Json | None:
    extension = fe.extension(patient, "vital-status")
    if extension is not None:
        out: Json = {}
        for part in map(fe.message, fe.items(extension.get("extension"))):
            url = part.get("url")
            if url == "status":
                out["status"] = part.get("valueCode")
            elif url == "survival-time-in-days":
                out["survivalTimeInDays"] = part.get("valueInteger")
            elif url == "cause-of-death" and (cause := fe.term(fe.message(part.get("valueCodeableConcept")))):
                out["causeOfDeath"] = cause
        return out
    if patient.get("deceasedBoolean") is True or isinstance(patient.get("deceasedDateTime"), str):
        return {"status": "DECEASED"}
    if patient.get("deceasedBoolean") is False:
        return {"status": "ALIVE"}
    return None


def _condition(doc: _Doc, resource: Mapping[str, object]) -> None:
    terms = fe.terms(fe.message(resource.get("code")))
    excluded = fe.code(resource.get("verificationStatus")) == "refuted"
    onset = fe.onset(resource)
    disease = next((t for t in terms if fe.prefix(t) in DISEASE_PREFIXES), None)
    phenotype = next((t for t in terms if fe.prefix(t) == "HP"), None)
    why = ""
    if disease is None and phenotype is None:
        # As a direct disease coding comes before a phenotype one, ICD-10 → Mondo before SNOMED CT → HPO.
        bridged, why = _bridged(doc, terms, disease=True)
        if bridged is not None:
            disease, phenotype = (bridged, None) if fe.prefix(bridged) == "MONDO" else (None, bridged)
    if disease is not None:
        out: Json = {"term": disease}
        if excluded:
            out["excluded"] = True
        if onset:
            out["onset"] = onset
        doc.diseases.append(out)
    elif phenotype is not None:
        doc.features.append(_feature(phenotype, excluded=excluded, onset=onset))
    else:
        what = fe.describe(resource.get("code"))
        doc.warn(resource, f"code {what} has no HPO, Mondo, OMIM or Orphanet coding{why}; not loaded")


def _observation(doc: _Doc, resource: Mapping[str, object]) -> None:
    code = fe.message(resource.get("code"))
    terms = fe.terms(code)
    value = fe.message(resource.get("valueCodeableConcept"))
    phenotype = next((t for t in terms if fe.prefix(t) == "HP"), None)
    if _is_phenotype_profile(resource):  # the profile says it is a phenotype, whatever its ontology
        in_value = next((t for t in fe.terms(value) if fe.prefix(t) == "HP"), None)
        phenotype = phenotype or in_value or next(iter(terms), None)
    quantity = fe.message(resource.get("valueQuantity"))
    why = ""
    if (
        phenotype is None
        and not _is_number(quantity.get("value"))
        and all(fe.prefix(t) != "LOINC" for t in terms)
    ):
        phenotype, why = _bridged(doc, terms, disease=False)  # a LOINC code or a quantity says it is a test
    if phenotype is not None:
        absent = resource.get("valueBoolean") is False or any(
            c.get("code") in _ABSENT for c in map(fe.message, fe.items(value.get("coding")))
        )
        doc.features.append(_feature(phenotype, excluded=absent, onset=fe.onset(resource)))
        return
    assay = next((t for t in terms if fe.prefix(t) == "LOINC"), None) or next(iter(terms), None)
    if assay is None:
        doc.warn(
            resource,
            f"code {fe.describe(code)} is neither an HPO phenotype nor a coded test{why}; not loaded",
        )
        return
    measurement: Json = {"assay": assay}
    if _is_number(quantity.get("value")):
        measured: Json = {"value": quantity["value"]}
        unit = _unit(quantity)
        if unit is not None:
            measured["unit"] = unit
        measurement["value"] = {"quantity": measured}
    elif value and (term := next(iter(fe.terms(value)), None)) is not None:
        measurement["value"] = {"ontologyClass": term}
    else:
        what = "members" if resource.get("hasMember") else "value"
        doc.warn(resource, f"{assay['id']} has no quantity or coded value ({what} only){why}; not loaded")
        return
    if (when := fe.time_element(resource, "time-observed", "effectiveDateTime")) is not None:
        measurement["timeObserved"] = when
    doc.measurements.append(measurement)


def _specimen(doc: _Doc, resource: Mapping[str, object]) -> None:
    sample: Json = {"id": fe.own_id(resource) or str(resource.get("id") or ""), "individualId": doc.pid}
    if (kind := next(iter(fe.terms(fe.message(resource.get("type")))), None)) is not None:
        sample["sampleType"] = kind
    collection = fe.message(resource.get("collection"))
    if (site := next(iter(fe.terms(fe.message(collection.get("bodySite")))), None)) is not None:
        sample["sampledTissue"] = site
    if (stamp := fe.timestamp(collection.get("collectedDateTime"))) is not None:
        sample["timeOfCollection"] = {"timestamp": stamp}
    material = fe.extension(resource, "material-sample")
    if material is not None and (term := fe.term(fe.message(material.get("valueCodeableConcept")))):
        sample["materialSample"] = term
    if not sample["id"]:
        doc.error(resource, "id", "the Specimen has no id; a biosample needs one")
    doc.biosamples.append(sample)


def _procedure(doc: _Doc, resource: Mapping[str, object]) -> None:
    code = next(iter(fe.terms(fe.message(resource.get("code")))), None)
    if code is None:
        doc.warn(resource, f"code {fe.describe(resource.get('code'))} has no known coding; not loaded")
        return
    procedure: Json = {"code": code}
    site = next((t for s in fe.items(resource.get("bodySite")) for t in fe.terms(fe.message(s))), None)
    if site is not None:
        procedure["bodySite"] = site
    if (when := fe.time_element(resource, "time-observed", "performedDateTime", "performedAge")) is not None:
        procedure["performed"] = when
    doc.actions.append(_action(resource, {"procedure": procedure}))


def _medication(doc: _Doc, found: Located, resolve: Resolve) -> None:
    resource = found.resource
    concept = fe.message(resource.get("medicationCodeableConcept"))
    reference = fe.message(resource.get("medicationReference")).get("reference")
    if not concept and isinstance(reference, str):
        medication = resolve(reference, found)
        if medication is None:
            doc.error(
                resource,
                "medicationReference",
                f"refers to {reference}, which is not in the input; include it",
            )
            return
        concept = fe.message(medication.resource.get("code"))
    terms = fe.terms(concept)
    agent = next((t for p in _AGENT_PREFIXES for t in terms if fe.prefix(t) == p), None) or next(
        iter(terms), None
    )
    if agent is None:
        doc.warn(resource, f"medication {fe.describe(concept)} has no known coding; not loaded")
        return
    treatment: Json = {"agent": agent}
    route = next(
        (
            t
            for d in fe.items(resource.get("dosage"))
            for t in fe.terms(fe.message(fe.message(d).get("route")))
        ),
        None,
    )
    if route is not None:
        treatment["routeOfAdministration"] = route
    doc.actions.append(_action(resource, {"treatment": treatment}))


def _action(resource: Mapping[str, object], action: Json) -> Json:
    """A medical action with its target (``reasonCode``) and the response to it."""
    target = next((t for r in fe.items(resource.get("reasonCode")) for t in fe.terms(fe.message(r))), None)
    if target is not None:
        action["treatmentTarget"] = target
    response = fe.extension(resource, "response-to-treatment")
    if response is not None and (term := fe.term(fe.message(response.get("valueCodeableConcept")))):
        action["responseToTreatment"] = term
    return action


def _bridged(doc: _Doc, terms: list[Json], *, disease: bool) -> tuple[Json | None, str]:
    """The first coding that the code bridge takes to exactly one Mondo disease (``disease`` only)
    or HPO term, else None and why none did, as a clause for the warning ("" when nothing bridges)."""
    ids = [str(t["id"]) for t in terms]
    if not any(i.partition(":")[0].upper() in SNOMED_PREFIXES | ICD10_PREFIXES for i in ids):
        return None, ""
    bridge = doc.bridge()
    found: list[Bridged] = [b for i in ids if disease and (b := bridge.disease(i)) is not None]
    found += [b for i in ids if (b := bridge.phenotype(i)) is not None]
    chosen = next((b for b in found if b.term is not None), None)
    if chosen is not None:
        return ({"id": chosen.term, "label": chosen.label} if chosen.label else {"id": chosen.term}), ""
    reasons = "; ".join(f"{b.reason} (ambiguous)" if b.ambiguous else b.reason for b in found)
    target = "Mondo or HPO" if disease else "HPO"
    return None, f", and none of its codes bridges to one {target} term ({reasons})" if reasons else ""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_phenotype_profile(resource: Mapping[str, object]) -> bool:
    profiles = fe.items(fe.message(resource.get("meta")).get("profile"))
    return any("phenomics-exchange" in str(profile) for profile in profiles)


def _feature(term: Json, *, excluded: bool, onset: Json | None) -> Json:
    out: Json = {"type": term}
    if excluded:
        out["excluded"] = True
    if onset:
        out["onset"] = onset
    return out


def _unit(quantity: Mapping[str, object]) -> Json | None:
    code, label = quantity.get("code"), quantity.get("unit")
    system = quantity.get("system")
    if isinstance(code, str) and isinstance(system, str) and (prefix := system_prefix(system)):
        out: Json = {"id": f"{prefix}:{code}"}
        if isinstance(label, str):
            out["label"] = label
        return out
    return {"id": f"UCUM:{label}", "label": label} if isinstance(label, str) and label else None


def _status(resource: Mapping[str, object]) -> str | None:
    status = resource.get("status")
    if isinstance(status, str):
        return status
    return fe.code(resource.get("verificationStatus"))


def _uuid_tail(found: Located | None) -> str:
    return found.full_url.rsplit(":", 1)[-1] if found is not None and found.full_url else ""
