"""One candidate phenopacket to a patient record, or to the list of reasons it cannot be one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pmbridge.ingest._convert import to_patient_record
from pmbridge.ingest._curies import curie_problems
from pmbridge.ingest._limits import DEFAULT_LIMITS, IngestLimits, field_size_problems, record_size_problem
from pmbridge.ingest._report import Level, RecordProblem
from pmbridge.ingest._sources import RawItem
from pmbridge.ingest._validator import parse_phenopacket
from pmbridge.model import PatientRecord, PhenotypicFeature

CanonicalHpo = Callable[[str], "str | None"]


def check_item(
    item: RawItem,
    *,
    dataset_id: str,
    canonical_hpo: CanonicalHpo,
    hpo_release: str,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> tuple[PatientRecord | None, list[RecordProblem]]:
    """Check size, validate, check the form of ontology ids, convert and vet HPO ids; errors mean
    quarantine, warnings mean loaded-with-notes. Notes from mapping another format come first."""
    notes = list(item.notes)
    if any(note.level is Level.ERROR for note in notes):
        return None, notes
    record, found = _check_document(
        item, dataset_id=dataset_id, canonical_hpo=canonical_hpo, hpo_release=hpo_release, limits=limits
    )
    return record, notes + found


def _check_document(
    item: RawItem,
    *,
    dataset_id: str,
    canonical_hpo: CanonicalHpo,
    hpo_release: str,
    limits: IngestLimits,
) -> tuple[PatientRecord | None, list[RecordProblem]]:
    if (too_large := record_size_problem(len(item.raw), limits)) is not None:
        return None, [RecordProblem(item.source, "$", too_large)]
    doc, problems = parse_phenopacket(item.raw)
    found = [RecordProblem(item.source, p.path, p.reason) for p in problems]
    if doc is None or found:
        return None, found
    # Before conversion, which would skip a term without an id and so lose it without a word.
    found = [
        RecordProblem(item.source, path, reason)
        for path, reason in (*field_size_problems(item.raw, doc, limits), *curie_problems(doc))
    ]
    if found:
        return None, found
    record = to_patient_record(doc, dataset_id=dataset_id, source=item.source)
    if not record.individual.id:
        return None, [
            RecordProblem(
                item.source,
                "$.id",
                "the phenopacket has neither an id nor a subject.id; give it a stable id "
                "(it identifies the individual when the file is ingested again)",
            )
        ]
    features, term_problems = _vet_terms(record.phenotypic_features, item.source, canonical_hpo, hpo_release)
    if features != record.phenotypic_features:
        record = replace(record, phenotypic_features=features)
    return record, term_problems


def _vet_terms(
    features: tuple[PhenotypicFeature, ...], source: str, canonical_hpo: CanonicalHpo, release: str
) -> tuple[tuple[PhenotypicFeature, ...], list[RecordProblem]]:
    problems: list[RecordProblem] = []
    vetted: list[PhenotypicFeature] = []
    for index, feature in enumerate(features):
        where = f"$.phenotypicFeatures[{index}].type.id"
        current = canonical_hpo(feature.term)
        if current is None:
            # Real cases use terms newer than the loaded release: keep them (a later release makes
            # them queryable by ancestor) and say so, rather than lose clinical data.
            problems.append(
                RecordProblem(
                    source,
                    where,
                    f"{feature.term!r} is not a term of HPO release {release}; kept as given, but "
                    "ancestor queries will not find it until a release that knows it is loaded "
                    "(`pmbridge vocab fetch`); if it is a typo, correct it (`pmbridge vocab search WORD`)",
                    Level.WARNING,
                )
            )
            vetted.append(feature)
            continue
        if current != feature.term:
            problems.append(
                RecordProblem(
                    source, where, f"obsolete HPO id {feature.term} replaced by {current}", Level.WARNING
                )
            )
        vetted.append(feature if current == feature.term else replace(feature, term=current))
    return tuple(vetted), problems
