"""``write_omop``: phenopackets as OMOP CDM 5.4 CSV tables, so the synthetic generator's cohorts can
go in through the OMOP path and be compared with the phenopacket path (variants excluded: those
travel as VCF).

Without Athena's vocabulary every term gets a local concept (id ≥ 2,000,000,001) carrying Athena's
vocabulary_id and code where Athena has the vocabulary (HPO, OMIM, OrphaNet, LOINC, UCUM, NCIt…), so
a site can re-map them by (vocabulary_id, concept_code); gender, present / absent and the EHR type
are Athena's own ids. Ages become dates from the date of birth and read back as the same ages.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pmbridge.ingest._omop_cdm import (
    ABSENT,
    COLUMNS,
    DRUG_EXPOSURE_FIELD,
    EHR,
    FEMALE,
    LOCAL_CONCEPT_START,
    LOCAL_VOCABULARY,
    MALE,
    OTHER_GENDER,
    OUTPATIENT_VISIT,
    PER_PERSON_TABLES,
    PRESENT,
    REQUIRED_TABLES,
    TREATMENT_RESPONSE,
    TREATMENT_TARGET,
    UNKNOWN_GENDER,
)
from pmbridge.ingest._omop_concepts import VOCABULARY_OF_PREFIX
from pmbridge.ingest._omop_values import add_age, as_date, calendar_age

_GENDER = {"MALE": MALE, "FEMALE": FEMALE, "OTHER_SEX": OTHER_GENDER}
_STANDARD = (  # (id, name, domain, vocabulary, class, code): Athena concepts the tables use
    (MALE, "MALE", "Gender", "Gender", "Gender", "M"),
    (FEMALE, "FEMALE", "Gender", "Gender", "Gender", "F"),
    (UNKNOWN_GENDER, "UNKNOWN", "Gender", "Gender", "Gender", "U"),
    (OTHER_GENDER, "OTHER", "Gender", "Gender", "Gender", "O"),
    (PRESENT, "Present", "Meas Value", "SNOMED", "Qualifier Value", "52101004"),
    (ABSENT, "Absent", "Meas Value", "SNOMED", "Qualifier Value", "2667000"),
    (EHR, "EHR", "Type Concept", "Type Concept", "Type Concept", "OMOP4976890"),
    (OUTPATIENT_VISIT, "Outpatient Visit", "Visit", "Visit", "Visit", "OP"),
)
WRITTEN_TABLES = REQUIRED_TABLES + PER_PERSON_TABLES  # person first, then its tables in CDM order
Doc = Mapping[str, Any]


def write_omop(phenopackets: Iterable[Doc], out_dir: Path) -> int:
    """Write ``phenopackets`` as CDM 5.4 CSV files (the clinical tables, death, visit_occurrence,
    observation_period, location and concept) in ``out_dir``; returns the number of persons."""
    out_dir.mkdir(parents=True, exist_ok=True)
    concepts = _Concepts()
    countries: dict[str, int] = {}
    with ExitStack() as stack:
        writers = {}
        for table in WRITTEN_TABLES:
            handle = stack.enter_context((out_dir / f"{table}.csv").open("w", newline="", encoding="utf-8"))
            writer = csv.DictWriter(handle, COLUMNS[table], lineterminator="\n")
            writer.writeheader()
            writers[table] = writer
        person = _PersonWriter(writers, concepts, countries)
        count = 0
        for count, doc in enumerate(phenopackets, start=1):
            person.write(count, doc)
    _write(out_dir / "location.csv", "location", [
        {"location_id": n, "country_source_value": code} for code, n in countries.items()
    ])  # fmt: skip
    _write(out_dir / "concept.csv", "concept", concepts.rows())
    return count


def _write(path: Path, table: str, rows: Iterable[Mapping[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS[table], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


class _Concepts:
    """Local concepts, one per ontology id, numbered in the order first met."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._rows: list[dict[str, object]] = []
        for concept_id, name, domain, vocabulary, klass, code in _STANDARD:
            self._rows.append(
                _concept_row(concept_id, name, domain, vocabulary, code, klass=klass, standard="S")
            )

    def of(self, term: object, domain: str) -> int | None:
        """The concept of an OntologyClass (a dict with ``id`` and maybe ``label``)."""
        if not isinstance(term, Mapping) or not isinstance(term.get("id"), str) or not term["id"]:
            return None
        curie: str = term["id"]
        if curie not in self._ids:
            prefix, _, local = curie.partition(":")
            vocabulary = VOCABULARY_OF_PREFIX.get(prefix.upper(), prefix)
            code = curie if vocabulary == "HPO" else local  # Athena writes HPO codes as HP:…
            label = term.get("label")
            name = label if isinstance(label, str) and label else curie
            self._ids[curie] = LOCAL_CONCEPT_START + len(self._ids)
            self._rows.append(_concept_row(self._ids[curie], name, domain, vocabulary, code))
        return self._ids[curie]

    def local(self, code: str, name: str) -> int:
        key = f"{LOCAL_VOCABULARY}:{code}"
        if key not in self._ids:
            self._ids[key] = LOCAL_CONCEPT_START + len(self._ids)
            self._rows.append(_concept_row(self._ids[key], name, "Observation", LOCAL_VOCABULARY, code))
        return self._ids[key]

    def rows(self) -> list[dict[str, object]]:
        return self._rows


