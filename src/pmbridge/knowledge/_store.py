"""The knowledge base on disk: one SQLite file with entries, links, an FTS5 index and status history.

Imports are validated against what is stored, then written in one transaction: all or nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pmbridge.errors import KnowledgeError, KnowledgeImportRejected, UnknownEntry
from pmbridge.knowledge._load import load_files
from pmbridge.knowledge._model import ACTION_STATUSES, Bilingual, Entity, EntityType, Link
from pmbridge.knowledge._search import SearchQuery, SearchResult, install_functions, search
from pmbridge.knowledge._validate import Validation

__all__ = ["ImportSummary", "KnowledgeBase", "StatusChange"]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entity (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, name_en TEXT NOT NULL, name_zh TEXT NOT NULL,
    summary_en TEXT NOT NULL, summary_zh TEXT NOT NULL, jurisdiction TEXT NOT NULL, url TEXT NOT NULL,
    start_date TEXT, end_date TEXT, stakeholder_kind TEXT, status TEXT, tags TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS link (
    source TEXT NOT NULL REFERENCES entity(id) DEFERRABLE INITIALLY DEFERRED, relation TEXT NOT NULL,
    target TEXT NOT NULL REFERENCES entity(id) DEFERRABLE INITIALLY DEFERRED, position INTEGER NOT NULL,
    PRIMARY KEY (source, relation, target)
);
CREATE INDEX IF NOT EXISTS link_target ON link (target);
CREATE TABLE IF NOT EXISTS status_change (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL REFERENCES entity(id),
    at TEXT NOT NULL, actor TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL, note TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS entity_text USING fts5(
    slug, name_en, name_zh, summary_en, summary_zh, tags, tokenize = 'trigram'
);
"""
_COLUMNS = (
    "id, type, name_en, name_zh, summary_en, summary_zh, jurisdiction, url, "
    "start_date, end_date, stakeholder_kind, status, tags"
)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did: ids added, changed, and left as they were."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One change of a roadmap action's status: who, when (UTC, ISO 8601), from, to, and why."""

    action: str
    at: str
    actor: str
    from_status: str | None
    to_status: str
    note: str


