"""The knowledge hub: a bilingual map of personalised-medicine policies, programmes, stakeholders, actions."""

from pmbridge.knowledge._context import CONTEXT, CONTEXT_URL
from pmbridge.knowledge._csv import read_csv, to_csv
from pmbridge.knowledge._jsonld import entity_to_json, read_document, read_jsonld, to_document
from pmbridge.knowledge._load import load_files
from pmbridge.knowledge._model import (
    ACTION_STATUSES,
    DOMAIN_IDS,
    JURISDICTIONS,
    ActionStatus,
    Bilingual,
    Entity,
    EntityType,
    Link,
    Relation,
    StakeholderKind,
)
from pmbridge.knowledge._navigate import brief, change_json, entity_view, neighbourhood, roadmap
from pmbridge.knowledge._search import Hit, SearchQuery, SearchResult, query_terms
from pmbridge.knowledge._seed import SEED_DIR, SEED_MARK, ensure_seeded, seed_files
from pmbridge.knowledge._settings import (
    KnowledgeSettings,
    KnowledgeTable,
    Steward,
    StewardEntry,
    knowledge_settings,
    parse_knowledge_settings,
)
from pmbridge.knowledge._store import ImportSummary, KnowledgeBase, StatusChange
from pmbridge.knowledge._validate import Problem, Validation, validate_entries

__all__ = [
    "ACTION_STATUSES",
    "CONTEXT",
    "CONTEXT_URL",
    "DOMAIN_IDS",
    "JURISDICTIONS",
    "SEED_DIR",
    "SEED_MARK",
    "ActionStatus",
    "Bilingual",
    "Entity",
    "EntityType",
    "Hit",
    "ImportSummary",
    "KnowledgeBase",
    "KnowledgeSettings",
    "KnowledgeTable",
    "Link",
    "Problem",
    "Relation",
    "SearchQuery",
    "SearchResult",
    "StakeholderKind",
    "StatusChange",
    "Steward",
    "StewardEntry",
    "Validation",
    "brief",
    "change_json",
    "ensure_seeded",
    "entity_to_json",
    "entity_view",
    "knowledge_settings",
    "load_files",
    "neighbourhood",
    "parse_knowledge_settings",
    "query_terms",
    "read_csv",
    "read_document",
    "read_jsonld",
    "roadmap",
    "seed_files",
    "to_csv",
    "to_document",
    "validate_entries",
]
