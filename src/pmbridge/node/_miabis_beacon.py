"""A dataset's MIABIS Core 3.0 collection as Beacon v2 fields of its ``/datasets`` and ``/cohorts`` records.

What the Beacon schemas name goes in their fields (a cohort's inclusion criteria, design and external
URL); all of it, in MIABIS's own words, goes in ``info.miabis`` as ``/api/catalogue`` shows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pmbridge.node._miabis_catalogue import DescribedCollection, miabis_description
from pmbridge.node._records import SEX_TERMS, Record, term

__all__ = ["age_duration", "disease_curie", "with_miabis_cohort", "with_miabis_dataset"]

# MIABIS Sex values with an NCIT term the Beacon schema recommends; "Undifferentiated" and
# "Not applicable" have none there, so they stay in info.miabis only.
_SEX: Mapping[str, str] = {"Female": "FEMALE", "Male": "MALE", "Unknown": "UNKNOWN_SEX"}
# The OMIABIS study designs the Beacon cohort schema gives as cohortDesign examples; MIABIS's other
# Collection design values have no term there.
_DESIGNS: Mapping[str, Record] = {
    "Case-control": {"id": "OMIABIS:0001017", "label": "case control study design"},
    "Longitudinal cohort": {"id": "OMIABIS:0001019", "label": "longitudinal study design"},
    "Twin-study": {"id": "OMIABIS:0001024", "label": "twin study design"},
}
_ISO_UNITS: Mapping[str, str] = {"Years": "Y", "Months": "M", "Weeks": "W", "Days": "D"}


def with_miabis_dataset(record: Record, described: DescribedCollection | None) -> Record:
    """``record`` (a Beacon dataset) with its collection: the collection's description when the
    dataset has none, its URL as ``externalUrl`` and everything in ``info.miabis``."""
    if described is None:
        return record
    collection = described.collection
    found: Record = {**record, "description": record.get("description") or collection.description}
    if collection.url:
        found["externalUrl"] = collection.url
    found["info"] = {**_info(record), "miabis": miabis_description(described)}
    return found


def with_miabis_cohort(record: Record, described: DescribedCollection | None) -> Record:
    """``record`` (a Beacon cohort) as the study-defined cohort its collection is: inclusion criteria
    from the collection's age range, sex and coded diseases, its design where OMIABIS names it."""
    if described is None:
        return record
    collection = described.collection
    criteria: Record = {}
    start = age_duration(collection.age_low, collection.age_low_unit)
    end = age_duration(collection.age_high, collection.age_high_unit)
    if start and end:  # the schema's ageRange needs both ends
        criteria["ageRange"] = {"start": {"iso8601duration": start}, "end": {"iso8601duration": end}}
    genders = [dict(SEX_TERMS[_SEX[s]]) for s in collection.sex if s in _SEX]
    if genders:
        criteria["genders"] = genders
    diseases = []
    for disease in collection.diseases:
        curie = disease_curie(disease.ontology_version or disease.ontology, disease.code)
        if curie:
            diseases.append({"diseaseCode": term(curie, disease.description)})
    if diseases:
        criteria["diseaseConditions"] = diseases
    found: Record = {**record, "cohortType": "study-defined"}
    if criteria:
        found["inclusionCriteria"] = criteria
    designs = [_DESIGNS[d] for d in collection.collection_designs if d in _DESIGNS]
    if len(designs) == 1:  # the schema's cohortDesign is one term
        found["cohortDesign"] = dict(designs[0])
    found["info"] = {**_info(record), "miabis": miabis_description(described)}
    return found


def age_duration(age: int | None, unit: str | None) -> str | None:
    """A MIABIS age as an ISO 8601 duration; None without one, or for gestational weeks (not an age
    since birth).

    >>> age_duration(17, "Years"), age_duration(6, "Months"), age_duration(0, "Days")
    ('P17Y', 'P6M', 'P0D')
    >>> age_duration(30, "Gestational weeks"), age_duration(None, "Years")
    (None, None)
    """
    designator = _ISO_UNITS.get(unit or "")
    return None if age is None or designator is None else f"P{age}{designator}"


def disease_curie(ontology: str | None, code: str | None) -> str | None:
    """A MIABIS disease code as a CURIE whose prefix is the ontology's name without punctuation.

    >>> disease_curie("ICD-10", "G40"), disease_curie("ORPHA", "558"), disease_curie(None, "G40")
    ('ICD10:G40', 'ORPHA:558', None)
    """
    prefix = re.sub(r"[^A-Za-z0-9]", "", ontology or "")
    return f"{prefix}:{code}" if len(prefix) > 1 and code else None  # Beacon's CURIE: 2+ characters


def _info(record: Record) -> Record:
    info = record.get("info")
    return dict(info) if isinstance(info, Mapping) else {}
