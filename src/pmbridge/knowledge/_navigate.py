"""Relation navigation over the knowledge base: an entry with its links both ways, a neighbourhood
graph, and the roadmap (domains → actions → responsible stakeholders and status), as JSON-ready dicts.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pmbridge.knowledge._jsonld import entity_to_json
from pmbridge.knowledge._model import DOMAIN_IDS, Entity, EntityType, Link, Relation
from pmbridge.knowledge._store import KnowledgeBase, StatusChange

__all__ = ["brief", "change_json", "entity_view", "neighbourhood", "roadmap"]

MAX_GRAPH_NODES = 300


def brief(entity: Entity) -> dict[str, Any]:
    """The few fields a list or a graph node shows."""
    return {
        "id": entity.id,
        "type": entity.type.value,
        "name": {"en": entity.name.en, "zh-Hans": entity.name.zh},
        "jurisdiction": entity.jurisdiction,
        **({"status": entity.status} if entity.status else {}),
    }


def _label(relation: str, *, inverse: bool) -> dict[str, str]:
    r = Relation.of(relation)
    if r is None:
        return {"en": relation, "zh-Hans": relation}
    return (
        {"en": r.inverse_en, "zh-Hans": r.inverse_zh}
        if inverse
        else {"en": r.label_en, "zh-Hans": r.label_zh}
    )


def change_json(change: StatusChange) -> dict[str, Any]:
    """A status change as JSON: at, by, from, to, note."""
    return {
        "at": change.at,
        "by": change.actor,
        "from": change.from_status,
        "to": change.to_status,
        "note": change.note,
    }


def entity_view(kb: KnowledgeBase, entity_id: str) -> dict[str, Any]:
    """An entry, its links out and in (labelled in both languages) and, for an action, its history."""
    entity = kb.entity(entity_id)
    incoming = kb.incoming(entity_id)
    others = kb.find(sorted({link.target for link in entity.links} | {source for source, _ in incoming}))
    view: dict[str, Any] = {
        "entity": entity_to_json(entity),
        "outgoing": [
            {
                "relation": link.relation,
                "label": _label(link.relation, inverse=False),
                "entity": brief(others[link.target]),
            }
            for link in entity.links
        ],
        "incoming": [
            {
                "relation": link.relation,
                "label": _label(link.relation, inverse=True),
                "entity": brief(others[source]),
            }
            for source, link in incoming
        ],
    }
    if entity.type is EntityType.ACTION:
        view["history"] = [change_json(c) for c in kb.history(entity_id)]
    return view


def neighbourhood(kb: KnowledgeBase, entity_id: str, *, depth: int) -> dict[str, Any]:
    """Entries within ``depth`` links of ``entity_id`` (either direction) and every link among them."""
    kb.entity(entity_id)  # UnknownEntry when absent
    links = kb.links()
    adjacent: dict[str, set[str]] = {}
    for source, link in links:
        adjacent.setdefault(source, set()).add(link.target)
        adjacent.setdefault(link.target, set()).add(source)
    distance = {entity_id: 0}
    queue = deque([entity_id])
    truncated = False
    while queue:
        current = queue.popleft()
        if distance[current] == depth:
            continue
        for other in sorted(adjacent.get(current, ())):
            if other in distance:
                continue
            if len(distance) >= MAX_GRAPH_NODES:
                truncated = True
                break
            distance[other] = distance[current] + 1
            queue.append(other)
    entities = kb.find(sorted(distance))
    return {
        "root": entity_id,
        "depth": depth,
        "truncated": truncated,
        "nodes": [
            brief(entities[i]) | {"distance": d}
            for i, d in sorted(distance.items(), key=lambda kv: (kv[1], kv[0]))
        ],
        "edges": [
            _edge(source, link) for source, link in links if source in distance and link.target in distance
        ],
    }


def _edge(source: str, link: Link) -> dict[str, Any]:
    return {
        "source": source,
        "target": link.target,
        "relation": link.relation,
        "label": _label(link.relation, inverse=False),
    }


def roadmap(kb: KnowledgeBase) -> dict[str, Any]:
    """Domains in the roadmap's order, each with its actions, their status, responsible stakeholders,
    barriers addressed, supporting facilitators and status history."""
    entities = {e.id: e for e in kb.entities()}
    histories = kb.histories()
    responsible: dict[str, list[str]] = {}
    supporters: dict[str, list[str]] = {}
    for source, link in kb.links():
        if link.relation == "responsibleFor":
            responsible.setdefault(link.target, []).append(source)
        elif link.relation == "supports":
            supporters.setdefault(link.target, []).append(source)
    actions = [e for e in entities.values() if e.type is EntityType.ACTION]

    def action_json(action: Entity) -> dict[str, Any]:
        return brief(action) | {
            "summary": {"en": action.summary.en, "zh-Hans": action.summary.zh},
            "responsible": [brief(entities[s]) for s in responsible.get(action.id, [])],
            "barriers": [brief(entities[b]) for b in action.targets("addressesBarrier")],
            "facilitators": [brief(entities[f]) for f in supporters.get(action.id, [])],
            "history": [change_json(c) for c in histories.get(action.id, [])],
        }

    domains = []
    for domain_id in DOMAIN_IDS:
        if domain_id not in entities:
            continue
        mine = [a for a in actions if domain_id in a.targets("inDomain")]
        domains.append(brief(entities[domain_id]) | {"actions": [action_json(a) for a in mine]})
    unassigned = [a for a in actions if not a.targets("inDomain")]
    counts = {
        status: sum(a.status == status for a in actions)
        for status in ("proposed", "in-progress", "done", "stalled")
    }
    return {
        "domains": domains,
        "unassigned": [action_json(a) for a in unassigned],
        "statusCounts": counts,
    }
