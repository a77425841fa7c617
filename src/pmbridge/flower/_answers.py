"""What a node has answered in each training, kept on disk (``learning.sqlite`` beside its ledgers),
so that the limits on its releases survive a restart of its runner:

- a training (the hub's signed run id) runs as **one** Flower run: a second run under the same
  grant is refused;
- each round of each stage is answered for **one** global model: asked again with the same model,
  the node answers again (its noise is keyed, so the release is the same); asked with another model,
  it refuses, since a second, differently noised release of the same round is not in the node's
  privacy accounting.

The in-memory reply cache of the ClientApp saves the work; this book is what keeps the promise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pmbridge.errors import SignatureRejected
from pmbridge.local_db import open_sqlite

ANSWERS_FILE: Final = "learning.sqlite"
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS runs (training TEXT PRIMARY KEY, flower_run TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answered (
    training TEXT NOT NULL, stage TEXT NOT NULL, round INTEGER NOT NULL, model TEXT NOT NULL,
    PRIMARY KEY (training, stage, round)
);
CREATE TABLE IF NOT EXISTS audited (entry TEXT PRIMARY KEY);
"""
_HINT: Final = "the node's operator should check that the folder beside its store is writable"


class AnswerBook:
    """The node's record of its trainings' runs and answered rounds (SQLite, safe across processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def check(self, training: str, flower_run: int, stage: str, round_: int, model: str) -> None:
        """Record that ``training`` runs as ``flower_run`` and answers ``stage`` ``round_`` for the
        model with digest ``model``, or raise SignatureRejected if either contradicts the record."""
        with open_sqlite(self.path, _SCHEMA, what="the node's training record", hint=_HINT) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                # As text: Flower's run ids are unsigned 64-bit, beyond SQLite's signed INTEGER.
                db.execute("INSERT OR IGNORE INTO runs VALUES (?, ?)", (training, str(flower_run)))
                (bound,) = db.execute(
                    "SELECT flower_run FROM runs WHERE training = ?", (training,)
                ).fetchone()
                if bound != str(flower_run):
                    raise SignatureRejected(
                        "replayed",
                        f"training {training} already ran here as another Flower run; "
                        "a grant is good for one run",
                    )
                db.execute(
                    "INSERT OR IGNORE INTO answered VALUES (?, ?, ?, ?)", (training, stage, round_, model)
                )
                (first,) = db.execute(
                    "SELECT model FROM answered WHERE training = ? AND stage = ? AND round = ?",
                    (training, stage, round_),
                ).fetchone()
                if first != model:
                    raise SignatureRejected(
                        "replayed",
                        f"round {round_} ({stage}) of training {training} was answered for another model; "
                        "a node releases each round once",
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def first_time(self, entry: str) -> bool:
        """True the first time ``entry`` (e.g. a training's admission) is named here, ever: so an
        audit entry is written once, however often the question is asked or the runner restarts."""
        with open_sqlite(self.path, _SCHEMA, what="the node's training record", hint=_HINT) as db:
            added = db.execute("INSERT OR IGNORE INTO audited VALUES (?)", (entry,)).rowcount
            db.commit()
            return added == 1
