"""The one JSON-LD context of knowledge-base documents: plain keys mapped to schema.org and PM Bridge terms.

Documents name it by URL or carry it inline; nothing is fetched, the URL is only compared.
"""

from __future__ import annotations

from typing import Any

from pmbridge.knowledge._model import EntityType, Relation

__all__ = ["CONTEXT", "CONTEXT_URL", "ENTITY_BASE", "SCHEMA_TYPES", "VOCAB", "is_our_context"]

CONTEXT_URL = "https://pmbridge.org/ns/kb/v1"
VOCAB = "https://pmbridge.org/ns/kb#"
ENTITY_BASE = "https://pmbridge.org/kb/"

# The type each kind has once expanded: schema.org where one fits, else PM Bridge's vocabulary.
SCHEMA_TYPES: dict[EntityType, str] = {
    EntityType.POLICY: "schema:Legislation",
    EntityType.PROGRAMME: "schema:FundingScheme",
    EntityType.STAKEHOLDER: "schema:Organization",
    EntityType.STANDARD: "pmkb:Standard",
    EntityType.INITIATIVE: "schema:ResearchProject",
    EntityType.ACTION: "schema:Action",
    EntityType.DOMAIN: "schema:DefinedTerm",
    EntityType.BARRIER: "pmkb:Barrier",
    EntityType.FACILITATOR: "pmkb:Facilitator",
}

# Relations with a schema.org property of the same meaning; the others are PM Bridge terms.
_SCHEMA_RELATIONS = {
    "memberOf": "schema:memberOf",
    "partOf": "schema:isPartOf",
    "relatedTo": "schema:isRelatedTo",
}


def _build() -> dict[str, Any]:
    context: dict[str, Any] = {
        "@version": 1.1,
        "schema": "https://schema.org/",
        "pmkb": VOCAB,
        "id": "@id",
        "type": "@type",
    }
    for kind in EntityType:
        context[kind.prefix] = {"@id": f"{ENTITY_BASE}{kind.prefix}/", "@prefix": True}
        context[kind.value] = SCHEMA_TYPES[kind]
    context |= {
        "name": {"@id": "schema:name", "@container": "@language"},
        "summary": {"@id": "schema:description", "@container": "@language"},
        "jurisdiction": "pmkb:jurisdiction",
        "startDate": "schema:startDate",
        "endDate": "schema:endDate",
        "url": {"@id": "schema:url", "@type": "@id"},
        "tags": {"@id": "schema:keywords", "@container": "@list"},
        "stakeholderKind": "pmkb:stakeholderKind",
        "status": "pmkb:actionStatus",
    }
    for relation in Relation.all():
        iri = _SCHEMA_RELATIONS.get(relation.key, f"pmkb:{relation.key}")
        context[relation.key] = {"@id": iri, "@type": "@id", "@container": "@list"}
    return context


CONTEXT: dict[str, Any] = _build()


def is_our_context(value: object) -> bool:
    """True when ``value`` is our context: its URL, the inline object, or a one-item list of either."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value in (CONTEXT_URL, CONTEXT)
