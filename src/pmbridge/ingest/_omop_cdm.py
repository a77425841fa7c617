"""OMOP CDM 5.4: the tables and columns PM Bridge reads and writes, and the few standard concepts it
names (gender, present / absent, the EHR type concept).

Column lists follow the CDM 5.4 DDL in order, so the writer's CSV files load into a CDM database.
"""

from __future__ import annotations

from typing import Final

LOCAL_CONCEPT_START: Final = 2_000_000_001  # OMOP reserves ids above 2,000,000,000 for local concepts

# Standard concepts (Athena ids).
MALE: Final = 8507
FEMALE: Final = 8532
UNKNOWN_GENDER: Final = 8551
OTHER_GENDER: Final = 8521
PRESENT: Final = 4181412  # SNOMED 52101004 "Present"
ABSENT: Final = 4132135  # SNOMED 2667000 "Absent"
EHR: Final = 32817  # Type Concept "EHR"
OUTPATIENT_VISIT: Final = 9202
ABSENT_SNOMED_CODE: Final = "2667000"
ABSENT_WORDS: Final = frozenset({"absent", "excluded", "not present", "no", "negative", "false"})

# PM Bridge's own concepts (vocabulary_id "PMBridge"): a treatment's target and the response to it,
# written as observations that point at their drug_exposure (observation_event_id).
LOCAL_VOCABULARY: Final = "PMBridge"
TREATMENT_TARGET: Final = "treatment_target"
TREATMENT_RESPONSE: Final = "treatment_response"
DRUG_EXPOSURE_FIELD: Final = "drug_exposure.drug_exposure_id"

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "person": (
        "person_id", "gender_concept_id", "year_of_birth", "month_of_birth", "day_of_birth",
        "birth_datetime", "race_concept_id", "ethnicity_concept_id", "location_id", "provider_id",
        "care_site_id", "person_source_value", "gender_source_value", "gender_source_concept_id",
        "race_source_value", "race_source_concept_id", "ethnicity_source_value",
        "ethnicity_source_concept_id",
    ),
    "observation_period": (
        "observation_period_id", "person_id", "observation_period_start_date",
        "observation_period_end_date", "period_type_concept_id",
    ),
    "visit_occurrence": (
        "visit_occurrence_id", "person_id", "visit_concept_id", "visit_start_date", "visit_start_datetime",
        "visit_end_date", "visit_end_datetime", "visit_type_concept_id", "provider_id", "care_site_id",
        "visit_source_value", "visit_source_concept_id", "admitted_from_concept_id",
        "admitted_from_source_value", "discharged_to_concept_id", "discharged_to_source_value",
        "preceding_visit_occurrence_id",
    ),
    "condition_occurrence": (
        "condition_occurrence_id", "person_id", "condition_concept_id", "condition_start_date",
        "condition_start_datetime", "condition_end_date", "condition_end_datetime",
        "condition_type_concept_id", "condition_status_concept_id", "stop_reason", "provider_id",
        "visit_occurrence_id", "visit_detail_id", "condition_source_value", "condition_source_concept_id",
        "condition_status_source_value",
    ),
    "procedure_occurrence": (
        "procedure_occurrence_id", "person_id", "procedure_concept_id", "procedure_date",
        "procedure_datetime", "procedure_end_date", "procedure_end_datetime", "procedure_type_concept_id",
        "modifier_concept_id", "quantity", "provider_id", "visit_occurrence_id", "visit_detail_id",
        "procedure_source_value", "procedure_source_concept_id", "modifier_source_value",
    ),
    "drug_exposure": (
        "drug_exposure_id", "person_id", "drug_concept_id", "drug_exposure_start_date",
        "drug_exposure_start_datetime", "drug_exposure_end_date", "drug_exposure_end_datetime",
        "verbatim_end_date", "drug_type_concept_id", "stop_reason", "refills", "quantity", "days_supply",
        "sig", "route_concept_id", "lot_number", "provider_id", "visit_occurrence_id", "visit_detail_id",
        "drug_source_value", "drug_source_concept_id", "route_source_value", "dose_unit_source_value",
    ),
    "measurement": (
        "measurement_id", "person_id", "measurement_concept_id", "measurement_date",
        "measurement_datetime", "measurement_time", "measurement_type_concept_id", "operator_concept_id",
        "value_as_number", "value_as_concept_id", "unit_concept_id", "range_low", "range_high",
        "provider_id", "visit_occurrence_id", "visit_detail_id", "measurement_source_value",
        "measurement_source_concept_id", "unit_source_value", "unit_source_concept_id",
        "value_source_value", "measurement_event_id", "meas_event_field_concept_id",
    ),
    "observation": (
        "observation_id", "person_id", "observation_concept_id", "observation_date",
        "observation_datetime", "observation_type_concept_id", "value_as_number", "value_as_string",
        "value_as_concept_id", "qualifier_concept_id", "unit_concept_id", "provider_id",
        "visit_occurrence_id", "visit_detail_id", "observation_source_value",
        "observation_source_concept_id", "unit_source_value", "qualifier_source_value",
        "value_source_value", "observation_event_id", "obs_event_field_concept_id",
    ),
    "specimen": (
        "specimen_id", "person_id", "specimen_concept_id", "specimen_type_concept_id", "specimen_date",
        "specimen_datetime", "quantity", "unit_concept_id", "anatomic_site_concept_id",
        "disease_status_concept_id", "specimen_source_id", "specimen_source_value", "unit_source_value",
        "anatomic_site_source_value", "disease_status_source_value",
    ),
    "death": (
        "person_id", "death_date", "death_datetime", "death_type_concept_id", "cause_concept_id",
        "cause_source_value", "cause_source_concept_id",
    ),
    "location": (
        "location_id", "address_1", "address_2", "city", "state", "zip", "county",
        "location_source_value", "country_concept_id", "country_source_value", "latitude", "longitude",
    ),
    "concept": (
        "concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
        "standard_concept", "concept_code", "valid_start_date", "valid_end_date", "invalid_reason",
    ),
    "concept_relationship": (
        "concept_id_1", "concept_id_2", "relationship_id", "valid_start_date", "valid_end_date",
        "invalid_reason",
    ),
}  # fmt: skip

