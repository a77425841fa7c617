"""Phenopacket v2 → FHIR R4 collection Bundle (one per person), and the writer the generator uses.

The inverse of the FHIR mapping (docs/ingest-fhir.md): standard elements where FHIR has them,
PM Bridge extensions where it does not, so that reading the Bundle back gives every mapped field.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

import orjson

from pmbridge.errors import ConfigError
from pmbridge.ingest._fhir_codes import EXT, LOINC, UCUM, age_to_fhir, codeable, curie_coding
from pmbridge.ingest._fhir_genomics import (
    GENOMIC_REPORT,
    IMPLICATION,
    REPORT_CODE,
    VARIANT,
    VARIANT_CODE,
    descriptor_components,
    implication_components,
)

__all__ = ["PHENOTYPE_PROFILE", "phenopacket_to_fhir", "write_fhir"]

Json = dict[str, object]
PHENOTYPE_PROFILE = "http://hl7.org/fhir/uv/phenomics-exchange/StructureDefinition/phenotype"
_NAMESPACE = uuid.UUID("0f7e3a52-5b8e-4d7e-9a51-6b1f0f4c2d11")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_SEX = {"MALE": "male", "FEMALE": "female", "OTHER_SEX": "other", "UNKNOWN_SEX": "unknown"}
_PRESENT = {"system": LOINC, "code": "LA9633-4", "display": "Present"}
_ABSENT = {"system": LOINC, "code": "LA9634-2", "display": "Absent"}
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_GENETICS = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE"}]}


def phenopacket_to_fhir(doc: Mapping[str, object]) -> Json:
    """A FHIR R4 collection Bundle holding one phenopacket's person (a JSON-ready dict)."""
    return _Export(doc).bundle()


def write_fhir(phenopackets: Iterable[Mapping[str, object]], out: Path) -> int:
    """Write each person's collection Bundle, atomically, and return how many.

    ``out`` ending in ``.ndjson`` or ``.jsonl``: one Bundle a line (reads back with flat memory);
    otherwise a folder of ``Bundle-<id>.json`` files, one a person. Nothing is left on failure.
    """
    lines = out.suffix in (".ndjson", ".jsonl")
    if not lines and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(
            f"{out} exists and is not an empty folder", hint="name a new folder, or an .ndjson file"
        )
    temporary = out.with_name(f".{out.name}.{os.getpid()}.partial")
    count = 0
    try:
        if lines:
            with temporary.open("wb") as handle:
                for doc in phenopackets:
                    handle.write(orjson.dumps(phenopacket_to_fhir(doc)) + b"\n")
                    count += 1
        else:
            temporary.mkdir(parents=True)
            names: set[str] = set()
            for doc in phenopackets:
                name = _file_name(str(doc.get("id") or ""), count, names)
                (temporary / name).write_bytes(
                    orjson.dumps(phenopacket_to_fhir(doc), option=orjson.OPT_INDENT_2)
                )
                count += 1
            if out.is_dir() and not any(out.iterdir()):
                out.rmdir()  # an empty folder given as the target is replaced
        os.replace(temporary, out)
    except BaseException:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        temporary.unlink(missing_ok=True)
        raise
    return count


