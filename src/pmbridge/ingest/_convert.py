"""Conversion of a valid GA4GH Phenopacket v2 document (a JSON dict) into a ``PatientRecord``.

Pure dict walking. "Valid" means what the official parser accepts, so keys may use proto names
(``phenotypic_features``), messages may be ``[]`` or ``""`` (empty), enums may be numbers and
64-bit integers strings; every reader here copes with all of those.

Choices: dates (birth, sample collection) are the UTC date of the protobuf Timestamp; an onset is
the HPO onset term or ISO 8601 age (an age range gives its start, a gestational age HP:0030674
"Antenatal onset", a time or interval nothing); features and diseases without a term id are
skipped here, though ingest rejects such a record before converting it (``_curies``); a variant
repeated across interpretations is kept once; a sample's material type is its sampleType, else its
materialSample. Phenopackets have no country field, so ``country`` stays None.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping, Sequence

from google.protobuf.timestamp_pb2 import Timestamp
from phenopackets import AcmgPathogenicityClassification
from phenopackets import Sex as PhenopacketSex
from phenopackets.schema.v2.core.individual_pb2 import VitalStatus as PhenopacketVitalStatus

from pmbridge.ingest._proto_rules import EnumRule, enum_number, json_integer
from pmbridge.model import (
    Biosample,
    Disease,
    Individual,
    Interpretation,
    Measurement,
    MedicalAction,
    PatientRecord,
    PhenotypicFeature,
    Sex,
    Variant,
    VitalStatus,
    Zygosity,
)

__all__ = ["iso8601_years", "to_patient_record"]

_EMPTY: Mapping[str, object] = {}
_ANTENATAL_ONSET = "HP:0030674"  # what a gestational-age onset means in HPO terms
_SEX = EnumRule.of(PhenopacketSex.DESCRIPTOR)
_VITAL = EnumRule.of(PhenopacketVitalStatus.Status.DESCRIPTOR)
_FAVOURABLE = {"NCIT:C102560": True, "NCIT:C102561": False}  # NCIT Favorable, Unfavorable
_ACMG = EnumRule.of(AcmgPathogenicityClassification.DESCRIPTOR)
_ZYGOSITY_BY_GENO = {z.value: z for z in Zygosity}
_NUMBER = r"([0-9]+(?:[.,][0-9]+)?)"
_DURATION = re.compile(
    rf"P(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
)
_DAYS_IN_YEAR = 365.25
_DURATION_YEARS = (  # years per unit of Y, M, W, D, then H, M, S
    1.0,
    1 / 12,
    7 / _DAYS_IN_YEAR,
    1 / _DAYS_IN_YEAR,
    1 / (_DAYS_IN_YEAR * 24),
    1 / (_DAYS_IN_YEAR * 24 * 60),
    1 / (_DAYS_IN_YEAR * 24 * 3600),
)
_UTC_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T[0-9:.]+Z")


def to_patient_record(
    doc: Mapping[str, object], *, dataset_id: str, source: str | None = None
) -> PatientRecord:
    """The patient record of one valid phenopacket.

    >>> doc = {"id": "pp1", "subject": {"sex": "FEMALE",
    ...     "timeAtLastEncounter": {"age": {"iso8601duration": "P10Y6M"}}},
    ...     "phenotypicFeatures": [{"type": {"id": "HP:0001250"}, "excluded": True}]}
    >>> record = to_patient_record(doc, dataset_id="ds1")
    >>> record.individual
    Individual(id='pp1', sex=<Sex.FEMALE: 'FEMALE'>, age_years=10.5, year_of_birth=None, country=None)
    >>> record.phenotypic_features
    (PhenotypicFeature(term='HP:0001250', excluded=True, onset=None),)
    """
    return PatientRecord(
        individual=_individual(doc),
        dataset_id=dataset_id,
        phenotypic_features=tuple(_features(_items(_get(doc, "phenotypicFeatures", "phenotypic_features")))),
        diseases=tuple(_diseases(_items(doc.get("diseases")))),
        variants=tuple(dict.fromkeys(_variants(_items(doc.get("interpretations"))))),
        biosamples=tuple(_biosamples(_items(doc.get("biosamples")))),
        source=source,
        vital_status=_vital_status(doc),
        measurements=tuple(_measurements(doc)),
        medical_actions=tuple(_medical_actions(_items(_get(doc, "medicalActions", "medical_actions")))),
    )


def iso8601_years(duration: str) -> float | None:
    """Years in an ISO 8601 duration such as a phenopacket age, or None when it is not one.

    >>> iso8601_years("P10Y6M"), iso8601_years("P8D"), iso8601_years("P"), iso8601_years("ten")
    (10.5, 0.022, None, None)
    """
    years = _duration_years(duration)
    return None if years is None else round(years, 3)


def _duration_years(duration: str) -> float | None:
    match = _DURATION.fullmatch(duration)
    if match is None or not any(match.groups()):
        return None
    return sum(
        float(part.replace(",", ".")) * scale
        for part, scale in zip(match.groups(), _DURATION_YEARS, strict=True)
        if part is not None
    )


def _individual(doc: Mapping[str, object]) -> Individual:
    subject = _message(doc.get("subject"))
    age = _message(_message(_get(subject, "timeAtLastEncounter", "time_at_last_encounter")).get("age"))
    duration = _text(age.get("iso8601duration"))
    sex_name = _enum_name(subject.get("sex"), _SEX)
    return Individual(
        # The phenopacket id, not subject.id: published cases reuse "Patient 1" across papers.
        id=_text(doc.get("id")) or _text(subject.get("id")),
        sex=Sex(sex_name) if sex_name is not None else Sex.UNKNOWN_SEX,
        age_years=iso8601_years(duration) if duration else None,
        year_of_birth=_timestamp_year(_get(subject, "dateOfBirth", "date_of_birth")),
        country=_country(doc),
    )


_COUNTRY_PREFIX = "ISO3166-1:"


def _country(doc: Mapping[str, object]) -> str | None:
    """Phenopackets have no country field; PM Bridge records it as an external reference.

    >>> _country({"metaData": {"externalReferences": [{"id": "ISO3166-1:IT"}]}})
    'IT'
    """
    meta = _message(_get(doc, "metaData", "meta_data"))
    for ref in _items(_get(meta, "externalReferences", "external_references")):
        ref_id = _text(_message(ref).get("id"))
        if ref_id.startswith(_COUNTRY_PREFIX) and len(ref_id) == len(_COUNTRY_PREFIX) + 2:
            return ref_id[len(_COUNTRY_PREFIX) :].upper()
    return None


def _features(items: Iterable[object]) -> list[PhenotypicFeature]:
    features = []
    for item in items:  # the hottest loop of a conversion: plain dicts are checked inline
        feature = item if type(item) is dict else _message(item)
        kind = feature.get("type")
        term = (kind if type(kind) is dict else _message(kind)).get("id")
        if term and type(term) is str:
            onset = _onset(feature) if "onset" in feature else None
            features.append(PhenotypicFeature(term, feature.get("excluded") is True, onset))
    return features


def _diseases(items: Iterable[object]) -> Iterable[Disease]:
    for item in items:
        disease = _message(item)
        term = _message(disease.get("term"))
        term_id = _text(term.get("id"))
        if term_id:
            yield Disease(
                term=term_id,
                label=_text(term.get("label")) or None,
                excluded=disease.get("excluded") is True,
            )


def _onset(element_holder: Mapping[str, object]) -> str | None:
    """An onset as an HPO onset term or an ISO 8601 age; times and intervals have no age."""
    element = _message(element_holder.get("onset"))
    if not element:
        return None
    term = _text(_message(_get(element, "ontologyClass", "ontology_class")).get("id"))
    if term:
        return term
    age = _text(_message(element.get("age")).get("iso8601duration"))
    if age:
        return age
    start = _message(_message(_get(element, "ageRange", "age_range")).get("start"))
    if start_age := _text(start.get("iso8601duration")):
        return start_age
    if _get(element, "gestationalAge", "gestational_age") is not None:
        return _ANTENATAL_ONSET
    return None


def _variants(interpretations: Iterable[object]) -> Iterable[Variant]:
    for interpretation in interpretations:
        diagnosis = _message(_message(interpretation).get("diagnosis"))
        calls = _get(diagnosis, "genomicInterpretations", "genomic_interpretations")
        for call in _items(calls):
            genomic = _message(call)
            variant = _message(_get(genomic, "variantInterpretation", "variant_interpretation"))
            if variant:
                yield _variant(variant)
            elif (gene := genomic.get("gene")) is not None:
                yield Variant(gene_symbol=_text(_message(gene).get("symbol")) or None)


def _variant(interpretation: Mapping[str, object]) -> Variant:
    descriptor = _message(_get(interpretation, "variationDescriptor", "variation_descriptor"))
    vcf = _message(_get(descriptor, "vcfRecord", "vcf_record"))
    gene = _message(_get(descriptor, "geneContext", "gene_context"))
    allelic_state = _message(_get(descriptor, "allelicState", "allelic_state"))
    acmg = _enum_name(
        _get(interpretation, "acmgPathogenicityClassification", "acmg_pathogenicity_classification"),
        _ACMG,
    )
    hgvs = tuple(
        _text(expression.get("value"))
        for expression in map(_message, _items(descriptor.get("expressions")))
        if _text(expression.get("syntax")).startswith("hgvs") and _text(expression.get("value"))
    )
    position = json_integer(vcf.get("pos")) if vcf.get("pos") is not None else None
    return Variant(
        assembly=_text(_get(vcf, "genomeAssembly", "genome_assembly")) or None,
        chromosome=_text(vcf.get("chrom")) or None,
        position=position or None,
        reference=_text(vcf.get("ref")) or None,
        alternate=_text(vcf.get("alt")) or None,
        gene_symbol=_text(gene.get("symbol")) or None,
        hgvs=hgvs,
        zygosity=_ZYGOSITY_BY_GENO.get(_text(allelic_state.get("id")), Zygosity.UNKNOWN),
        interpretation=Interpretation(acmg) if acmg else Interpretation.NOT_PROVIDED,
    )


def _biosamples(items: Iterable[object]) -> Iterable[Biosample]:
    for item in items:
        sample = _message(item)
        material = _term(_get(sample, "sampleType", "sample_type")) or _term(
            _get(sample, "materialSample", "material_sample")
        )
        collected = _message(_get(sample, "timeOfCollection", "time_of_collection"))
        yield Biosample(
            id=_text(sample.get("id")),
            material_type=material,
            tissue=_term(_get(sample, "sampledTissue", "sampled_tissue")),
            collection_date=_timestamp_date(collected.get("timestamp")),
        )


def _vital_status(doc: Mapping[str, object]) -> VitalStatus | None:
    """``subject.vitalStatus``; an unset status reads as UNKNOWN_STATUS, as the parser gives it.

    >>> _vital_status({"subject": {"vitalStatus": {"status": "DECEASED", "survivalTimeInDays": "40",
    ...     "causeOfDeath": {"id": "OMIM:154700"}}}})
    VitalStatus(status='DECEASED', survival_days=40, cause='OMIM:154700')
    """
    subject = _message(doc.get("subject"))
    vital = _get(subject, "vitalStatus", "vital_status")
    if vital is None:
        return None
    found = _message(vital)
    days = _get(found, "survivalTimeInDays", "survival_time_in_days")
    return VitalStatus(
        status=_enum_name(found.get("status"), _VITAL) or "UNKNOWN_STATUS",
        survival_days=json_integer(days) if days is not None else None,
        cause=_term(_get(found, "causeOfDeath", "cause_of_death")),
    )


def _measurements(doc: Mapping[str, object]) -> Iterable[Measurement]:
    born = _timestamp_date(_get(_message(doc.get("subject")), "dateOfBirth", "date_of_birth"))
    for item in _items(doc.get("measurements")):
        measurement = _message(item)
        assay = _term(measurement.get("assay"))
        if assay is None:
            continue
        quantity = _message(_message(measurement.get("value")).get("quantity"))
        value = quantity.get("value")
        yield Measurement(
            assay=assay,
            value=_number(value) if quantity else None,
            unit=_term(quantity.get("unit")) if quantity else None,
            observed_days=_observed_days(_get(measurement, "timeObserved", "time_observed"), born),
        )


def _number(value: object) -> float | None:
    """A JSON double as json_format reads it (a number, a numeric string, absent meaning zero); None
    for NaN and infinities, which no analysis can use.

    >>> _number(1), _number("2.5"), _number(None), _number("NaN")
    (1.0, 2.5, 0.0, None)
    """
    if value is None:
        return 0.0  # proto3: an unset double is zero
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _observed_days(value: object, born: datetime.date | None) -> float | None:
    """The age in days at a TimeElement: an ISO 8601 age, or a timestamp when the birth date is known.

    >>> _observed_days({"age": {"iso8601duration": "P1Y"}}, None)
    365.25
    >>> _observed_days({"timestamp": "2020-01-11T00:00:00Z"}, datetime.date(2020, 1, 1))
    10.0
    """
    element = _message(value)
    duration = _text(_message(element.get("age")).get("iso8601duration"))
    if duration:
        years = _duration_years(duration)
        return None if years is None else round(years * _DAYS_IN_YEAR, 3)
    observed = _timestamp_date(element.get("timestamp"))
    if observed is not None and born is not None:
        return float((observed - born).days)
    return None


def _medical_actions(items: Iterable[object]) -> Iterable[MedicalAction]:
    """Treatments (by their agent); procedures, radiotherapy and regimens have no agent and are skipped."""
    for item in items:
        action = _message(item)
        agent = _term(_message(action.get("treatment")).get("agent"))
        if agent is None:
            continue
        response = _term(_get(action, "responseToTreatment", "response_to_treatment"))
        yield MedicalAction(
            agent=agent,
            target=_term(_get(action, "treatmentTarget", "treatment_target")),
            response=response,
            favourable=_FAVOURABLE.get(response) if response is not None else None,
        )


def _term(value: object) -> str | None:
    """An ontology class as its id (or, lacking one, its label)."""
    term = _message(value)
    return _text(term.get("id")) or _text(term.get("label")) or None


def _timestamp_date(value: object) -> datetime.date | None:
    """The UTC date of a JSON Timestamp (any form the official parser accepts)."""
    if not isinstance(value, str):
        return None
    match = _UTC_DATE.fullmatch(value)
    if match is not None:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass  # let the protobuf runtime judge it
    stamp = Timestamp()
    try:
        stamp.FromJsonString(value)
    except ValueError:
        return None
    return stamp.ToDatetime(tzinfo=datetime.UTC).date()


def _timestamp_year(value: object) -> int | None:
    day = _timestamp_date(value)
    return day.year if day is not None else None


def _enum_name(value: object, enum: EnumRule) -> str | None:
    """An enum value's name, whether written as a name or (as json_format allows) a number."""
    if type(value) is str and value in enum.numbers_by_name:
        return value
    number = enum_number(value, enum)
    return enum.names_by_number.get(number) if number is not None else None


def _get(obj: Mapping[str, object], name: str, proto_name: str) -> object:
    """A field written under its JSON name or its proto name; when both, the later one wins."""
    value = obj.get(name)
    if proto_name not in obj:
        return value
    if name not in obj:
        return obj[proto_name]
    keys = list(obj)
    return obj[proto_name] if keys.index(proto_name) > keys.index(name) else value


def _message(value: object) -> Mapping[str, object]:
    if type(value) is dict:  # the JSON case, cheaper than the ABC check
        return value
    return value if isinstance(value, Mapping) else _EMPTY


def _items(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()


def _text(value: object) -> str:
    return value if type(value) is str or isinstance(value, str) else ""
