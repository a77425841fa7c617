"""The hub's record of Delphi studies: one SQLite file (``consensus.sqlite`` in ``hub.state_dir``).

Personal link tokens are kept only as sha256; ratings carry no time; the outbox holds each mail's
body (with its link) only until it is sent. Each step is one transaction (see _consensus_steps).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Final

from pmbridge.consensus import UNABLE, Item, ItemText, Protocol, Provenance, Rating, Score
from pmbridge.errors import StudyNotFound
from pmbridge.local_db import StateFile

CONSENSUS_FILE: Final = "consensus.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
    protocol TEXT NOT NULL, created TEXT NOT NULL, created_by TEXT NOT NULL,
    lock_snapshot TEXT, lock_digest TEXT, lock_audit_seq INTEGER, locked_at TEXT);
CREATE TABLE IF NOT EXISTS groups (
    study TEXT NOT NULL REFERENCES studies(id), id TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (study, id));
CREATE TABLE IF NOT EXISTS items (
    study TEXT NOT NULL REFERENCES studies(id), id TEXT NOT NULL, texts TEXT NOT NULL,
    links TEXT NOT NULL, added_in_round INTEGER NOT NULL, source TEXT NOT NULL,
    position INTEGER NOT NULL, PRIMARY KEY (study, id));
CREATE TABLE IF NOT EXISTS panellists (
    id TEXT PRIMARY KEY, study TEXT NOT NULL REFERENCES studies(id), name TEXT NOT NULL,
    email TEXT NOT NULL, grp TEXT NOT NULL, language TEXT NOT NULL, created TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS panellists_by_study ON panellists(study);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, panellist TEXT NOT NULL REFERENCES panellists(id), created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (
    study TEXT NOT NULL REFERENCES studies(id), round INTEGER NOT NULL, state TEXT NOT NULL,
    opens TEXT NOT NULL, closes TEXT NOT NULL, items TEXT NOT NULL, results TEXT,
    PRIMARY KEY (study, round));
CREATE TABLE IF NOT EXISTS invitations (
    study TEXT NOT NULL, round INTEGER NOT NULL, panellist TEXT NOT NULL REFERENCES panellists(id),
    responded INTEGER NOT NULL DEFAULT 0, reminders INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (study, round, panellist));
CREATE TABLE IF NOT EXISTS ratings (
    study TEXT NOT NULL, round INTEGER NOT NULL, panellist TEXT NOT NULL REFERENCES panellists(id),
    item TEXT NOT NULL, score TEXT NOT NULL, PRIMARY KEY (study, round, panellist, item));
CREATE TABLE IF NOT EXISTS comments (
    id TEXT PRIMARY KEY, study TEXT NOT NULL, round INTEGER NOT NULL, item TEXT NOT NULL,
    panellist TEXT NOT NULL REFERENCES panellists(id), language TEXT NOT NULL, text TEXT NOT NULL,
    translations TEXT NOT NULL DEFAULT '{}', sort_key TEXT NOT NULL,
    UNIQUE (study, round, item, panellist));
CREATE TABLE IF NOT EXISTS proposals (
    id TEXT PRIMARY KEY, study TEXT NOT NULL, round INTEGER NOT NULL,
    panellist TEXT NOT NULL REFERENCES panellists(id), text TEXT NOT NULL, language TEXT NOT NULL,
    sort_key TEXT NOT NULL, item TEXT);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, study TEXT NOT NULL, panellist TEXT, kind TEXT NOT NULL,
    language TEXT NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
    created TEXT NOT NULL, mail TEXT NOT NULL DEFAULT 'pending', tries INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '', last_try TEXT);
CREATE INDEX IF NOT EXISTS outbox_by_panellist ON outbox(panellist, created);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(mail);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, study TEXT NOT NULL, step TEXT NOT NULL,
    actor TEXT NOT NULL, at TEXT NOT NULL, audit_seq INTEGER NOT NULL);
"""


