"""The hub's record of trainings: one SQLite file (``trainings.sqlite`` in ``hub.state_dir``).

The hub writes a training when it starts one; the ServerApp, which runs beside the hub, writes each
round's progress per node and the final model into the same file; the hub's API and portal read it.
Everything in it has already passed the nodes' disclosure control: no row-level data ever reaches it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from pmbridge.errors import NotFound
from pmbridge.local_db import sqlite_transaction

TRAININGS_FILE: Final = "trainings.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trainings (
    id TEXT PRIMARY KEY, researcher TEXT NOT NULL, issuer TEXT NOT NULL, purpose TEXT NOT NULL,
    spec TEXT NOT NULL, nodes TEXT NOT NULL, state TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '',
    flower_run TEXT, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS trainings_by_researcher ON trainings(issuer, researcher, created);
CREATE TABLE IF NOT EXISTS rounds (
    training_id TEXT NOT NULL REFERENCES trainings(id), round INTEGER NOT NULL, node TEXT NOT NULL,
    stage TEXT NOT NULL, status TEXT NOT NULL, metrics TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (training_id, round, node, stage));
CREATE TABLE IF NOT EXISTS results (
    training_id TEXT PRIMARY KEY REFERENCES trainings(id), model TEXT NOT NULL, metrics TEXT NOT NULL,
    at TEXT NOT NULL);
"""
_HINT = "check that hub.state_dir is writable and not on a network share that breaks SQLite locks"


class TrainingState(StrEnum):
    STARTED = "started"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


NETWORK: Final = ""
"""The ``node`` of a round's row for the network's merged figures."""


@dataclass(frozen=True, slots=True)
class RoundRow:
    round: int
    node: str
    stage: str
    status: str
    metrics: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"round": self.round, "node": self.node or None, "stage": self.stage,
                "status": self.status, "metrics": dict(self.metrics)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Training:
    id: str
    researcher: str
    issuer: str
    purpose: str
    spec: Mapping[str, Any]
    nodes: tuple[str, ...]
    state: TrainingState
    detail: str
    created: str
    updated: str
    rounds: tuple[RoundRow, ...] = ()
    model: Mapping[str, Any] | None = None
    metrics: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "researcher": self.researcher,
            "purpose": self.purpose,
            "spec": dict(self.spec),
            "nodes": list(self.nodes),
            "state": self.state.value,
            "detail": self.detail,
            "created": self.created,
            "updated": self.updated,
            "rounds": [r.to_dict() for r in self.rounds],
            "model": None if self.model is None else dict(self.model),
            "metrics": None if self.metrics is None else dict(self.metrics),
        }


class TrainingRecord:
    """Opened per use (WAL), so the hub process and the ServerApp process can both write."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with sqlite_transaction(self.path, _SCHEMA, what="the training record", hint=_HINT) as con:
            yield con

    def create(
        self, *, id: str, researcher: str, issuer: str, purpose: str, spec: Mapping[str, Any],
        nodes: tuple[str, ...], now: datetime,
    ) -> None:  # fmt: skip
        stamp = _stamp(now)
        with self._db() as con:
            con.execute(
                "INSERT INTO trainings (id, researcher, issuer, purpose, spec, nodes, state, created, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (id, researcher, issuer, purpose, json.dumps(spec), json.dumps(list(nodes)),
                 TrainingState.STARTED.value, stamp, stamp),
            )  # fmt: skip

    def set_state(self, id: str, state: TrainingState, *, now: datetime, detail: str = "",
                  flower_run: int | None = None) -> None:  # fmt: skip
        with self._db() as con:
            con.execute(
                "UPDATE trainings SET state = ?, detail = ?, updated = ?, "
                "flower_run = coalesce(?, flower_run) WHERE id = ?",
                (state.value, detail, _stamp(now), None if flower_run is None else str(flower_run), id),
            )

    def add_round(self, id: str, row: RoundRow, *, now: datetime) -> None:
        """Record one node's (or the network's) figures of a round; a repeat replaces the row."""
        with self._db() as con:
            con.execute(
                "INSERT OR REPLACE INTO rounds VALUES (?, ?, ?, ?, ?, ?, ?)",
                (id, row.round, row.node, row.stage, row.status, json.dumps(dict(row.metrics)), _stamp(now)),
            )
            con.execute(
                "UPDATE trainings SET state = ?, updated = ? WHERE id = ? AND state = ?",
                (TrainingState.RUNNING.value, _stamp(now), id, TrainingState.STARTED.value),
            )

    def finish(self, id: str, *, model: Mapping[str, Any], metrics: Mapping[str, Any], now: datetime) -> None:
        with self._db() as con:
            con.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
                (id, json.dumps(dict(model)), json.dumps(dict(metrics)), _stamp(now)),
            )
            con.execute(
                "UPDATE trainings SET state = ?, updated = ? WHERE id = ?",
                (TrainingState.FINISHED.value, _stamp(now), id),
            )

    def get(self, id: str) -> Training:
        with self._db() as con:
            row = con.execute("SELECT * FROM trainings WHERE id = ?", (id,)).fetchone()
            if row is None:
                raise NotFound(
                    f"no training {id!r} on this hub", hint="list yours with GET /api/learning/trainings"
                )
            rounds = con.execute(
                "SELECT round, node, stage, status, metrics FROM rounds WHERE training_id = ? "
                "ORDER BY stage = 'evaluate', round, stage, node",
                (id,),
            ).fetchall()
            result = con.execute("SELECT model, metrics FROM results WHERE training_id = ?", (id,)).fetchone()
        return _training(row, rounds, result)

    def list_for(self, *, issuer: str, researcher: str, limit: int = 100) -> list[Training]:
        with self._db() as con:
            rows = con.execute(
                "SELECT * FROM trainings WHERE issuer = ? AND researcher = ? ORDER BY created DESC LIMIT ?",
                (issuer, researcher, limit),
            ).fetchall()
        return [_training(row, [], None) for row in rows]


def _training(
    row: tuple[Any, ...], rounds: list[tuple[Any, ...]], result: tuple[Any, ...] | None
) -> Training:
    id_, researcher, issuer, purpose, spec, nodes, state, detail, _flower, created, updated = row
    return Training(
        id=id_,
        researcher=researcher,
        issuer=issuer,
        purpose=purpose,
        spec=json.loads(spec),
        nodes=tuple(json.loads(nodes)),
        state=TrainingState(state),
        detail=detail,
        created=created,
        updated=updated,
        rounds=tuple(RoundRow(r, n, s, st, json.loads(m)) for r, n, s, st, m in rounds),
        model=None if result is None else json.loads(result[0]),
        metrics=None if result is None else json.loads(result[1]),
    )


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="seconds")
