"""The privacy ledger in a SQLite file beside the node's store or the hub's config (privacy.sqlite).

SQLite rather than DuckDB: the ledger is a few small rows written one at a time, possibly by
several worker processes, and SQLite's write lock (BEGIN IMMEDIATE) makes each check-and-write
atomic across processes, where a DuckDB file admits one writing process only.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pmbridge.errors import LedgerBusy, SchemaTooNew, StoreError
from pmbridge.privacy._differencing import Cohort, differencing_conflict, pack_cohort, unpack_cohort
from pmbridge.privacy._ledger import budget_refusal
from pmbridge.privacy._ledger_types import NANO, CachedCount, NoiseKey, to_nano
from pmbridge.privacy._recall import CohortScope, Recalled, Remembered, cohort_sketch, nearest_release

SCHEMA_VERSION = 2
"""1: budget, noise cache, cohort history. 2 adds the releases remembered by cohort (same people,
same answer) and the ledger's secret; a version 1 file is upgraded in place on opening."""

BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another process's lock before the request fails with ``ledger_busy``
(503): each transaction takes milliseconds, so a longer wait means something is stuck."""

log = logging.getLogger(__name__)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS budget (
        researcher TEXT NOT NULL, dataset TEXT NOT NULL, year INTEGER NOT NULL,
        spent_nano INTEGER NOT NULL, PRIMARY KEY (researcher, dataset, year))""",
    """CREATE TABLE IF NOT EXISTS noise_cache (
        researcher TEXT NOT NULL, dataset TEXT NOT NULL, digest TEXT NOT NULL,
        exact INTEGER NOT NULL, value INTEGER NOT NULL, epsilon REAL NOT NULL, year INTEGER NOT NULL,
        PRIMARY KEY (researcher, dataset, digest))""",
    """CREATE TABLE IF NOT EXISTS cohorts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, researcher TEXT NOT NULL, query TEXT NOT NULL,
        size INTEGER NOT NULL, members BLOB NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS cohorts_by_size ON cohorts (researcher, size)",
    """CREATE TABLE IF NOT EXISTS releases (
        id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, question TEXT NOT NULL,
        size INTEGER NOT NULL, sketch BLOB NOT NULL, members BLOB NOT NULL, exact INTEGER NOT NULL,
        value INTEGER NOT NULL, epsilon REAL NOT NULL, year INTEGER NOT NULL, how TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS releases_by_size ON releases (scope, size)",
    "CREATE TABLE IF NOT EXISTS secret (id INTEGER PRIMARY KEY CHECK (id = 1), value BLOB NOT NULL)",
)