def _file_name(pid: str, n: int, taken: set[str]) -> str:
    """``Bundle-<id>.json`` with the id made safe for any file system (unique in the folder)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", pid)[:100] or f"person-{n}"
    name = f"Bundle-{stem}.json"
    if name.lower() in taken:
        name = f"Bundle-{stem}-{n}.json"
    taken.add(name.lower())
    return name


class _Export:
    def __init__(self, doc: Mapping[str, object]) -> None:
        self.doc = doc
        self.pid = str(doc.get("id") or _message(doc.get("subject")).get("id") or "")
        self.entries: list[Json] = []
        self.patient_url = self._url("Patient", 0)

    def bundle(self) -> Json:
        self._patient()
        for n, feature in enumerate(
            map(_message, _list(_get(self.doc, "phenotypicFeatures", "phenotypic_features")))
        ):
            self._feature(n, feature)
        for n, disease in enumerate(map(_message, _list(self.doc.get("diseases")))):
            self._disease(n, disease)
        for n, measurement in enumerate(map(_message, _list(self.doc.get("measurements")))):
            self._measurement(n, measurement)
        for n, sample in enumerate(map(_message, _list(self.doc.get("biosamples")))):
            self._specimen(n, sample)
        for n, action in enumerate(map(_message, _list(_get(self.doc, "medicalActions", "medical_actions")))):
            self._action(n, action)
        for n, interpretation in enumerate(map(_message, _list(self.doc.get("interpretations")))):
            self._interpretation(n, interpretation)
        return {"resourceType": "Bundle", "type": "collection", "entry": self.entries}

    def _url(self, kind: str, n: int | str) -> str:
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.pid}/{kind}/{n}')}"

    def _add(self, kind: str, n: int | str, resource: Json, *, rid: str | None = None) -> str:
        url = self._url(kind, n)
        resource = {"resourceType": kind, "id": rid or url[9:], **resource}
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def _subject(self) -> Json:
        return {"subject": {"reference": self.patient_url}}

    def _patient(self) -> None:
        subject = _message(self.doc.get("subject"))
        out: Json = {}
        identifiers: list[Json] = [{"system": EXT["phenopacket-id"], "value": self.pid}]
        if subject.get("id") and subject.get("id") != self.pid:
            identifiers.append({"system": EXT["subject-id"], "value": subject["id"]})
        out["identifier"] = identifiers
        extensions: list[Json] = []
        age = _message(_message(_get(subject, "timeAtLastEncounter", "time_at_last_encounter")).get("age"))
        if isinstance(age.get("iso8601duration"), str):
            extensions.append(
                {"url": EXT["time-at-last-encounter"], "valueAge": age_to_fhir(str(age["iso8601duration"]))}
            )
        vital = _message(_get(subject, "vitalStatus", "vital_status"))
        if vital:
            extensions.append(_vital_extension(vital))
        if extensions:
            out["extension"] = extensions
        if (gender := _SEX.get(str(subject.get("sex")))) is not None:
            out["gender"] = gender
        born = _get(subject, "dateOfBirth", "date_of_birth")
        if isinstance(born, str) and len(born) >= 10:
            out["birthDate"] = born[:10]
        if vital.get("status") == "DECEASED":
            out["deceasedBoolean"] = True
        elif vital.get("status") == "ALIVE":
            out["deceasedBoolean"] = False
        if (country := _country(self.doc)) is not None:
            out["address"] = [{"country": country}]
        self._add("Patient", 0, out, rid=self.pid if _FHIR_ID.fullmatch(self.pid) else None)

    def _feature(self, n: int, feature: Mapping[str, object]) -> None:
        out: Json = {
            "meta": {"profile": [PHENOTYPE_PROFILE]},
            "status": "final",
            "code": codeable(_message(feature.get("type"))),
            **self._subject(),
            "valueCodeableConcept": {"coding": [_ABSENT if feature.get("excluded") is True else _PRESENT]},
        }
        if (onset := _onset_extension(_message(feature.get("onset")))) is not None:
            out = {"extension": [onset], **out}
        self._add("Observation", f"feature-{n}", out)

    def _disease(self, n: int, disease: Mapping[str, object]) -> None:
        status = "refuted" if disease.get("excluded") is True else "confirmed"
        system = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
        out: Json = {
            "verificationStatus": {"coding": [{"system": system, "code": status}]},
            "code": codeable(_message(disease.get("term"))),
            **self._subject(),
        }
        onset = _message(disease.get("onset"))
        age = _message(onset.get("age")).get("iso8601duration")
        if isinstance(age, str):
            out["onsetAge"] = age_to_fhir(age)
        elif isinstance(onset.get("timestamp"), str):
            out["onsetDateTime"] = onset["timestamp"]
        elif (extension := _onset_extension(onset)) is not None:
            out = {"extension": [extension], **out}
        self._add("Condition", n, out)

    def _measurement(self, n: int, measurement: Mapping[str, object]) -> None:
        out: Json = {
            "status": "final",
            "category": [{"coding": [{"system": _CATEGORY, "code": "laboratory"}]}],
            "code": codeable(_message(measurement.get("assay"))),
            **self._subject(),
        }
        when = _message(_get(measurement, "timeObserved", "time_observed"))
        age = _message(when.get("age")).get("iso8601duration")
        if isinstance(age, str):
            out = {"extension": [{"url": EXT["time-observed"], "valueAge": age_to_fhir(age)}], **out}
        elif isinstance(when.get("timestamp"), str):
            out["effectiveDateTime"] = when["timestamp"]
        value = _message(measurement.get("value"))
        quantity = _message(value.get("quantity"))
        if quantity:
            out["valueQuantity"] = _quantity(quantity)
        elif (term := _message(_get(value, "ontologyClass", "ontology_class"))).get("id"):
            out["valueCodeableConcept"] = codeable(term)
        self._add("Observation", f"measurement-{n}", out)

    def _specimen(self, n: int, sample: Mapping[str, object]) -> None:
        out: Json = {"identifier": [{"system": EXT["phenopacket-id"], "value": str(sample.get("id") or "")}]}
        material = _message(_get(sample, "materialSample", "material_sample"))
        if material.get("id"):
            out["extension"] = [{"url": EXT["material-sample"], "valueCodeableConcept": codeable(material)}]
        out.update(self._subject())
        if (kind := _message(_get(sample, "sampleType", "sample_type"))).get("id"):
            out["type"] = codeable(kind)
        collection: Json = {}
        if (tissue := _message(_get(sample, "sampledTissue", "sampled_tissue"))).get("id"):
            collection["bodySite"] = codeable(tissue)
        collected = _message(_get(sample, "timeOfCollection", "time_of_collection")).get("timestamp")
        if isinstance(collected, str):
            collection["collectedDateTime"] = collected
        if collection:
            out["collection"] = collection
        self._add("Specimen", n, out)

    def _action(self, n: int, action: Mapping[str, object]) -> None:
        extensions = []
        if (response := _message(_get(action, "responseToTreatment", "response_to_treatment"))).get("id"):
            extensions.append(
                {"url": EXT["response-to-treatment"], "valueCodeableConcept": codeable(response)}
            )
        out: Json = {"extension": extensions} if extensions else {}
        treatment, procedure = _message(action.get("treatment")), _message(action.get("procedure"))
        if treatment:
            out["status"] = "unknown"
            out["medicationCodeableConcept"] = codeable(_message(treatment.get("agent")))
            out.update(self._subject())
            if (route := _message(_get(treatment, "routeOfAdministration", "route_of_administration"))).get(
                "id"
            ):
                out["dosage"] = [{"route": codeable(route)}]
        elif procedure:
            out["status"] = "completed"
            out["code"] = codeable(_message(procedure.get("code")))
            out.update(self._subject())
            if (site := _message(_get(procedure, "bodySite", "body_site"))).get("id"):
                out["bodySite"] = [codeable(site)]
            performed = _message(procedure.get("performed"))
            age = _message(performed.get("age")).get("iso8601duration")
            if isinstance(age, str):
                out["performedAge"] = age_to_fhir(age)
            elif isinstance(performed.get("timestamp"), str):
                out["performedDateTime"] = performed["timestamp"]
        else:
            return  # radiation therapy and regimens have no FHIR mapping here (docs/ingest-fhir.md)
        if (target := _message(_get(action, "treatmentTarget", "treatment_target"))).get("id"):
            out["reasonCode"] = [codeable(target)]
        self._add("MedicationStatement" if treatment else "Procedure", n, out)

    def _interpretation(self, n: int, interpretation: Mapping[str, object]) -> None:
        diagnosis = _message(interpretation.get("diagnosis"))
        results = []
        calls = _list(_get(diagnosis, "genomicInterpretations", "genomic_interpretations"))
        for m, call in enumerate(map(_message, calls)):
            key = f"{n}-{m}"
            variant = _message(_get(call, "variantInterpretation", "variant_interpretation"))
            descriptor = _message(_get(variant, "variationDescriptor", "variation_descriptor"))
            if not descriptor and call.get("gene"):
                descriptor = {"geneContext": _message(call.get("gene"))}
            url = self._variant(key, call, descriptor)
            results.append({"reference": url})
            acmg = _get(variant, "acmgPathogenicityClassification", "acmg_pathogenicity_classification")
            if isinstance(acmg, str) and (components := implication_components(acmg)):
                implication: Json = {
                    "meta": {"profile": [IMPLICATION]},
                    "status": "final",
                    "category": [_GENETICS],
                    "code": {"coding": [{"system": _TBD, "code": "diagnostic-implication"}]},
                    **self._subject(),
                    "derivedFrom": [{"reference": url}],
                    "component": components,
                }
                results.append({"reference": self._add("Observation", f"implication-{key}", implication)})
        out: Json = {
            "meta": {"profile": [GENOMIC_REPORT]},
            "extension": [
                {
                    "url": EXT["progress-status"],
                    "valueCode": str(
                        _get(interpretation, "progressStatus", "progress_status") or "UNKNOWN_PROGRESS"
                    ),
                }
            ],
            "identifier": [{"system": EXT["phenopacket-id"], "value": str(interpretation.get("id") or "")}],
            "status": "final",
            "category": [_GENETICS],
            "code": {
                "coding": [{"system": LOINC, "code": REPORT_CODE, "display": "Genetic analysis report"}]
            },
            **self._subject(),
            "result": results,
        }
        if (disease := _message(diagnosis.get("disease"))).get("id"):
            out["conclusionCode"] = [codeable(disease)]
        self._add("DiagnosticReport", n, out)

    def _variant(self, key: str, call: Mapping[str, object], descriptor: Mapping[str, object]) -> str:
        status = _get(call, "interpretationStatus", "interpretation_status") or "UNKNOWN_STATUS"
        out: Json = {
            "meta": {"profile": [VARIANT]},
            "extension": [{"url": EXT["interpretation-status"], "valueCode": str(status)}],
        }
        if descriptor.get("id"):
            out["identifier"] = [{"system": EXT["phenopacket-id"], "value": str(descriptor["id"])}]
        out.update(
            {
                "status": "final",
                "category": [{"coding": [{"system": _CATEGORY, "code": "laboratory"}]}, _GENETICS],
                "code": {
                    "coding": [
                        {"system": LOINC, "code": VARIANT_CODE, "display": "Genetic variant assessment"}
                    ]
                },
                **self._subject(),
                "valueCodeableConcept": {"coding": [_PRESENT]},
                "component": descriptor_components(descriptor),
            }
        )
        return self._add("Observation", f"variant-{key}", out)


_TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"


def _vital_extension(vital: Mapping[str, object]) -> Json:
    parts: list[Json] = [{"url": "status", "valueCode": str(vital.get("status") or "UNKNOWN_STATUS")}]
    days = _get(vital, "survivalTimeInDays", "survival_time_in_days")
    if days is not None:
        parts.append({"url": "survival-time-in-days", "valueInteger": int(str(days))})
    cause = _message(_get(vital, "causeOfDeath", "cause_of_death"))
    if cause.get("id"):
        parts.append({"url": "cause-of-death", "valueCodeableConcept": codeable(cause)})
    return {"url": EXT["vital-status"], "extension": parts}


def _onset_extension(onset: Mapping[str, object]) -> Json | None:
    term = _message(_get(onset, "ontologyClass", "ontology_class"))
    if term.get("id"):
        return {"url": EXT["onset"], "valueCodeableConcept": codeable(term)}
    age = _message(onset.get("age")).get("iso8601duration")
    if isinstance(age, str):
        return {"url": EXT["onset"], "valueAge": age_to_fhir(age)}
    if isinstance(onset.get("timestamp"), str):
        return {"url": EXT["onset"], "valueDateTime": onset["timestamp"]}
    age_range = _message(_get(onset, "ageRange", "age_range"))
    ends = {
        key: age_to_fhir(str(iso))
        for key, end in (("low", "start"), ("high", "end"))
        if (
            iso := _message(_message(age_range.get(end)).get("age") or age_range.get(end)).get(
                "iso8601duration"
            )
        )
    }
    if ends:
        return {"url": EXT["onset"], "valueRange": ends}
    gestational = _get(onset, "gestationalAge", "gestational_age")
    if isinstance(gestational, dict):
        days = 7 * int(str(gestational.get("weeks") or 0)) + int(str(gestational.get("days") or 0))
        quantity = {"value": days, "unit": "d", "system": UCUM, "code": "d"}
        return {
            "url": EXT["onset"],
            "extension": [{"url": EXT["gestational-age"], "valueQuantity": quantity}],
        }
    return None


def _quantity(quantity: Mapping[str, object]) -> Json:
    value = quantity.get("value")
    out: Json = {
        "value": float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else 0.0
    }
    unit = _message(quantity.get("unit"))
    unit_id = str(unit.get("id") or "")
    if unit.get("label"):
        out["unit"] = unit["label"]
    if unit_id.startswith("UCUM:"):
        out["system"], out["code"] = UCUM, unit_id[5:]
    elif unit_id:
        coding = curie_coding(unit_id)
        out["system"], out["code"] = coding.get("system", "urn:pmbridge:curie"), coding["code"]
    return out


def _country(doc: Mapping[str, object]) -> str | None:
    meta = _message(_get(doc, "metaData", "meta_data"))
    for ref in map(_message, _list(_get(meta, "externalReferences", "external_references"))):
        ref_id = str(ref.get("id") or "")
        if ref_id.startswith("ISO3166-1:") and len(ref_id) == 12:
            return ref_id[-2:].upper()
    return None


def _get(obj: Mapping[str, object], name: str, proto_name: str) -> object:
    return obj[name] if name in obj else obj.get(proto_name)


def _message(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