class ConsensusStore(StateFile):
    """Open per call, like the access store: the file is small and WAL lets readers in."""

    schema = _SCHEMA
    what = "the consensus-study store"
    hint = "check that hub.state_dir is writable and the file is not damaged"


@dataclass(frozen=True, slots=True)
class StudyRecord:
    """A study's own row; ``protocol`` as stored (after the lock, the snapshot's decides)."""

    id: str
    state: str
    title: dict[str, str]
    description: dict[str, str]
    protocol: Protocol
    created: str
    created_by: str
    lock_snapshot: str | None
    lock_digest: str | None
    lock_audit_seq: int | None
    locked_at: str | None


@dataclass(frozen=True, slots=True)
class RoundRecord:
    round: int
    state: str
    opens: str
    closes: str
    items: tuple[str, ...]
    results: dict[str, object] | None


@dataclass(frozen=True, slots=True)
class Panellist:
    id: str
    study: str
    name: str
    email: str
    group: str
    language: str


def load_study(con: sqlite3.Connection, study_id: str) -> StudyRecord:
    row = con.execute(
        "SELECT id, state, title, description, protocol, created, created_by, lock_snapshot, "
        "lock_digest, lock_audit_seq, locked_at FROM studies WHERE id = ?",
        (study_id,),
    ).fetchone()
    if row is None:
        raise StudyNotFound(
            f"no consensus study {study_id!r}", hint="list the studies: GET /api/consensus/studies"
        )
    return StudyRecord(
        row[0],
        row[1],
        json.loads(row[2]),
        json.loads(row[3]),
        Protocol.from_json(json.loads(row[4])),
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
    )


def study_ids(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT id FROM studies ORDER BY created DESC, id")]


def groups_of(con: sqlite3.Connection, study_id: str) -> list[dict[str, object]]:
    rows = con.execute("SELECT id, name FROM groups WHERE study = ? ORDER BY id", (study_id,))
    return [{"id": r[0], "name": json.loads(r[1])} for r in rows]


def items_of(con: sqlite3.Connection, study_id: str) -> list[Item]:
    rows = con.execute(
        "SELECT id, texts, links, added_in_round, source FROM items WHERE study = ? ORDER BY position",
        (study_id,),
    )
    return [
        Item(
            r[0],
            {lang: ItemText(t["text"], Provenance(t["provenance"])) for lang, t in json.loads(r[1]).items()},
            tuple(json.loads(r[2])),
            r[3],
            r[4],
        )
        for r in rows
    ]


def rounds_of(con: sqlite3.Connection, study_id: str) -> list[RoundRecord]:
    rows = con.execute(
        "SELECT round, state, opens, closes, items, results FROM rounds WHERE study = ? ORDER BY round",
        (study_id,),
    )
    return [
        RoundRecord(
            r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), None if r[5] is None else json.loads(r[5])
        )
        for r in rows
    ]


def panellists_of(con: sqlite3.Connection, study_id: str) -> list[Panellist]:
    rows = con.execute(
        "SELECT id, study, name, email, grp, language "
        "FROM panellists WHERE study = ? ORDER BY created, rowid",
        (study_id,),
    )
    return [Panellist(*r) for r in rows]


def score_text(score: Score) -> str:
    return "unable" if score is UNABLE else str(score)


def score_of(text: str) -> Score:
    return UNABLE if text == "unable" else int(text)


def round_ratings(con: sqlite3.Connection, study_id: str, round_: int) -> list[Rating]:
    """The round's ratings by the panellists who submitted it (internal ids), as results count them."""
    rows = con.execute(
        "SELECT r.panellist, p.grp, r.item, r.score FROM ratings r "
        "JOIN panellists p ON p.id = r.panellist "
        "JOIN invitations i ON i.study = r.study AND i.round = r.round AND i.panellist = r.panellist "
        "WHERE r.study = ? AND r.round = ? AND i.responded = 1 ORDER BY r.item, r.panellist",
        (study_id, round_),
    )
    return [Rating(r[0], r[1], r[2], round_, score_of(r[3])) for r in rows]
