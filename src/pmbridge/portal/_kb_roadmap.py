"""The roadmap page's parts from ``/api/kb/roadmap``: each domain with its actions, and each action with
who is responsible, the barriers it addresses, what supports it, and its status history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmbridge.portal._i18n import Lang
from pmbridge.portal._kb_entity import HistoryRow, Linked, history_rows, linked
from pmbridge.portal._kb_words import in_lang


@dataclass(frozen=True, slots=True)
class Action:
    """A roadmap action as the roadmap lists it; ``anchor`` is its element id on the page."""

    entry: Linked
    summary: str
    responsible: tuple[Linked, ...]
    barriers: tuple[Linked, ...]
    facilitators: tuple[Linked, ...]
    history: tuple[HistoryRow, ...]

    @property
    def anchor(self) -> str:
        return anchor(self.entry.id)


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain of the roadmap (``entry`` None: the actions no domain claims) and its actions."""

    entry: Linked | None
    actions: tuple[Action, ...]

    @property
    def anchor(self) -> str:
        return anchor(self.entry.id) if self.entry else "kb-unassigned"


def anchor(entity_id: str) -> str:
    """The element id of an entry on a page: ``action:joint-calls`` → ``kb-action-joint-calls``."""
    return "kb-" + entity_id.replace(":", "-")


def roadmap_domains(body: Mapping[str, object], lang: Lang) -> list[Domain]:
    """The domains in the roadmap's order, then (if any) the actions in no domain."""
    listed = body.get("domains")
    domains = [
        Domain(linked(d, lang), _actions(d.get("actions"), lang))
        for d in (listed if isinstance(listed, list) else [])
        if isinstance(d, Mapping)
    ]
    unassigned = _actions(body.get("unassigned"), lang)
    return domains + ([Domain(None, unassigned)] if unassigned else [])


def _actions(value: object, lang: Lang) -> tuple[Action, ...]:
    return tuple(
        Action(
            entry=linked(a, lang),
            summary=in_lang(a.get("summary"), lang)[0],
            responsible=_entries(a.get("responsible"), lang),
            barriers=_entries(a.get("barriers"), lang),
            facilitators=_entries(a.get("facilitators"), lang),
            history=tuple(history_rows(a.get("history"))),
        )
        for a in (value if isinstance(value, list) else [])
        if isinstance(a, Mapping)
    )


def _entries(value: object, lang: Lang) -> tuple[Linked, ...]:
    return tuple(
        linked(e, lang) for e in (value if isinstance(value, list) else []) if isinstance(e, Mapping)
    )


def status_counts(body: Mapping[str, object]) -> list[tuple[str, int]]:
    """How many actions have each status, in the statuses' order."""
    counts = body.get("statusCounts")
    if not isinstance(counts, Mapping):
        return []
    return [(str(status), n) for status, n in counts.items() if isinstance(n, int)]