def _concept_row(
    concept_id: int,
    name: str,
    domain: str,
    vocabulary: str,
    code: str,
    *,
    klass: str = "Undefined",
    standard: str = "",
) -> dict[str, object]:
    return {
        "concept_id": concept_id,
        "concept_name": name,
        "domain_id": domain,
        "vocabulary_id": vocabulary,
        "concept_class_id": klass,
        "standard_concept": standard,
        "concept_code": code,
        "valid_start_date": "1970-01-01",
        "valid_end_date": "2099-12-31",
        "invalid_reason": "",
    }


class _PersonWriter:
    def __init__(
        self, writers: Mapping[str, csv.DictWriter[str]], concepts: _Concepts, countries: dict[str, int]
    ) -> None:
        self.out = writers
        self.concepts = concepts
        self.countries = countries
        self.next_id: dict[str, int] = {}

    def _id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]

    def write(self, person_id: int, doc: Doc) -> None:
        subject = _map(doc.get("subject"))
        born = as_date(subject.get("dateOfBirth"))
        age = _text(_map(_map(subject.get("timeAtLastEncounter")).get("age")).get("iso8601duration"))
        last = _reach(born, age) if born is not None and age else None
        self._person(person_id, doc, subject, born)
        if last is not None:
            self.out["visit_occurrence"].writerow({
                "visit_occurrence_id": self._id("visit_occurrence"), "person_id": person_id,
                "visit_concept_id": OUTPATIENT_VISIT, "visit_start_date": last, "visit_end_date": last,
                "visit_type_concept_id": EHR,
            })  # fmt: skip
        self._vital(person_id, _map(subject.get("vitalStatus")), born, last)
        for feature in _list(doc.get("phenotypicFeatures")):
            self._feature(person_id, _map(feature), last)
        for disease in _list(doc.get("diseases")):
            self._disease(person_id, _map(disease), last)
        for measurement in _list(doc.get("measurements")):
            self._measurement(person_id, _map(measurement), born, last)
        for action in _list(doc.get("medicalActions")):
            self._action(person_id, _map(action), born, last)
        for sample in _list(doc.get("biosamples")):
            self._specimen(person_id, _map(sample))

    def _person(
        self, person_id: int, doc: Doc, subject: Mapping[str, Any], born: datetime.date | None
    ) -> None:
        sex = _text(subject.get("sex")) or "UNKNOWN_SEX"
        location = None
        for ref in _list(_map(doc.get("metaData")).get("externalReferences")):
            ref_id = _text(_map(ref).get("id"))
            if ref_id.startswith("ISO3166-1:") and len(ref_id) == 12:
                location = self.countries.setdefault(ref_id[-2:].upper(), len(self.countries) + 1)
                break
        self.out["person"].writerow({
            "person_id": person_id, "gender_concept_id": _GENDER.get(sex, UNKNOWN_GENDER),
            "year_of_birth": born.year if born else "", "month_of_birth": born.month if born else "",
            "day_of_birth": born.day if born else "", "birth_datetime": f"{born} 00:00:00" if born else "",
            "race_concept_id": 0, "ethnicity_concept_id": 0, "location_id": location or "",
            "person_source_value": _text(doc.get("id")) or _text(subject.get("id")),
            "gender_source_value": sex,
        })  # fmt: skip

    def _vital(
        self, person_id: int, vital: Mapping[str, Any], born: datetime.date | None, last: datetime.date | None
    ) -> None:
        status = _text(vital.get("status"))
        days = vital.get("survivalTimeInDays")
        if last is None or status not in ("ALIVE", "DECEASED") or days is None:
            return  # the reader reads an observation period as "alive until its end"
        end = last + datetime.timedelta(days=int(days))
        self.out["observation_period"].writerow({
            "observation_period_id": self._id("observation_period"), "person_id": person_id,
            "observation_period_start_date": born or last, "observation_period_end_date": end,
            "period_type_concept_id": EHR,
        })  # fmt: skip
        if status == "DECEASED":
            cause = vital.get("causeOfDeath")
            self.out["death"].writerow({
                "person_id": person_id, "death_date": end, "death_type_concept_id": EHR,
                "cause_concept_id": self.concepts.of(cause, "Condition") or 0,
                "cause_source_value": _text(_map(cause).get("id")),
            })  # fmt: skip

    def _observation(self, person_id: int, concept: int, when: object, **values: object) -> int:
        observation_id = self._id("observation")
        self.out["observation"].writerow({
            "observation_id": observation_id, "person_id": person_id, "observation_concept_id": concept,
            "observation_date": when or "", "observation_type_concept_id": EHR, **values,
        })  # fmt: skip
        return observation_id

    def _feature(self, person_id: int, feature: Mapping[str, Any], last: datetime.date | None) -> None:
        term = _map(feature.get("type"))
        concept = self.concepts.of(term, "Observation")
        if concept is None:
            return
        excluded = feature.get("excluded") is True
        onset = _map(feature.get("onset"))
        onset_class = _map(onset.get("ontologyClass"))
        onset_age = _text(_map(onset.get("age")).get("iso8601duration"))
        self._observation(
            person_id, concept, last,
            value_as_concept_id=ABSENT if excluded else PRESENT,
            value_source_value="absent" if excluded else "present",
            qualifier_concept_id=self.concepts.of(onset_class, "Observation") or "",
            qualifier_source_value=_text(onset_class.get("id")) or onset_age,
            observation_source_value=_text(term.get("id")),
        )  # fmt: skip

    def _disease(self, person_id: int, disease: Mapping[str, Any], last: datetime.date | None) -> None:
        term = _map(disease.get("term"))
        concept = self.concepts.of(term, "Condition")
        if concept is None:
            return
        if disease.get("excluded") is True:
            self._observation(
                person_id, concept, last, value_as_concept_id=ABSENT, value_source_value="absent",
                observation_source_value=_text(term.get("id")),
            )  # fmt: skip
            return
        self.out["condition_occurrence"].writerow({
            "condition_occurrence_id": self._id("condition_occurrence"), "person_id": person_id,
            "condition_concept_id": concept, "condition_start_date": last or "",
            "condition_type_concept_id": EHR, "condition_source_value": _text(term.get("id")),
        })  # fmt: skip

    def _measurement(
        self, person_id: int, item: Mapping[str, Any], born: datetime.date | None, last: datetime.date | None
    ) -> None:
        assay = _map(item.get("assay"))
        concept = self.concepts.of(assay, "Measurement")
        if concept is None:
            return
        value = _map(item.get("value"))
        quantity = _map(value.get("quantity"))
        unit = _map(quantity.get("unit"))
        unit_id = _text(unit.get("id"))
        self.out["measurement"].writerow({
            "measurement_id": self._id("measurement"), "person_id": person_id,
            "measurement_concept_id": concept,
            "measurement_date": _when(item.get("timeObserved"), born) or last or "",
            "measurement_type_concept_id": EHR,
            "value_as_number": repr(float(quantity.get("value", 0.0))) if quantity else "",
            "value_as_concept_id": self.concepts.of(value.get("ontologyClass"), "Meas Value") or "",
            "unit_concept_id": self.concepts.of(unit, "Unit") or "",
            "measurement_source_value": _text(assay.get("id")),
            "unit_source_value": unit_id.removeprefix("UCUM:"),
        })  # fmt: skip

    def _action(
        self,
        person_id: int,
        action: Mapping[str, Any],
        born: datetime.date | None,
        last: datetime.date | None,
    ) -> None:
        treatment = _map(action.get("treatment"))
        procedure = _map(action.get("procedure"))
        if treatment:
            agent = _map(treatment.get("agent"))
            concept = self.concepts.of(agent, "Drug")
            if concept is None:
                return
            exposure_id = self._id("drug_exposure")
            self.out["drug_exposure"].writerow({
                "drug_exposure_id": exposure_id, "person_id": person_id, "drug_concept_id": concept,
                "drug_exposure_start_date": last or "", "drug_exposure_end_date": last or "",
                "drug_type_concept_id": EHR, "drug_source_value": _text(agent.get("id")),
            })  # fmt: skip
            field = self.concepts.local(DRUG_EXPOSURE_FIELD, "drug_exposure.drug_exposure_id")
            for key, code, name in (
                ("treatmentTarget", TREATMENT_TARGET, "treatment target"),
                ("responseToTreatment", TREATMENT_RESPONSE, "response to treatment"),
            ):
                term = _map(action.get(key))
                value = self.concepts.of(term, "Observation")
                if value is not None:
                    self._observation(
                        person_id, self.concepts.local(code, name), last, value_as_concept_id=value,
                        value_source_value=_text(term.get("id")), observation_event_id=exposure_id,
                        obs_event_field_concept_id=field,
                    )  # fmt: skip
        elif procedure:
            code_term = _map(procedure.get("code"))
            concept = self.concepts.of(code_term, "Procedure")
            if concept is not None:
                self.out["procedure_occurrence"].writerow({
                    "procedure_occurrence_id": self._id("procedure_occurrence"), "person_id": person_id,
                    "procedure_concept_id": concept,
                    "procedure_date": _when(procedure.get("performed"), born) or last or "",
                    "procedure_type_concept_id": EHR, "procedure_source_value": _text(code_term.get("id")),
                })  # fmt: skip

    def _specimen(self, person_id: int, sample: Mapping[str, Any]) -> None:
        kind = _map(sample.get("sampleType")) or _map(sample.get("materialSample"))
        tissue = _map(sample.get("sampledTissue"))
        collected = as_date(_map(sample.get("timeOfCollection")).get("timestamp"))
        self.out["specimen"].writerow({
            "specimen_id": self._id("specimen"), "person_id": person_id,
            "specimen_concept_id": self.concepts.of(kind, "Specimen") or 0,
            "specimen_type_concept_id": EHR, "specimen_date": collected or "",
            "anatomic_site_concept_id": self.concepts.of(tissue, "Spec Anatomic Site") or "",
            "specimen_source_id": _text(sample.get("id")), "specimen_source_value": _text(kind.get("id")),
            "anatomic_site_source_value": _text(tissue.get("id")),
        })  # fmt: skip


def _reach(born: datetime.date, age: str) -> datetime.date | None:
    """The day someone born on ``born`` is ``age`` old, as the reader will read it back.

    Adding months to the 29th-31st lands on a shorter month's last day, which reads back a month
    short; the next few days read back right.
    """
    day = add_age(born, age)
    if day is None:
        return None
    for candidate in (day + datetime.timedelta(days=n) for n in range(4)):
        if calendar_age(born, candidate) == age:
            return candidate
    return day


def _when(element: object, born: datetime.date | None) -> datetime.date | None:
    """The date of a TimeElement: an age from the date of birth, or a timestamp."""
    time = _map(element)
    age = _text(_map(time.get("age")).get("iso8601duration"))
    if age and born is not None:
        return _reach(born, age)
    return as_date(time.get("timestamp"))


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
