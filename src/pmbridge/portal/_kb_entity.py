"""An entry page's parts from ``/api/kb/entities``: the entry in the page's language, its links both
ways grouped by relation (labelled in both languages), and a roadmap action's status history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from pmbridge.knowledge import Relation
from pmbridge.portal._i18n import Lang
from pmbridge.portal._kb_words import in_lang, partial_date

_RELATION_ORDER = {r.key: i for i, r in enumerate(Relation.all())}
_SYMMETRIC = frozenset(r.key for r in Relation.all() if r.label_en == r.inverse_en)


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry as its page shows it: names and summaries in the page's language and the other one,
    dates written for the page's language (``start_iso``, ``end_iso`` as stored)."""

    id: str
    type: str
    name: str
    other_name: str
    summary: str
    other_summary: str
    jurisdiction: str
    url: str
    source_host: str
    tags: tuple[str, ...]
    stakeholder_kind: str
    status: str
    start: str
    start_iso: str
    end: str
    end_iso: str


def entry_of(doc: Mapping[str, object], lang: Lang) -> Entry:
    """The ``entity`` of ``/api/kb/entities``' answer (an entry in its JSON-LD form)."""
    name, other_name = in_lang(doc.get("name"), lang)
    summary, other_summary = in_lang(doc.get("summary"), lang)
    tags = doc.get("tags")
    start, end = str(doc.get("startDate") or ""), str(doc.get("endDate") or "")
    url = str(doc.get("url") or "")
    return Entry(
        id=str(doc.get("id", "")),
        type=str(doc.get("type", "")),
        name=name or str(doc.get("id", "")),
        other_name=other_name,
        summary=summary,
        other_summary=other_summary,
        jurisdiction=str(doc.get("jurisdiction", "")),
        url=url,
        source_host=urlsplit(url).hostname or "",
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        stakeholder_kind=str(doc.get("stakeholderKind") or ""),
        status=str(doc.get("status") or ""),
        start=partial_date(start, lang) if start else "",
        start_iso=start,
        end=partial_date(end, lang) if end else "",
        end_iso=end,
    )


@dataclass(frozen=True, slots=True)
class Linked:
    """An entry at the other end of a link, as a list shows it."""

    id: str
    type: str
    name: str
    other_name: str
    jurisdiction: str
    status: str


@dataclass(frozen=True, slots=True)
class RelationGroup:
    """The entries one relation links this entry to (``incoming``: that link to it), with its label
    in the page's language and in the other one."""

    relation: str
    incoming: bool
    label: str
    other_label: str
    entries: tuple[Linked, ...]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One status change: when (None if unreadable), who, from, to, and the note."""

    at: datetime | None
    by: str
    before: str
    after: str
    note: str


def linked(brief: Mapping[str, object], lang: Lang) -> Linked:
    """An entry's brief (``id``, ``type``, ``name``, …) in the page's language."""
    name, other = in_lang(brief.get("name"), lang)
    return Linked(
        id=str(brief.get("id", "")),
        type=str(brief.get("type", "")),
        name=name or str(brief.get("id", "")),
        other_name=other,
        jurisdiction=str(brief.get("jurisdiction", "")),
        status=str(brief.get("status") or ""),
    )


def relation_groups(view: Mapping[str, object], lang: Lang) -> list[RelationGroup]:
    """Outgoing links first, then incoming ones; each direction in the model's order of relations. A
    relation that reads the same both ways (``relatedTo``) is one group, each entry listed once."""
    groups: dict[tuple[bool, str], tuple[str, str, list[Linked]]] = {}
    for incoming, key in ((False, "outgoing"), (True, "incoming")):
        items = view.get(key)
        for item in items if isinstance(items, list) else []:
            entity = item.get("entity") if isinstance(item, Mapping) else None
            if not isinstance(item, Mapping) or not isinstance(entity, Mapping):
                continue
            relation = str(item.get("relation", ""))
            label, other = in_lang(item.get("label"), lang)
            group = (incoming and relation not in _SYMMETRIC, relation)
            entries = groups.setdefault(group, (label or relation, other, []))[2]
            if all(e.id != entity.get("id") for e in entries):
                entries.append(linked(entity, lang))
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0], _RELATION_ORDER.get(kv[0][1], 99)))
    return [
        RelationGroup(relation, incoming, label, other, tuple(entries))
        for (incoming, relation), (label, other, entries) in ordered
    ]


def history_rows(history: object) -> list[HistoryRow]:
    """A status history as the API gives it (oldest first), newest first for reading."""
    rows = []
    for change in history if isinstance(history, list) else []:
        if not isinstance(change, Mapping):
            continue
        try:
            at: datetime | None = datetime.fromisoformat(str(change.get("at")))
        except ValueError:
            at = None
        rows.append(
            HistoryRow(
                at=at,
                by=str(change.get("by", "")),
                before=str(change.get("from") or ""),
                after=str(change.get("to", "")),
                note=str(change.get("note", "")),
            )
        )
    return rows[::-1]
