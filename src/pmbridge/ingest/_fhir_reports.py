"""Genomic DiagnosticReports and Genomics Reporting variant Observations of one patient →
phenopacket interpretations (one per report; variants in no report share one)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from pmbridge.ingest import _fhir_elements as fe
from pmbridge.ingest._fhir_genomics import implication_class, variant_descriptor

if TYPE_CHECKING:
    from pmbridge.ingest._fhir_group import Located

__all__ = ["DISEASE_PREFIXES", "MappingDoc", "map_reports"]

Json = dict[str, object]
Resolve = Callable[[str, "Located | None"], "Located | None"]
DISEASE_PREFIXES = ("MONDO", "OMIM", "ORPHA", "NCIT", "DOID")
_ABSENT = frozenset({"LA9634-2", "Absent", "absent"})


class MappingDoc(Protocol):
    """The phenopacket being built, as the report mapping adds to it."""

    pid: str
    interpretations: list[Json]

    def warn(self, resource: Mapping[str, object], reason: str) -> None: ...

    def error(self, resource: Mapping[str, object], path: str, reason: str) -> None: ...


def map_reports(
    doc: MappingDoc,
    variants: list[Located],
    implications: list[Json],
    reports: list[Located],
    resolve: Resolve,
) -> None:
    classes: dict[str, tuple[str | None, Json | None]] = {}
    for implication in implications:
        found = implication_class(implication)
        for ref in map(fe.message, fe.items(implication.get("derivedFrom"))):
            target = resolve(str(ref.get("reference")), None)
            if target is None:
                doc.error(
                    implication, "derivedFrom", f"refers to {ref.get('reference')}, which is not in the input"
                )
            else:
                classes[fe.name(target.resource)] = found
    used: set[str] = set()
    for report in reports:
        resource = report.resource
        members = []
        for ref in map(fe.message, fe.items(resource.get("result"))):
            target = resolve(str(ref.get("reference")), report)
            if target is None:
                doc.error(resource, "result", f"refers to {ref.get('reference')}, which is not in the input")
            elif any(target is v for v in variants):
                members.append(target)
        if not members:
            doc.warn(
                resource, "a report with no Genomics Reporting variant results; its results load on their own"
            )
            continue
        used.update(fe.name(m.resource) for m in members)
        conclusions = [t for c in fe.items(resource.get("conclusionCode")) for t in fe.terms(fe.message(c))]
        disease = next((t for t in conclusions if fe.prefix(t) in DISEASE_PREFIXES), None)
        own = fe.own_id(resource) or str(resource.get("id"))
        _interpretation(doc, own, report=resource, members=members, classes=classes, disease=disease)
    loose = [v for v in variants if fe.name(v.resource) not in used]
    if loose:
        _interpretation(doc, f"{doc.pid}-variants", report=None, members=loose, classes=classes, disease=None)


def _interpretation(
    doc: MappingDoc,
    interpretation_id: str,
    *,
    report: Mapping[str, object] | None,
    members: list[Located],
    classes: Mapping[str, tuple[str | None, Json | None]],
    disease: Json | None,
) -> None:
    calls = []
    for member in members:
        resource = member.resource
        if any(
            c.get("code") in _ABSENT
            for c in map(fe.message, fe.items(fe.message(resource.get("valueCodeableConcept")).get("coding")))
        ):
            doc.warn(resource, "the variant is reported absent; not loaded")
            continue
        descriptor = variant_descriptor(resource, fe.own_id(resource) or str(resource.get("id") or ""))
        if descriptor is None:
            doc.warn(resource, "a variant with no HGVS, genomic coordinates or gene; not loaded")
            continue
        acmg, condition = classes.get(fe.name(resource), (None, None))
        disease = disease or condition
        variant: Json = {"variationDescriptor": descriptor}
        if acmg:
            variant["acmgPathogenicityClassification"] = acmg
        status = fe.extension(resource, "interpretation-status")
        calls.append(
            {
                "subjectOrBiosampleId": doc.pid,
                "interpretationStatus": str(status.get("valueCode")) if status else "UNKNOWN_STATUS",
                "variantInterpretation": variant,
            }
        )
    if not calls:
        return
    progress = fe.extension(report, "progress-status") if report is not None else None
    diagnosis: Json = {"genomicInterpretations": calls}
    if disease is not None:
        diagnosis = {"disease": disease, **diagnosis}
    doc.interpretations.append(
        {
            "id": interpretation_id,
            "progressStatus": str(progress.get("valueCode")) if progress else "UNKNOWN_PROGRESS",
            "diagnosis": diagnosis,
        }
    )
