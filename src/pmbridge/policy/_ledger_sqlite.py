"""The yearly distinct-people counters kept in a SQLite file beside the node's store.

SQLite rather than DuckDB because several node worker processes may admit batches at once:
``BEGIN IMMEDIATE`` serialises them, so two concurrent exports cannot both slip under a limit.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pmbridge.errors import LedgerBusy, StoreError
from pmbridge.policy._ledger import Admission, person_digest, plan_admission

BUSY_TIMEOUT_S = 5.0
"""How long an admission waits for another process's lock before failing with ``ledger_busy`` (503)."""

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exported_people (
    counter TEXT NOT NULL,
    year INTEGER NOT NULL,
    person TEXT NOT NULL,
    PRIMARY KEY (counter, year, person)
) WITHOUT ROWID
"""


class SqliteExportLedger:
    """Counters that survive restarts; one file per node (e.g. ``export_ledger.sqlite``)."""

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        self._timeout = timeout
        with self._connect() as db:
            db.execute(_SCHEMA)

    def admit(self, *, year: int, people: Collection[str], limits: Mapping[str, int | None]) -> Admission:
        digests = sorted({person_digest(p) for p in people})
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                present = {name: self._already(db, name, year, digests) for name in limits}
                counts = {name: self._count(db, name, year) for name in limits}
                admission = plan_admission(counts=counts, present=present, digests=digests, limits=limits)
                if admission.admitted:
                    db.executemany(
                        "INSERT OR IGNORE INTO exported_people VALUES (?, ?, ?)",
                        [(name, year, d) for name in limits for d in digests],
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return admission

    def totals(self, *, year: int) -> Mapping[str, int]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT counter, count(*) FROM exported_people WHERE year = ? "
                "GROUP BY counter ORDER BY counter",
                (year,),
            ).fetchall()
        return {str(name): int(n) for name, n in rows}

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection; any SQLite failure becomes an error that names the ledger, never its
        path (the message may leave in an HTTP reply); the path goes to the operator's log."""
        try:
            db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            yield db
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            db.close()

    def _error(self, exc: sqlite3.Error) -> StoreError:
        log.warning("export ledger %s failed: %s", self.path, exc)
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return LedgerBusy("export ledger", timeout=self._timeout)
        return StoreError(
            f"the export ledger failed: {exc}",
            hint="the operator should check that the node's folder is writable and the disk is sound "
            "(exports.sqlite beside the store); see the server log",
        )

    @staticmethod
    def _already(db: sqlite3.Connection, name: str, year: int, digests: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in db.execute(
                    "SELECT person FROM exported_people "
                    f"WHERE counter = ? AND year = ? AND person IN ({marks})",
                    (name, year, *chunk),
                )
            )
        return found

    @staticmethod
    def _count(db: sqlite3.Connection, name: str, year: int) -> int:
        row = db.execute(
            "SELECT count(*) FROM exported_people WHERE counter = ? AND year = ?", (name, year)
        ).fetchone()
        return int(row[0])