class SqliteLedger:
    """A :class:`~pmbridge.privacy.PrivacyLedger` in one SQLite file, safe across threads and processes.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ledger = SqliteLedger(pathlib.Path(d) / "privacy.sqlite")
    ...     ledger.spent("alice", "ds1", 2025)
    ...     ledger.close()
    0.0
    """

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = path
        self.timeout = timeout
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise _open_error(path, exc) from exc
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._write() as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise SchemaTooNew(
                        f"{path} has privacy ledger schema {version}; this PM Bridge reads up to "
                        f"{SCHEMA_VERSION}",
                        hint="upgrade PM Bridge on this node or hub",
                    )
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute("INSERT OR IGNORE INTO secret VALUES (1, ?)", (os.urandom(32),))
                self._secret = bytes(db.execute("SELECT value FROM secret").fetchone()[0])
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self._db.close()
            raise _open_error(path, exc) from exc
        except BaseException:
            self._db.close()
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding SQLite's write lock from its first statement."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        try:
            with self._lock:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(self.path, exc, timeout=self.timeout) from exc

    def spent(self, researcher: str, dataset: str, year: int) -> float:
        rows = self._read(
            "SELECT spent_nano FROM budget WHERE researcher = ? AND dataset = ? AND year = ?",
            (researcher, dataset, year),
        )
        return int(rows[0][0]) / NANO if rows else 0.0  # type: ignore[call-overload]

    def spending(self, researcher: str, year: int) -> Mapping[str, float]:
        rows = self._read(
            "SELECT dataset, spent_nano FROM budget WHERE researcher = ? AND year = ? ORDER BY dataset",
            (researcher, year),
        )
        return {str(ds): int(nano) / NANO for ds, nano in rows}  # type: ignore[call-overload]

    def cached(self, key: NoiseKey) -> CachedCount | None:
        rows = self._read(
            "SELECT exact, value, epsilon, year FROM noise_cache "
            "WHERE researcher = ? AND dataset = ? AND digest = ?",
            (key.researcher, key.dataset, key.digest),
        )
        return CachedCount(*rows[0]) if rows else None  # type: ignore[arg-type]

    def settle(self, key: NoiseKey, draw: CachedCount, *, budget: float) -> CachedCount:
        try:
            with self._write() as db:
                row = db.execute(
                    "SELECT exact, value, epsilon, year FROM noise_cache "
                    "WHERE researcher = ? AND dataset = ? AND digest = ?",
                    (key.researcher, key.dataset, key.digest),
                ).fetchone()
                if row is not None and row[0] == draw.exact:
                    return CachedCount(*row)
                _charge(db, key, draw, budget=budget)
                db.execute(
                    "INSERT OR REPLACE INTO noise_cache VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        key.researcher,
                        key.dataset,
                        key.digest,
                        draw.exact,
                        draw.value,
                        draw.epsilon,
                        draw.year,
                    ),
                )
                return draw
        except sqlite3.Error as exc:
            raise _store_error(self.path, exc, timeout=self.timeout) from exc

    def secret(self) -> bytes:
        return self._secret

    def recall(self, scope: CohortScope, cohort: Cohort, *, within: int) -> Recalled | None:
        rows = self._read(_NEAR, (scope.key, len(cohort) - within, len(cohort) + within))
        return nearest_release(cohort, _remembered(rows), within=within)

    def settle_cohort(
        self,
        scope: CohortScope,
        cohort: Cohort,
        *,
        question: str,
        draw: CachedCount | None,
        within: int,
        keep: int,
        budget: float | None,
    ) -> Recalled | None:
        try:
            with self._write() as db:
                rows = db.execute(_NEAR, (scope.key, len(cohort) - within, len(cohort) + within)).fetchall()
                earlier = nearest_release(cohort, _remembered(rows), within=within)
                if earlier is not None or draw is None:
                    return earlier
                if budget is not None and draw.epsilon > 0:
                    _charge(db, NoiseKey(scope.account, scope.dataset, question), draw, budget=budget)
                if keep > 0 and cohort:
                    db.execute(
                        "INSERT INTO releases (scope, question, size, sketch, members, exact, value, "
                        "epsilon, year, how) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            scope.key,
                            question,
                            len(cohort),
                            cohort_sketch(cohort),
                            pack_cohort(cohort),
                            draw.exact,
                            draw.value,
                            draw.epsilon,
                            draw.year,
                            draw.how,
                        ),
                    )
                    db.execute(
                        "DELETE FROM releases WHERE scope = ? AND id NOT IN "
                        "(SELECT id FROM releases WHERE scope = ? ORDER BY id DESC LIMIT ?)",
                        (scope.key, scope.key, keep),
                    )
                return Recalled(draw, question, fresh=True)
        except sqlite3.Error as exc:
            raise _store_error(self.path, exc, timeout=self.timeout) from exc

    def admit_cohort(
        self, researcher: str, cohort: Cohort, *, query: str, min_count: int, keep: int, remember: bool
    ) -> int | None:
        try:
            with self._write() as db:
                rows = db.execute(
                    "SELECT query, members FROM cohorts WHERE researcher = ? AND size > ? AND size < ?",
                    (researcher, len(cohort) - min_count, len(cohort) + min_count),
                ).fetchall()
                near = [(q, unpack_cohort(blob)) for q, blob in rows]
                conflict = differencing_conflict(
                    cohort, (c for q, c in near if q != query), min_count=min_count
                )
                if conflict is None and remember and keep > 0 and (query, cohort) not in near:
                    db.execute(
                        "INSERT INTO cohorts (researcher, query, size, members) VALUES (?, ?, ?, ?)",
                        (researcher, query, len(cohort), pack_cohort(cohort)),
                    )
                    db.execute(
                        "DELETE FROM cohorts WHERE researcher = ? AND id NOT IN "
                        "(SELECT id FROM cohorts WHERE researcher = ? ORDER BY id DESC LIMIT ?)",
                        (researcher, researcher, keep),
                    )
                return conflict
        except sqlite3.Error as exc:
            raise _store_error(self.path, exc, timeout=self.timeout) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _charge(db: sqlite3.Connection, key: NoiseKey, draw: CachedCount, *, budget: float) -> None:
    """Inside a write transaction: charge ``draw.epsilon`` to the key's researcher and dataset in the
    draw's year, or raise :class:`~pmbridge.errors.BudgetExhausted` having changed nothing."""
    account = (key.researcher, key.dataset, draw.year)
    spent = db.execute(
        "SELECT spent_nano FROM budget WHERE researcher = ? AND dataset = ? AND year = ?", account
    ).fetchone()
    budget_refusal(
        key, year=draw.year, spent_nano=int(spent[0]) if spent else 0, budget=budget, epsilon=draw.epsilon
    )
    db.execute(
        "INSERT INTO budget VALUES (?, ?, ?, ?) ON CONFLICT (researcher, dataset, year) "
        "DO UPDATE SET spent_nano = spent_nano + excluded.spent_nano",
        (*account, to_nano(draw.epsilon)),
    )


_NEAR = (
    "SELECT question, size, sketch, members, exact, value, epsilon, year, how FROM releases "
    "WHERE scope = ? AND size > ? AND size < ? ORDER BY id"
)


def _remembered(rows: list[tuple[object, ...]]) -> list[Remembered]:
    """Rows of :data:`_NEAR` as releases whose members are unpacked only if their sketch is near."""
    return [
        Remembered(str(q), int(size), sketch, functools.partial(unpack_cohort, blob), CachedCount(*rest))  # type: ignore[arg-type]
        for q, size, sketch, blob, *rest in rows
        if isinstance(blob, bytes) and isinstance(sketch, bytes) and isinstance(size, int)
    ]


def _store_error(path: Path, exc: sqlite3.Error, *, timeout: float) -> StoreError:
    """The error a caller sees for a failed ledger call: it names the ledger, never its path (the
    message may leave in an HTTP reply); the path goes to the operator's log."""
    log.warning("privacy ledger %s failed: %s", path, exc)
    if is_busy(exc):
        return LedgerBusy("privacy ledger", timeout=timeout)
    return StoreError(
        f"the privacy ledger failed: {exc}",
        hint="the operator should check the disk and the ledger file (privacy.sqlite); see the server log",
    )


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for another connection's lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _open_error(path: Path, exc: sqlite3.Error) -> StoreError:
    return StoreError(
        f"cannot open the privacy ledger {path}: {exc}",
        hint="check that the folder exists and is writable, and that the file is a SQLite file",
    )
