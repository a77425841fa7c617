"""FHIR resources grouped by the patient they are about, each group mapped to one ``RawItem``.

References are resolved the way FHIR does: ``urn:uuid:`` full URLs, relative ``Patient/x``,
absolute URLs ending in ``Type/id``, and ``#id`` for resources contained in the one referring.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import orjson

from pmbridge.ingest._fhir_map import PatientResources, map_patient
from pmbridge.ingest._fhir_validate import profile_notes, r4_problems
from pmbridge.ingest._report import Level, RecordProblem
from pmbridge.ingest._sources import RawItem

__all__ = ["Located", "group_items", "unusable_item"]

Json = dict[str, object]

# Where each resource type names the person it is about (FHIR R4 Patient compartment, the ones read).
SUBJECT_FIELDS = ("subject", "patient")
# Resources that describe no person: read to resolve references, otherwise not loaded (documented).
REFERENCE_ONLY = frozenset(
    {
        "Organization",
        "Practitioner",
        "PractitionerRole",
        "Location",
        "Medication",
        "Substance",
        "Device",
        "HealthcareService",
        "Endpoint",
        "OperationOutcome",
        "Parameters",
    }
)


@dataclass(frozen=True, slots=True)
class Located:
    """A resource and where it was read: ``file``, ``file:LINE`` or a URL; ``full_url`` from its entry."""

    resource: Json
    origin: str
    full_url: str | None = None


@dataclass(slots=True)
class _Group:
    key: str
    patient: Located | None = None
    members: list[Located] = field(default_factory=list)
    unread: list[Located] = field(default_factory=list)  # kept with the person's original, not mapped
    notes: list[RecordProblem] = field(default_factory=list)


class ReferenceIndex:
    """Every resource of one input under each name a reference may use for it."""

    def __init__(self, resources: Iterable[Located]) -> None:
        self.by_name: dict[str, Located] = {}
        for found in resources:
            for name in names_of(found):
                self.by_name.setdefault(name, found)

    def resolve(self, reference: str, container: Located | None = None) -> Located | None:
        if reference.startswith("#") and container is not None:
            for contained in _items(container.resource.get("contained")):
                if isinstance(contained, dict) and contained.get("id") == reference[1:]:
                    return Located(contained, container.origin)
            return None
        found = self.by_name.get(reference)
        if found is None and "/" in reference and not reference.startswith("urn:"):
            found = self.by_name.get("/".join(reference.split("/")[-2:]))
        return found


def names_of(found: Located) -> list[str]:
    names = []
    kind, rid = found.resource.get("resourceType"), found.resource.get("id")
    if isinstance(kind, str) and isinstance(rid, str):
        names.append(f"{kind}/{rid}")
    if found.full_url:
        names.append(found.full_url)
        tail = found.full_url.split("/")[-2:]
        if not found.full_url.startswith("urn:") and len(tail) == 2:
            names.append("/".join(tail))
    return names


def group_items(
    resources: list[Located], *, source: str, validate: bool = False, by_origin: bool = False
) -> Iterator[RawItem]:
    """One item per patient of ``resources`` (one input: a Bundle, a bulk export, a server);
    ``validate``: check every resource against FHIR R4 (else only a quarantined person's);
    ``by_origin``: name each person and problem by the file (and line) its resource came from,
    not ``source`` (a folder)."""
    index = ReferenceIndex(resources)
    groups: dict[str, _Group] = {}
    about_nobody: list[Located] = []

    def where(found: Located) -> str:
        return found.origin if by_origin else source

    for found in resources:
        kind = found.resource.get("resourceType")
        if kind == "Patient":
            key = _key(found)
            group = groups.setdefault(key, _Group(key))
            if group.patient is None:
                group.patient = found
                continue
            group.notes.append(_again(group.patient, found, key, where(found)))
            group.unread.append(found)
            continue
        if kind in REFERENCE_ONLY or kind == "Patient":
            continue
        reference = _subject_reference(found.resource)
        if reference is None:
            about_nobody.append(found)
            continue
        target = index.resolve(reference, found)
        key = _key(target) if target is not None else reference
        group = groups.setdefault(key, _Group(key))
        group.members.append(found)
        if target is None or target.resource.get("resourceType") != "Patient":
            what = "is not in the input" if target is None else "is not a Patient"
            group.notes.append(
                RecordProblem(
                    f"{where(found)}#{key}",
                    f"{_name(found)}.subject",
                    f"{_name(found)} refers to {reference}, which {what}; include the Patient resource "
                    "(e.g. export with _include or $everything) or correct the reference",
                )
            )
    if about_nobody:
        first = next(iter(groups.values()), None) or groups.setdefault("(no patient)", _Group("(no patient)"))
        for found in about_nobody:
            first.notes.append(
                RecordProblem(
                    f"{where(found)}#{first.key}",
                    _name(found),
                    f"{_name(found)} names no patient (subject); a phenopacket is about one person, so it "
                    "is not loaded",
                    Level.WARNING,
                )
            )
            first.unread.append(found)
    for group in groups.values():
        origin = group.patient or next(iter(group.members), None) or next(iter(group.unread), None)
        yield _item(group, index, where(origin) if origin else source, validate=validate)


def _again(first: Located, again: Located, key: str, source: str) -> RecordProblem:
    """A second Patient of one id: the same (a bulk export may repeat one) is a warning, a different
    one an error — two people, or two versions of one, would silently become one."""
    differing = sorted(
        name
        for name in set(first.resource) | set(again.resource)
        if name != "meta" and first.resource.get(name) != again.resource.get(name)
    )
    if not differing:
        reason = f"{key} appears again in this input ({again.origin}); the first one is mapped"
        return RecordProblem(f"{source}#{key}", key, reason, Level.WARNING)
    reason = (
        f"{key} appears twice in this input ({first.origin} and {again.origin}) and the two differ in "
        f"{', '.join(differing)}; give each patient one id, or keep one version of the Patient"
    )
    return RecordProblem(f"{source}#{key}", key, reason, Level.ERROR)


def unusable_item(source: str, path: str, reason: str, original: bytes) -> RawItem:
    """An item for input that is not FHIR at all (bad JSON, no resourceType): quarantined as read."""
    return RawItem(source, b"{}", (RecordProblem(source, path, reason, Level.ERROR),), original)


def _item(group: _Group, index: ReferenceIndex, source: str, *, validate: bool) -> RawItem:
    patient_name = group.key if group.patient is None else _name(group.patient)
    item_source = f"{source}#{patient_name}"
    mapped = map_patient(
        PatientResources(group.patient, tuple(group.members), index.resolve), source=item_source
    )
    notes = (*group.notes, *mapped.notes)
    if group.patient is None and not any(note.level is Level.ERROR for note in group.notes):
        reason = "these resources name no Patient; a phenopacket is about one person, so none is loaded"
        notes = (RecordProblem(item_source, "$", reason), *notes)
    read = ([group.patient] if group.patient else []) + group.members + group.unread
    entries = [found.resource for found in read]
    notes = (*notes, *profile_notes(entries, source=item_source))
    if validate or any(note.level is Level.ERROR for note in notes):
        notes = (*notes, *r4_problems(entries, source=item_source))
    original = orjson.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in entries]}
    )
    return RawItem(item_source, orjson.dumps(mapped.phenopacket), tuple(notes), original)


def _key(found: Located) -> str:
    return _name(found) if found.resource.get("id") else (found.full_url or _name(found))


def _name(found: Located) -> str:
    return f"{found.resource.get('resourceType')}/{found.resource.get('id') or found.full_url or '?'}"


def _subject_reference(resource: Mapping[str, object]) -> str | None:
    for name in SUBJECT_FIELDS:
        value = resource.get(name)
        if isinstance(value, dict) and isinstance(value.get("reference"), str):
            return str(value["reference"])
    return None


def _items(value: object) -> list[object]:
    return value if isinstance(value, list) else []