class KnowledgeBase:
    """The knowledge base in the SQLite file ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
            found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if found is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(found[0]) > SCHEMA_VERSION:
                raise KnowledgeError(
                    f"{path} was written by a newer PM Bridge (schema {found[0]})",
                    hint="upgrade PM Bridge on this hub",
                )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise KnowledgeError(
                f"cannot open {self.path}: {exc}", hint="check the path and its permissions"
            ) from None
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            install_functions(db)
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    # --- reading -------------------------------------------------------------------------------

    def kinds(self) -> dict[str, EntityType]:
        """Every stored id with its kind."""
        with self._connect() as db:
            return {i: EntityType(t) for i, t in db.execute("SELECT id, type FROM entity")}

    def entities(self) -> list[Entity]:
        """Every stored entry, in id order."""
        with self._connect() as db:
            return _read_entities(db, "ORDER BY id", ())

    def entity(self, entity_id: str) -> Entity:
        """The entry ``entity_id``; UnknownEntry when there is none."""
        with self._connect() as db:
            found = _read_entities(db, "WHERE id = ?", (entity_id,))
        if not found:
            raise UnknownEntry(entity_id)
        return found[0]

    def find(self, ids: Sequence[str]) -> dict[str, Entity]:
        """The stored entries among ``ids``, by id (unknown ids are left out)."""
        with self._connect() as db:
            marks = ",".join("?" * len(ids))
            return {e.id: e for e in _read_entities(db, f"WHERE id IN ({marks})", tuple(ids))} if ids else {}

    def links(self) -> list[tuple[str, Link]]:
        """Every link as ``(source, link)``."""
        with self._connect() as db:
            rows = db.execute("SELECT source, relation, target FROM link ORDER BY source, relation, position")
            return [(s, Link(r, t)) for s, r, t in rows]

    def incoming(self, entity_id: str) -> list[tuple[str, Link]]:
        """The links that point at ``entity_id`` as ``(source, link)``."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT source, relation, target FROM link WHERE target = ? ORDER BY relation, source",
                (entity_id,),
            )
            return [(s, Link(r, t)) for s, r, t in rows]

    def search(self, query: SearchQuery) -> SearchResult:
        """Entries matching ``query`` (see ``_search``), with facet counts."""
        with self._connect() as db:
            return search(db, query)

    def meta(self, key: str) -> str | None:
        with self._connect() as db:
            found = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return None if found is None else str(found[0])

    def history(self, action_id: str) -> list[StatusChange]:
        """The status changes of ``action_id``, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT action, at, actor, from_status, to_status, note FROM status_change "
                "WHERE action = ? ORDER BY seq",
                (action_id,),
            )
            return [StatusChange(*row) for row in rows]

    def histories(self) -> dict[str, list[StatusChange]]:
        """Every action's status changes, by action, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT action, at, actor, from_status, to_status, note FROM status_change ORDER BY seq"
            )
            found: dict[str, list[StatusChange]] = {}
            for row in rows:
                found.setdefault(row[0], []).append(StatusChange(*row))
            return found

    # --- writing -------------------------------------------------------------------------------

    def check(self, paths: Sequence[Path]) -> Validation:
        """Validate files as an import would, links to stored entries included; writes nothing."""
        return load_files(paths, known=self.kinds())

    def import_files(self, paths: Sequence[Path], *, actor: str = "import") -> ImportSummary:
        """Validate ``paths`` and store their entries in one transaction; KnowledgeImportRejected if any
        problem (nothing is written then). Entries are replaced whole, their outgoing links included;
        entries not in the files stay. Importing the same files again changes nothing."""
        checked = self.check(paths)
        if not checked.ok:
            raise KnowledgeImportRejected([str(p) for p in checked.problems])
        return self.import_entities(checked.entities, actor=actor)

    def import_entities(self, entities: Sequence[Entity], *, actor: str = "import") -> ImportSummary:
        """Store already-validated ``entities`` atomically (links must resolve within them or the store)."""
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        with self._transaction() as db:
            before = {e.id: e for e in _read_entities(db, "", ())}
            now = _now()
            for entity in entities:
                old = before.get(entity.id)
                if old == entity:
                    unchanged.append(entity.id)
                    continue
                (added if old is None else updated).append(entity.id)
                _write(db, entity)
                if entity.status and (old is None or old.status != entity.status):
                    db.execute(
                        "INSERT INTO status_change (action, at, actor, from_status, to_status, note) "
                        "VALUES (?, ?, ?, ?, ?, '')",
                        (entity.id, now, actor, old.status if old else None, entity.status),
                    )
            dangling = db.execute(
                "SELECT source, target FROM link WHERE target NOT IN (SELECT id FROM entity) LIMIT 5"
            ).fetchall()
            if dangling:  # callers that skipped validation; the transaction rolls back
                raise KnowledgeImportRejected([f"{s}: link to unknown entry {t!r}" for s, t in dangling])
        return ImportSummary(tuple(added), tuple(updated), tuple(unchanged))

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def set_status(self, action_id: str, status: str, *, actor: str, note: str = "") -> StatusChange:
        """Move roadmap action ``action_id`` to ``status`` and record who did it, when and why."""
        if status not in ACTION_STATUSES:
            raise KnowledgeError(
                f"{status!r} is not an action status", hint=f"use one of {', '.join(ACTION_STATUSES)}"
            )
        if not actor.strip():
            raise KnowledgeError("a status change needs the steward's name", hint="say who makes the change")
        with self._transaction() as db:
            row = db.execute("SELECT type, status FROM entity WHERE id = ?", (action_id,)).fetchone()
            if row is None:
                raise UnknownEntry(action_id)
            if row[0] != EntityType.ACTION.value:
                raise KnowledgeError(
                    f"{action_id} is a {row[0]}, not a RoadmapAction",
                    hint="only roadmap actions have a status",
                )
            change = StatusChange(action_id, _now(), actor.strip(), row[1], status, note.strip())
            db.execute("UPDATE entity SET status = ? WHERE id = ?", (status, action_id))
            db.execute(
                "INSERT INTO status_change (action, at, actor, from_status, to_status, note) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (change.action, change.at, change.actor, change.from_status, change.to_status, change.note),
            )
        return change


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write(db: sqlite3.Connection, e: Entity) -> None:
    values = (
        e.id,
        e.type.value,
        e.name.en,
        e.name.zh,
        e.summary.en,
        e.summary.zh,
        e.jurisdiction,
        e.url,
        e.start_date,
        e.end_date,
        e.stakeholder_kind,
        e.status,
        json.dumps(list(e.tags), ensure_ascii=False),
    )
    # An upsert keeps the row's rowid, which is also its full-text row's id.
    rowid = db.execute(
        f"INSERT INTO entity ({_COLUMNS}) VALUES ({','.join('?' * len(values))}) "
        "ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:])
        + " RETURNING rowid",
        values,
    ).fetchone()[0]
    db.execute("DELETE FROM entity_text WHERE rowid = ?", (rowid,))
    db.execute(
        "INSERT INTO entity_text (rowid, slug, name_en, name_zh, summary_en, summary_zh, tags) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rowid, e.id, e.name.en, e.name.zh, e.summary.en, e.summary.zh, " | ".join(e.tags)),
    )
    db.execute("DELETE FROM link WHERE source = ?", (e.id,))
    db.executemany(
        "INSERT INTO link (source, relation, target, position) VALUES (?, ?, ?, ?)",
        [(e.id, link.relation, link.target, i) for i, link in enumerate(e.links)],
    )


def _read_entities(db: sqlite3.Connection, where: str, params: tuple[object, ...]) -> list[Entity]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM entity {where}", params).fetchall()
    links: dict[str, list[Link]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for source, relation, target in db.execute(
            f"SELECT source, relation, target FROM link WHERE source IN ({','.join('?' * len(chunk))}) "
            "ORDER BY source, position",
            chunk,
        ):
            links.setdefault(source, []).append(Link(relation, target))
    return [
        Entity(
            id=row[0],
            type=EntityType(row[1]),
            name=Bilingual(row[2], row[3]),
            summary=Bilingual(row[4], row[5]),
            jurisdiction=row[6],
            url=row[7],
            start_date=row[8],
            end_date=row[9],
            stakeholder_kind=row[10],
            status=row[11],
            tags=tuple(json.loads(row[12])),
            links=tuple(links.get(row[0], ())),
        )
        for row in rows
    ]
