"""The checked MIABIS Core 3.0 entities (Biobank, Collection, Network) and how a checked entry of
attribute names becomes one; the attribute names are the standard's (see ``_miabis_terms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from pmbridge.ingest._miabis_terms import EntitySpec

__all__ = ["Biobank", "Collection", "Disease", "Network", "build_entity"]


@dataclass(frozen=True, slots=True)
class Disease:
    """MIABIS structured Disease: an ontology code (``ICD-10`` ``C61``) or free text."""

    ontology: str | None = None
    ontology_version: str | None = None
    code: str | None = None
    description: str | None = None
    free_text: str | None = None


@dataclass(frozen=True, slots=True)
class Biobank:
    """MIABIS-BIOBANK-01..12, plus the networks it belongs to."""

    id: str
    name: str
    juristic_person: str
    country: str
    contact: Mapping[str, str]
    acronym: str | None = None
    url: str | None = None
    description: str | None = None
    infrastructural_capabilities: tuple[str, ...] = ()
    organisational_capabilities: tuple[str, ...] = ()
    bioprocessing_and_analytical_capabilities: tuple[str, ...] = ()
    quality_management_standards: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Collection:
    """MIABIS-COLLECTION-01..23, plus the id of the hosting biobank and its networks."""

    id: str
    name: str
    biobank: str
    contact: Mapping[str, str]
    description: str
    sex: tuple[str, ...]
    dataset_types: tuple[str, ...]
    sample_types: tuple[str, ...]
    acronym: str | None = None
    url: str | None = None
    sample_source: str | None = None
    age_low: int | None = None
    age_high: int | None = None
    age_low_unit: str | None = None
    age_high_unit: str | None = None
    storage_temperatures: tuple[str, ...] = ()
    diseases: tuple[Disease, ...] = ()
    sample_collection_settings: tuple[str, ...] = ()
    collection_designs: tuple[str, ...] = ()
    use_and_access_conditions: tuple[str, ...] = ()
    collection_status: str | None = None
    total_subjects: int | None = None
    inclusion_criteria: tuple[str, ...] = ()
    publications: tuple[str, ...] = ()
    networks: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Network:
    """MIABIS-NETWORK-01..11."""

    id: str
    name: str
    juristic_person: str
    countries: tuple[str, ...]
    contact: Mapping[str, str]
    status: str
    acronym: str | None = None
    url: str | None = None
    description: str | None = None
    members: tuple[str, ...] = ()
    collaboration_topics: tuple[str, ...] = ()


_FIELDS: Mapping[str, str] = {
    "ID": "id",
    "Acronym": "acronym",
    "Name": "name",
    "URL": "url",
    "Juristic Person": "juristic_person",
    "Juristic person": "juristic_person",
    "Country": "country",
    "Contact Information": "contact",
    "Description": "description",
    "Infrastructural capabilities": "infrastructural_capabilities",
    "Organisational capabilities": "organisational_capabilities",
    "Bioprocessing and analytical capabilities": "bioprocessing_and_analytical_capabilities",
    "Quality Management standard": "quality_management_standards",
    "Networks": "networks",
    "Biobank": "biobank",
    "Sample source": "sample_source",
    "Sex": "sex",
    "Age Low": "age_low",
    "Age High": "age_high",
    "Age Low Unit": "age_low_unit",
    "Age High Unit": "age_high_unit",
    "Dataset type": "dataset_types",
    "Sample type": "sample_types",
    "Storage temperature": "storage_temperatures",
    "Disease": "diseases",
    "Sample collection setting": "sample_collection_settings",
    "Collection design": "collection_designs",
    "Use & Access conditions": "use_and_access_conditions",
    "Collection status": "collection_status",
    "Total number of subjects": "total_subjects",
    "Inclusion criteria": "inclusion_criteria",
    "Publications": "publications",
    "Network status": "status",
    "Network members": "members",
    "Common collaboration topics": "collaboration_topics",
}
_DISEASE: Mapping[str, str] = {
    "Disease Ontology": "ontology",
    "Disease Ontology Version": "ontology_version",
    "Disease Ontology Code": "code",
    "Disease Ontology Description": "description",
    "Disease Free Text": "free_text",
}
_CLASSES: Mapping[str, type[Biobank | Collection | Network]] = {
    "biobank": Biobank,
    "collection": Collection,
    "network": Network,
}


def build_entity(spec: EntitySpec, values: Mapping[str, object]) -> Biobank | Collection | Network:
    """The entity of checked ``values`` (attribute name to value; every problem already reported)."""
    kwargs: dict[str, object] = {}
    for name, value in values.items():
        target = "countries" if spec.name == "network" and name == "Country" else _FIELDS[name]
        if name == "Disease":
            items = cast("list[dict[str, str]]", value)
            kwargs[target] = tuple(Disease(**{_DISEASE[k]: v for k, v in d.items()}) for d in items)
        elif name == "Contact Information":
            kwargs[target] = dict(cast("dict[str, str]", value))
        elif isinstance(value, list) or (isinstance(value, str) and _is_many(spec, name)):
            kwargs[target] = tuple(value) if isinstance(value, list) else (value,)
        else:
            kwargs[target] = value
    return _CLASSES[spec.name](**kwargs)  # type: ignore[arg-type]


def _is_many(spec: EntitySpec, name: str) -> bool:
    return name in spec.many_of or name in spec.texts or name == "Networks"
