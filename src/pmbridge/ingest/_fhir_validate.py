"""FHIR R4 structural validation with the ``fhir.resources`` R4B models (R4B parses R4 resources).

About eleven times the cost of our mapping (bench/fhir_ingest.py), so ingest runs it only for a
person already quarantined (to say exactly what is wrong) or when asked for (``validate=True``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pmbridge.ingest._report import Level, RecordProblem

__all__ = ["KNOWN_PROFILES", "profile_notes", "r4_problems"]

MAX_PER_RESOURCE = 5
KNOWN_PROFILES = (  # implementation guides whose profiles the mapping knows; others are noted
    "http://hl7.org/fhir/StructureDefinition/",
    "http://hl7.org/fhir/uv/ips/StructureDefinition/",
    "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/",
    "http://hl7.org/fhir/uv/phenomics-exchange/StructureDefinition/",
)


def r4_problems(resources: Iterable[Mapping[str, object]], *, source: str) -> list[RecordProblem]:
    """Every resource's violations of FHIR R4, at most :data:`MAX_PER_RESOURCE` each."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    out: list[RecordProblem] = []
    for resource in resources:
        kind = str(resource.get("resourceType"))
        name = f"{kind}/{resource.get('id') or '?'}"
        try:
            model = get_fhir_model_class(kind)
        except KeyError:
            out.append(
                RecordProblem(source, name, f"{kind} is not a FHIR R4 resource type; correct resourceType")
            )
            continue
        try:
            model.model_validate(dict(resource))
        except ValidationError as error:
            for found in error.errors()[:MAX_PER_RESOURCE]:
                where = ".".join(str(part) for part in found["loc"])
                reason = f"not valid FHIR R4: {found['msg']}; correct the resource"
                out.append(RecordProblem(source, f"{name}.{where}" if where else name, reason))
    return out


def profile_notes(resources: Iterable[Mapping[str, object]], *, source: str) -> list[RecordProblem]:
    """A warning for each profile outside the guides the mapping knows (once a person, naming its
    first resource and how many claim it): those resources are mapped as plain R4."""
    claimed: dict[str, list[str]] = {}
    for resource in resources:
        meta = resource.get("meta")
        profiles = meta.get("profile") if isinstance(meta, dict) else None
        for profile in profiles if isinstance(profiles, list) else []:
            if isinstance(profile, str) and not profile.startswith(KNOWN_PROFILES):
                claimed.setdefault(profile, []).append(
                    f"{resource.get('resourceType')}/{resource.get('id') or '?'}"
                )
    out = []
    for profile, names in claimed.items():
        more = f" (and {len(names) - 1} more resources)" if len(names) > 1 else ""
        reason = f"profile {profile} is not one PM Bridge knows; mapped as plain FHIR R4 by its codes{more}"
        out.append(RecordProblem(source, f"{names[0]}.meta.profile", reason, Level.WARNING))
    return out
