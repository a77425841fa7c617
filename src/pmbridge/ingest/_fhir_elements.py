"""Reading FHIR elements the mapping needs: codings as phenopacket terms, extensions,
identifiers, dates and ages as phenopacket time elements; tolerant of any JSON shape."""

from __future__ import annotations

from collections.abc import Mapping

from pmbridge.ingest._fhir_codes import EXT, age_to_iso, coding_curie

__all__ = [
    "age_range",
    "code",
    "describe",
    "extension",
    "identifier",
    "items",
    "message",
    "name",
    "onset",
    "own_id",
    "prefix",
    "term",
    "terms",
    "time_element",
    "timestamp",
]

Json = dict[str, object]


def onset(resource: Mapping[str, object]) -> Json | None:
    """A Condition's or phenotype Observation's onset as a phenopacket TimeElement."""
    found = extension(resource, "onset")
    if found is not None:
        if (kind := term(message(found.get("valueCodeableConcept")))) is not None:
            return {"ontologyClass": kind}
        if (iso := age_to_iso(message(found.get("valueAge")))) is not None:
            return {"age": {"iso8601duration": iso}}
        if (stamp := timestamp(found.get("valueDateTime"))) is not None:
            return {"timestamp": stamp}
        if (ages := age_range(message(found.get("valueRange")))) is not None:
            return {"ageRange": ages}
        gestational = extension(found, "gestational-age")
        if gestational is not None and isinstance(
            days := message(gestational.get("valueQuantity")).get("value"), int
        ):
            return {"gestationalAge": {"weeks": days // 7, "days": days % 7}}
    if (iso := age_to_iso(message(resource.get("onsetAge")))) is not None:
        return {"age": {"iso8601duration": iso}}
    if (stamp := timestamp(resource.get("onsetDateTime"))) is not None:
        return {"timestamp": stamp}
    return None


def age_range(value: Mapping[str, object]) -> Json | None:
    out: Json = {}
    for key, end in (("low", "start"), ("high", "end")):
        if (iso := age_to_iso(message(value.get(key)))) is not None:
            out[end] = {"iso8601duration": iso}
    return out or None


def time_element(resource: Mapping[str, object], extension_key: str, *fields: str) -> Json | None:
    """An age from the extension ``extension_key``, else the first of ``fields`` that is a time."""
    found = extension(resource, extension_key)
    if found is not None and (iso := age_to_iso(message(found.get("valueAge")))):
        return {"age": {"iso8601duration": iso}}
    for field in fields:
        if field.endswith("Age") and (iso := age_to_iso(message(resource.get(field)))):
            return {"age": {"iso8601duration": iso}}
        if (stamp := timestamp(resource.get(field))) is not None:
            return {"timestamp": stamp}
    return None


def timestamp(value: object) -> str | None:
    """A FHIR date or dateTime as a protobuf JSON timestamp; partial dates start at their first day."""
    if not isinstance(value, str) or len(value) < 4 or not value[:4].isdigit():
        return None
    date = value[:10]
    date = {4: date + "-01-01", 7: date + "-01"}.get(len(date), date)
    if len(value) > 10 and "T" in value:
        from datetime import UTC, datetime

        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{date}T00:00:00Z"


def terms(concept: Mapping[str, object]) -> list[Json]:
    out: list[Json] = []
    for coding in map(message, items(concept.get("coding"))):
        if (curie := coding_curie(coding)) is not None:
            label = coding.get("display")
            out.append({"id": curie, "label": label} if isinstance(label, str) and label else {"id": curie})
    return out


def prefix(term: Mapping[str, object]) -> str:
    return str(term.get("id", "")).split(":", 1)[0]


def term(concept: Mapping[str, object]) -> Json | None:
    return next(iter(terms(concept)), None)


def describe(concept: object) -> str:
    codings = [
        f"{c.get('system', '(no system)')}|{c.get('code')}"
        + (f" '{c['display']}'" if c.get("display") else "")
        for c in map(message, items(message(concept).get("coding")))
    ]
    text = message(concept).get("text")
    return ", ".join(codings) or (f"'{text}'" if text else "(none)")


def code(concept: object) -> str | None:
    for coding in map(message, items(message(concept).get("coding"))):
        if isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def extension(resource: Mapping[str, object], key: str) -> Json | None:
    url = EXT[key]
    for extension in map(message, items(resource.get("extension"))):
        if extension.get("url") == url:
            return extension
    return None


def identifier(resource: Mapping[str, object], key: str) -> str | None:
    for identifier in map(message, items(resource.get("identifier"))):
        if identifier.get("system") == EXT[key] and isinstance(identifier.get("value"), str):
            return str(identifier["value"])
    return None


def own_id(resource: Mapping[str, object]) -> str | None:
    """The id the thing had in a phenopacket, kept by export where a FHIR id cannot hold it."""
    return identifier(resource, "phenopacket-id")


def name(resource: Mapping[str, object]) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id') or '?'}"


def message(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def items(value: object) -> list[object]:
    return value if isinstance(value, list) else []
