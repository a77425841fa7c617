"""One OMOP person's rows as one Phenopacket v2 document (a JSON dict), with what could not be mapped.

Dates become ages: every event date is written as the person's ISO 8601 age on that day (whole
years, months, days); the age at last encounter is the age on the person's last visit (else their
last dated record, else the end of their last observation period). A death row makes the person
DECEASED, an observation period that ends after the last encounter ALIVE; survivalTimeInDays counts
from the last encounter. docs/ingest.md (OMOP) states these rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmbridge.ingest._omop_catalogue import Catalogue, CodeKey, Term
from pmbridge.ingest._omop_cdm import (
    ABSENT,
    ABSENT_SNOMED_CODE,
    ABSENT_WORDS,
    CODED,
    FEMALE,
    MALE,
    OTHER_GENDER,
    PRESENT,
    TREATMENT_RESPONSE,
    TREATMENT_TARGET,
    UNKNOWN_GENDER,
)
from pmbridge.ingest._omop_values import (
    as_date,
    as_float,
    as_int,
    as_text,
    calendar_age,
    is_iso_age,
    utc_timestamp,
)
from pmbridge.ingest._report import Level, RecordProblem

Json = dict[str, object]
Rows = Mapping[str, Sequence[Mapping[str, object]]]  # table → the person's rows (column → value)

# The columns streamed per table (the first is person_id); a table may lack any but its required ones.
STREAMED: dict[str, tuple[str, ...]] = {
    "person": (
        "person_id", "gender_concept_id", "gender_source_value", "year_of_birth", "month_of_birth",
        "day_of_birth", "birth_datetime", "location_id", "person_source_value",
    ),
    "observation_period": ("person_id", "observation_period_id", "observation_period_end_date"),
    "visit_occurrence": ("person_id", "visit_occurrence_id", "visit_start_date", "visit_end_date"),
    "condition_occurrence": (
        "person_id", "condition_occurrence_id", "condition_concept_id", "condition_source_concept_id",
        "condition_source_value", "condition_start_date",
    ),
    "procedure_occurrence": (
        "person_id", "procedure_occurrence_id", "procedure_concept_id", "procedure_source_concept_id",
        "procedure_source_value", "procedure_date",
    ),
    "drug_exposure": (
        "person_id", "drug_exposure_id", "drug_concept_id", "drug_source_concept_id", "drug_source_value",
        "drug_exposure_start_date",
    ),
    "measurement": (
        "person_id", "measurement_id", "measurement_concept_id", "measurement_source_concept_id",
        "measurement_source_value", "measurement_date", "value_as_number", "value_as_concept_id",
        "unit_concept_id", "unit_source_value",
    ),
    "observation": (
        "person_id", "observation_id", "observation_concept_id", "observation_source_concept_id",
        "observation_source_value", "observation_date", "value_as_string", "value_as_concept_id",
        "value_source_value", "qualifier_concept_id", "qualifier_source_value", "observation_event_id",
    ),
    "specimen": (
        "person_id", "specimen_id", "specimen_concept_id", "specimen_source_value", "specimen_date",
        "anatomic_site_concept_id", "anatomic_site_source_value", "specimen_source_id",
    ),
    "death": ("person_id", "death_date", "cause_concept_id", "cause_source_concept_id", "cause_source_value"),
}  # fmt: skip
# Every date the mapper reads, checked for every row whether or not it decides an age (docs/ingest.md).
DATES: dict[str, tuple[str, ...]] = {
    "visit_occurrence": ("visit_start_date", "visit_end_date"),
    "observation_period": ("observation_period_end_date",),
    "death": ("death_date",),
}
EVENT_DATE = {
    "condition_occurrence": "condition_start_date",
    "procedure_occurrence": "procedure_date",
    "drug_exposure": "drug_exposure_start_date",
    "measurement": "measurement_date",
    "observation": "observation_date",
    "specimen": "specimen_date",
}
_SEX = {
    MALE: "MALE",
    FEMALE: "FEMALE",
    OTHER_GENDER: "OTHER_SEX",
    UNKNOWN_GENDER: "UNKNOWN_SEX",
    0: "UNKNOWN_SEX",
}
_SEX_WORDS = {"m": "MALE", "male": "MALE", "f": "FEMALE", "female": "FEMALE"}


@dataclass(frozen=True, slots=True)
class PersonContext:
    """What mapping one person needs from the whole input."""

    catalogue: Catalogue
    countries: Mapping[int, str]  # location_id → ISO 3166-1 alpha-2
    source: str  # how the report names this person


def person_id_text(person: Mapping[str, object]) -> str:
    """The phenopacket id: person_source_value, else the person_id."""
    return as_text(person.get("person_source_value")) or as_text(person.get("person_id"))


def to_phenopacket(rows: Rows, ctx: PersonContext) -> tuple[Json, list[RecordProblem]]:
    """The phenopacket of one person (``rows["person"]`` holds exactly one row) and its notes."""
    mapper = _Mapper(rows, ctx)
    return mapper.document(), mapper.notes


class _Mapper:
    def __init__(self, rows: Rows, ctx: PersonContext) -> None:
        self.rows = rows
        self.ctx = ctx
        self.notes: list[RecordProblem] = []
        self.person = rows["person"][0]
        self.id = person_id_text(self.person)
        self.born = self._birth()
        for table, columns in (*DATES.items(), *((t, (c,)) for t, c in EVENT_DATE.items())):
            for row in rows.get(table, ()):
                for column in columns:
                    self._date(table, row, column)

    def document(self) -> Json:
        subject: Json = {"id": self.id, "sex": self._sex()}
        if self.born is not None:
            subject["dateOfBirth"] = utc_timestamp(self.born)
        last = self._last_encounter()
        if last is not None and (age := self._age(last)) is not None:
            subject["timeAtLastEncounter"] = age
        if (vital := self._vital_status(last)) is not None:
            subject["vitalStatus"] = vital
        doc: Json = {"id": self.id, "subject": subject}
        features, diseases, links = self._clinical()
        for key, items in (
            ("phenotypicFeatures", features),
            ("diseases", diseases),
            ("biosamples", self._biosamples()),
            ("measurements", self._measurements()),
            ("medicalActions", self._treatments(links) + self._procedures()),
        ):
            if items:
                doc[key] = items
        meta: Json = {"createdBy": "pmbridge OMOP CDM 5.4 reader", "phenopacketSchemaVersion": "2.0"}
        country = self.ctx.countries.get(as_int(self.person.get("location_id")) or -1)
        if country:
            meta["externalReferences"] = [
                {"id": f"ISO3166-1:{country}", "description": "country (OMOP location)"}
            ]
        doc["metaData"] = meta
        return doc

    # --- the person --------------------------------------------------------------------------

    def _sex(self) -> str:
        concept = as_int(self.person.get("gender_concept_id"))
        if concept in _SEX and concept:
            return _SEX[concept]
        word = _SEX_WORDS.get(as_text(self.person.get("gender_source_value")).lower())
        if word is not None:
            return word
        if concept:
            self._note(
                "person.gender_concept_id",
                f"gender concept {concept} is not one of 8507 (male), 8532 (female), 8521 (other), "
                "8551 (unknown); the sex is loaded as UNKNOWN_SEX",
                Level.WARNING,
            )
        return "UNKNOWN_SEX"

    def _birth(self) -> datetime.date | None:
        exact = self._date("person", self.person, "birth_datetime")
        if exact is not None:
            return exact
        year = as_int(self.person.get("year_of_birth"))
        if year is None or not 1 <= year <= 9999:
            self._note(
                "person.year_of_birth",
                "no year of birth: no date of birth or ages are loaded; give year_of_birth",
                Level.WARNING,
            )
            return None
        month = as_int(self.person.get("month_of_birth")) or 1  # CDM: month and day may be absent
        day = as_int(self.person.get("day_of_birth")) or 1
        try:
            return datetime.date(year, month, day)
        except ValueError:
            self._note(
                "person.month_of_birth",
                f"{year}-{month}-{day} is not a date; fix month_of_birth / day_of_birth",
            )
            return None

    def _last_encounter(self) -> datetime.date | None:
        visits = [
            d
            for row in self.rows.get("visit_occurrence", ())
            for column in ("visit_start_date", "visit_end_date")
            if (d := self._date("visit_occurrence", row, column)) is not None
        ]
        if visits:
            return max(visits)
        events = [
            d
            for table, column in EVENT_DATE.items()
            for row in self.rows.get(table, ())
            if (d := self._date(table, row, column)) is not None
        ]
        if events:
            return max(events)
        return self._observation_end()

    def _observation_end(self) -> datetime.date | None:
        ends = [
            d
            for row in self.rows.get("observation_period", ())
            if (d := self._date("observation_period", row, "observation_period_end_date")) is not None
        ]
        return max(ends) if ends else None

    def _vital_status(self, last: datetime.date | None) -> Json | None:
        deaths = self.rows.get("death", ())
        if deaths:
            death = deaths[0]
            out: Json = {"status": "DECEASED"}
            died = self._date("death", death, "death_date")
            if died is not None and last is not None and died >= last:
                out["survivalTimeInDays"] = (died - last).days
            key = _key("death", death)
            cause = self.ctx.catalogue.term("death", key)
            if cause is not None:
                out["causeOfDeath"] = cause.ontology_class()
            return out
        end = self._observation_end()
        if end is not None and last is not None and end >= last:
            return {"status": "ALIVE", "survivalTimeInDays": (end - last).days}
        return None

    # --- clinical rows -----------------------------------------------------------------------

    def _clinical(self) -> tuple[list[Json], list[Json], dict[int, dict[str, Term]]]:
        features: list[Json] = []
        diseases: list[Json] = []
        links: dict[int, dict[str, Term]] = {}
        for table in ("condition_occurrence", "observation"):
            for row in self.rows.get(table, ()):
                term = self.ctx.catalogue.term(table, _key(table, row))
                if term is None:
                    continue  # reported once per concept (Catalogue.unmapped)
                if term.link is not None:
                    event = as_int(row.get("observation_event_id"))
                    value = self.ctx.catalogue.concept_term(
                        as_int(row.get("value_as_concept_id")), as_text(row.get("value_source_value"))
                    )
                    if event is not None and value is not None:
                        links.setdefault(event, {})[term.link] = value
                    continue
                excluded = table == "observation" and self._absent(row)
                if term.kind == "phenotype":
                    feature: Json = {"type": term.ontology_class()}
                    if excluded:
                        feature["excluded"] = True
                    if table == "observation" and (onset := self._onset(row)) is not None:
                        feature["onset"] = onset
                    features.append(feature)
                elif term.kind == "disease":
                    disease: Json = {"term": term.ontology_class()}
                    if excluded:
                        disease["excluded"] = True
                    diseases.append(disease)
        return features, diseases, links

    def _absent(self, row: Mapping[str, object]) -> bool:
        value = as_int(row.get("value_as_concept_id"))
        if value == PRESENT:
            return False
        if value == ABSENT:
            return True
        concept = self.ctx.catalogue.concepts.get(value) if value else None
        if concept is not None and concept.code == ABSENT_SNOMED_CODE:
            return True
        words = (as_text(row.get("value_as_string")), as_text(row.get("value_source_value")))
        return any(word.lower() in ABSENT_WORDS for word in words if word)

    def _onset(self, row: Mapping[str, object]) -> Json | None:
        concept_id = as_int(row.get("qualifier_concept_id"))
        written = as_text(row.get("qualifier_source_value"))
        if not concept_id and not written:
            return None
        qualifier = self.ctx.catalogue.concept_term(concept_id)
        if qualifier is not None and qualifier.kind == "phenotype":
            return {"ontologyClass": qualifier.ontology_class()}
        if is_iso_age(written):
            return {"age": {"iso8601duration": written}}
        if qualifier is None and written.startswith("HP:"):
            return {"ontologyClass": {"id": written}}
        return None

    def _measurements(self) -> list[Json]:
        out: list[Json] = []
        for row in self.rows.get("measurement", ()):
            assay = self.ctx.catalogue.term("measurement", _key("measurement", row))
            if assay is None:
                continue
            item: Json = {"assay": assay.ontology_class()}
            raw_number = row.get("value_as_number")
            number = as_float(raw_number)
            if number is None and as_text(raw_number):
                self._note(
                    f"{_where('measurement', row)}.value_as_number",
                    f"{as_text(raw_number)!r} is not a number; write a decimal number or leave it empty",
                )
            value_concept = self.ctx.catalogue.concept_term(as_int(row.get("value_as_concept_id")))
            if number is not None:
                quantity: Json = {"value": number}
                unit = self.ctx.catalogue.concept_term(as_int(row.get("unit_concept_id")))
                written = as_text(row.get("unit_source_value"))
                if unit is not None:
                    quantity["unit"] = unit.ontology_class()
                elif written:
                    quantity["unit"] = {"id": f"UCUM:{written}", "label": written}
                item["value"] = {"quantity": quantity}
            elif value_concept is not None:
                item["value"] = {"ontologyClass": value_concept.ontology_class()}
            if (when := self._time("measurement", row)) is not None:
                item["timeObserved"] = when
            out.append(item)
        return out

    def _treatments(self, links: Mapping[int, Mapping[str, Term]]) -> list[Json]:
        out: list[Json] = []
        for row in self.rows.get("drug_exposure", ()):
            agent = self.ctx.catalogue.term("drug_exposure", _key("drug_exposure", row))
            if agent is None:
                continue
            action: Json = {"treatment": {"agent": agent.ontology_class()}}
            linked = links.get(as_int(row.get("drug_exposure_id")) or -1, {})
            if (target := linked.get(TREATMENT_TARGET)) is not None:
                action["treatmentTarget"] = target.ontology_class()
            if (response := linked.get(TREATMENT_RESPONSE)) is not None:
                action["responseToTreatment"] = response.ontology_class()
            out.append(action)
        return out

    def _procedures(self) -> list[Json]:
        out: list[Json] = []
        for row in self.rows.get("procedure_occurrence", ()):
            code = self.ctx.catalogue.term("procedure_occurrence", _key("procedure_occurrence", row))
            if code is None:
                continue
            procedure: Json = {"code": code.ontology_class()}
            if (when := self._time("procedure_occurrence", row)) is not None:
                procedure["performed"] = when
            out.append({"procedure": procedure})
        return out

    def _biosamples(self) -> list[Json]:
        out: list[Json] = []
        for row in self.rows.get("specimen", ()):
            kind = self.ctx.catalogue.term("specimen", _key("specimen", row))
            sample_id = (
                as_text(row.get("specimen_source_id"))
                or f"{self.id}-specimen-{as_text(row.get('specimen_id'))}"
            )
            sample: Json = {"id": sample_id, "individualId": self.id}
            site = self.ctx.catalogue.concept_term(
                as_int(row.get("anatomic_site_concept_id")), as_text(row.get("anatomic_site_source_value"))
            )
            if site is not None:
                sample["sampledTissue"] = site.ontology_class()
            if kind is not None:
                sample["sampleType"] = kind.ontology_class()
            collected = self._date("specimen", row, "specimen_date")
            if collected is not None:
                sample["timeOfCollection"] = {"timestamp": utc_timestamp(collected)}
            out.append(sample)
        return out

    # --- dates and notes ---------------------------------------------------------------------

    def _time(self, table: str, row: Mapping[str, object]) -> Json | None:
        day = self._date(table, row, EVENT_DATE[table])
        if day is None:
            return None
        age = self._age(day)
        return age if age is not None else {"timestamp": utc_timestamp(day)}

    def _age(self, day: datetime.date) -> Json | None:
        if self.born is None:
            return None
        duration = calendar_age(self.born, day)
        return {"age": {"iso8601duration": duration}} if duration is not None else None

    def _date(self, table: str, row: Mapping[str, object], column: str) -> datetime.date | None:
        value = row.get(column)
        day = as_date(value)
        if day is None and as_text(value):
            self._note(
                f"{_where(table, row)}.{column}", f"{as_text(value)!r} is not a date; write it as YYYY-MM-DD"
            )
        return day

    def _note(self, path: str, reason: str, level: Level = Level.ERROR) -> None:
        problem = RecordProblem(self.ctx.source, path, reason, level)
        if problem not in self.notes:
            self.notes.append(problem)


def _key(table: str, row: Mapping[str, object]) -> CodeKey:
    concept, source_concept, value, _ = CODED[table]
    return (
        as_int(row.get(concept)),
        as_int(row.get(source_concept)) if source_concept else None,
        as_text(row.get(value)),
    )


def _where(table: str, row: Mapping[str, object]) -> str:
    id_column = CODED[table][3] if table in CODED else f"{table}_id"
    return f"{table}[{id_column}={as_text(row.get(id_column))}]"
