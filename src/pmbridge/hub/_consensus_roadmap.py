"""Agreed items updating the roadmap: an organiser proposes a roadmap action's new status for an item
the panel agreed on (final status ``in``), and a knowledge steward confirms it into the action's history.

The proposals live in the study store (table ``roadmap_updates``); only a confirmation touches the
knowledge base, through ``KnowledgeBase.set_status``, so the roadmap's history names the study.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from pmbridge.errors import ConsensusError, StudyNotFound
from pmbridge.knowledge import ACTION_STATUSES, EntityType, KnowledgeBase

__all__ = ["confirm", "final_statuses", "propose", "updates"]

_TABLE: Final = """
CREATE TABLE IF NOT EXISTS roadmap_updates (
    id TEXT PRIMARY KEY, study TEXT NOT NULL, item TEXT NOT NULL, round INTEGER NOT NULL,
    action TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, state TEXT NOT NULL,
    proposed_by TEXT NOT NULL, proposed_at TEXT NOT NULL, confirmed_by TEXT, confirmed_at TEXT)
"""
_COLUMNS: Final = (
    "id",
    "study",
    "item",
    "round",
    "action",
    "status",
    "note",
    "state",
    "proposed_by",
    "proposed_at",
    "confirmed_by",
    "confirmed_at",
)


def final_statuses(results: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Each item's (status, round) in the last closed round that rated it.

    >>> final_statuses({"rounds": [{"round": 1, "items": [{"item": "a", "status": "no_consensus"}]},
    ...                            {"round": 2, "items": [{"item": "a", "status": "in"}]}]})
    {'a': ('in', 2)}
    """
    found: dict[str, tuple[str, int]] = {}
    for round_ in sorted(results.get("rounds", []), key=lambda r: int(r["round"])):
        for item in round_.get("items", []):
            if item.get("status") != "not_rated":
                found[str(item["item"])] = (str(item["status"]), int(round_["round"]))
    return found


def propose(
    con: sqlite3.Connection,
    kb: KnowledgeBase,
    *,
    study: str,
    item: Mapping[str, Any],
    results: Mapping[str, Any],
    body: Mapping[str, object],
    organiser: str,
    now: datetime,
) -> dict[str, object]:
    """Record an organiser's proposal; refused unless the item ended ``in`` and links the action."""
    action, status, note = body.get("action"), body.get("status"), body.get("note", "")
    if not isinstance(action, str) or not isinstance(status, str) or not isinstance(note, str):
        raise ConsensusError(
            "a roadmap update needs action and status (and an optional note) as text",
            hint='send {"action": "action:…", "status": "in-progress", "note": "…"}',
        )
    if status not in ACTION_STATUSES:
        raise ConsensusError(
            f"{status!r} is not a roadmap status", hint=f"use one of {', '.join(ACTION_STATUSES)}"
        )
    item_id = str(item["id"])
    final = final_statuses(results).get(item_id)
    if final is None or final[0] != "in":
        raise ConsensusError(
            f"item {item_id} did not end with consensus 'in' "
            f"(its final status: {final[0] if final else 'none'})",
            hint="only items the panel agreed to include can update the roadmap",
        )
    links = [link["id"] if isinstance(link, Mapping) else str(link) for link in item.get("links", [])]
    if action not in links:
        raise ConsensusError(
            f"item {item_id} does not link {action}",
            hint=f"the item links {', '.join(links) or 'nothing'}; propose for one of those",
        )
    if kb.kinds().get(action) is not EntityType.ACTION:
        raise ConsensusError(f"{action} is not a roadmap action", hint="only roadmap actions have a status")
    update = {
        "id": f"ru-{secrets.token_hex(8)}",
        "study": study,
        "item": item_id,
        "round": final[1],
        "action": action,
        "status": status,
        "note": note.strip()[:2000],
        "state": "proposed",
        "proposed_by": organiser,
        "proposed_at": now.isoformat(timespec="seconds"),
        "confirmed_by": None,
        "confirmed_at": None,
    }
    con.execute(_TABLE)
    con.execute(
        f"INSERT INTO roadmap_updates ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
        tuple(update[c] for c in _COLUMNS),
    )
    return update


def updates(con: sqlite3.Connection, *, state: str | None = None) -> list[dict[str, object]]:
    """Every proposal (or those in ``state``), newest first."""
    con.execute(_TABLE)
    where, args = ("WHERE state = ?", (state,)) if state else ("", ())
    rows = con.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM roadmap_updates {where} ORDER BY proposed_at DESC, id", args
    ).fetchall()
    return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]


def confirm(
    con: sqlite3.Connection,
    kb: KnowledgeBase,
    update_id: str,
    *,
    steward: str,
    study_title: str,
    now: datetime,
) -> dict[str, object]:
    """A steward's confirmation: the action's status changes, its history naming study and item."""
    con.execute(_TABLE)
    row = con.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM roadmap_updates WHERE id = ?", (update_id,)
    ).fetchone()
    if row is None:
        raise StudyNotFound(
            f"no roadmap update {update_id!r}", hint="list them: GET /api/consensus/roadmap-updates"
        )
    update = dict(zip(_COLUMNS, row, strict=True))
    if update["state"] != "proposed":
        raise ConsensusError(
            f"roadmap update {update_id} is already {update['state']}", hint="each update is confirmed once"
        )
    note = (
        f"Delphi study {update['study']} ({study_title}) item {update['item']} agreed in round "
        f"{update['round']}" + (f": {update['note']}" if update["note"] else "")
    )
    kb.set_status(str(update["action"]), str(update["status"]), actor=steward, note=note)
    stamp = now.isoformat(timespec="seconds")
    con.execute(
        "UPDATE roadmap_updates SET state = 'confirmed', confirmed_by = ?, confirmed_at = ? WHERE id = ?",
        (steward, stamp, update_id),
    )
    return {**update, "state": "confirmed", "confirmed_by": steward, "confirmed_at": stamp}


def texts_of(items: Sequence[Mapping[str, Any]], item_id: str) -> Mapping[str, Any]:
    """The study item ``item_id`` (its JSON), or StudyNotFound."""
    for item in items:
        if item.get("id") == item_id:
            return item
    raise StudyNotFound(f"no item {item_id!r} in the study", hint="GET the study to see its item ids")
