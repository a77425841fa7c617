"""JSON-LD documents of the knowledge base: ``{"@context": …, "@graph": [entry, …]}`` read and written.

Reading only unwraps the document and checks its context; ``_validate`` judges the entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pmbridge.knowledge._context import CONTEXT, CONTEXT_URL, is_our_context
from pmbridge.knowledge._model import Entity, Relation
from pmbridge.knowledge._validate import Problem

__all__ = ["entity_to_json", "read_document", "read_jsonld", "to_document"]

_DOC = "(document)"


def read_jsonld(path: Path) -> tuple[list[tuple[str, object]], list[Problem]]:
    """The ``(source, entry)`` pairs of a file and any problem with the document around them."""
    source = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], [Problem(_DOC, "(file)", "not found", source)]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [Problem(_DOC, "(file)", f"not JSON: {exc}", source)]
    return read_document(doc, source=source)


def read_document(doc: object, *, source: str = "") -> tuple[list[tuple[str, object]], list[Problem]]:
    """Unwrap a parsed document; its ``@context`` must be ours (by URL or inline)."""
    if not isinstance(doc, dict):
        return [], [Problem(_DOC, "(file)", 'must be an object {"@context": …, "@graph": […]}', source)]
    problems = [
        Problem(_DOC, key, "unknown top-level key; entries go in @graph", source)
        for key in sorted(set(doc) - {"@context", "@graph"})
    ]
    if not is_our_context(doc.get("@context")):
        problems.append(
            Problem(_DOC, "@context", f'must be "{CONTEXT_URL}" or the inline context it names', source)
        )
    graph = doc.get("@graph")
    if not isinstance(graph, list):
        problems.append(Problem(_DOC, "@graph", "missing or not a list of entries", source))
        return [], problems
    return [(source, entry) for entry in graph], problems


def entity_to_json(entity: Entity) -> dict[str, Any]:
    """One entity as its plain JSON-LD object (keys in a fixed order; empty optional fields left out)."""
    out: dict[str, Any] = {
        "id": entity.id,
        "type": entity.type.value,
        "name": {"en": entity.name.en, "zh-Hans": entity.name.zh},
        "summary": {"en": entity.summary.en, "zh-Hans": entity.summary.zh},
        "jurisdiction": entity.jurisdiction,
    }
    if entity.start_date:
        out["startDate"] = entity.start_date
    if entity.end_date:
        out["endDate"] = entity.end_date
    out["url"] = entity.url
    if entity.tags:
        out["tags"] = list(entity.tags)
    if entity.stakeholder_kind:
        out["stakeholderKind"] = entity.stakeholder_kind
    if entity.status:
        out["status"] = entity.status
    for relation in Relation.all():
        targets = entity.targets(relation.key)
        if targets:
            out[relation.key] = list(targets)
    return out


def to_document(entities: Iterable[Entity], *, inline_context: bool = True) -> dict[str, Any]:
    """A JSON-LD document of ``entities`` in id order; the context inline unless asked for its URL."""
    return {
        "@context": CONTEXT if inline_context else CONTEXT_URL,
        "@graph": [entity_to_json(e) for e in sorted(entities, key=lambda e: e.id)],
    }