REQUIRED_TABLES: Final = ("person",)
PER_PERSON_TABLES: Final = (
    "observation_period",
    "visit_occurrence",
    "condition_occurrence",
    "procedure_occurrence",
    "drug_exposure",
    "measurement",
    "observation",
    "specimen",
    "death",
)
VOCABULARY_TABLES: Final = ("concept", "concept_relationship", "location")
TABLES: Final = REQUIRED_TABLES + PER_PERSON_TABLES + VOCABULARY_TABLES

# The columns of each table a reader cannot do without; every other column may be absent.
REQUIRED_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "person": ("person_id",),
    "observation_period": ("person_id", "observation_period_end_date"),
    "visit_occurrence": ("person_id", "visit_start_date"),
    "condition_occurrence": ("person_id", "condition_concept_id"),
    "procedure_occurrence": ("person_id", "procedure_concept_id"),
    "drug_exposure": ("person_id", "drug_concept_id"),
    "measurement": ("person_id", "measurement_concept_id"),
    "observation": ("person_id", "observation_concept_id"),
    "specimen": ("person_id", "specimen_concept_id"),
    "death": ("person_id", "death_date"),
    "concept": ("concept_id", "vocabulary_id", "concept_code"),
    "concept_relationship": ("concept_id_1", "concept_id_2", "relationship_id"),
    "location": ("location_id",),
}

# (table, concept column, source concept column, source value column, row id column) of the rows
# that become phenopacket elements; their concepts are bridged and every unmapped one reported.
CODED: Final[dict[str, tuple[str, str, str, str]]] = {
    "condition_occurrence": (
        "condition_concept_id", "condition_source_concept_id", "condition_source_value",
        "condition_occurrence_id",
    ),
    "observation": (
        "observation_concept_id", "observation_source_concept_id", "observation_source_value",
        "observation_id",
    ),
    "measurement": (
        "measurement_concept_id", "measurement_source_concept_id", "measurement_source_value",
        "measurement_id",
    ),
    "procedure_occurrence": (
        "procedure_concept_id", "procedure_source_concept_id", "procedure_source_value",
        "procedure_occurrence_id",
    ),
    "drug_exposure": ("drug_concept_id", "drug_source_concept_id", "drug_source_value", "drug_exposure_id"),
    "specimen": ("specimen_concept_id", "", "specimen_source_value", "specimen_id"),
    "death": ("cause_concept_id", "cause_source_concept_id", "cause_source_value", "person_id"),
}  # fmt: skip

# Other concept columns whose concepts are looked up (values, qualifiers, units, sites).
AUXILIARY_CONCEPTS: Final[dict[str, tuple[str, ...]]] = {
    "observation": ("value_as_concept_id", "qualifier_concept_id"),
    "measurement": ("value_as_concept_id", "unit_concept_id"),
    "specimen": ("anatomic_site_concept_id",),
}
