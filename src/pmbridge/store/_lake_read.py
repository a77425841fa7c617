"""DuckDB over a lake: an in-memory database with one view per table over the Parquet files of the
lake's current snapshot (the small tables read into memory), moved to a new snapshot between
queries, never during one."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pmbridge.errors import StoreError
from pmbridge.store._compile import CompiledQuery
from pmbridge.store._engine import Dialect, Engine
from pmbridge.store._lake import SNAPSHOT, LakeSnapshot, read_snapshot
from pmbridge.store._store import NodeStore

Stamp = tuple[int, int, int]

RETRY_SECONDS = 5.0
"""How often a reader tries again to follow a new snapshot it could not read."""
log = logging.getLogger(__name__)

IN_MEMORY = frozenset({"datasets", "gene_loci", "hpo_closure", "individuals", "meta"})
"""Tables read into memory at each snapshot rather than read from Parquet by every query: small
(one row per person at most), and joined by nearly every statement, where decompressing a million
people's rows from Parquet for each query would cost more than the rest of a point query."""


def open_lake(lake: Path) -> NodeStore:
    """A read-only store over the lake at ``lake``, read by DuckDB in this process.

    Before each read the store looks at ``_snapshot.json`` (one ``stat``); when a publish or append
    replaced it, every view moves to the new snapshot in one transaction, and the store's version
    moves on, so no remembered answer outlives the data it was read from.
    """
    views = LakeViews(lake)
    return NodeStore(views.connection, path=lake, read_only=True, changed=views.refresh)


def open_lake_with(
    lake: Path, build: Callable[[LakeSnapshot], Engine], *, on_close: Callable[[], None] | None = None
) -> NodeStore:
    """A read-only store over the lake at ``lake``, read by the engine ``build`` makes for a snapshot
    (e.g. a :class:`~pmbridge.store._spark.SparkEngine` over the snapshot's files).

    Each new snapshot gets an engine of its own, swapped in whole: a query runs on one engine, so
    on one snapshot, even where the engine cannot swap all its tables in one transaction.
    ``on_close`` runs when the store is closed (e.g. to stop a Spark session).
    """
    engine = SnapshotEngine(lake, build)
    return NodeStore(
        None, path=lake, read_only=True, engine=engine, changed=engine.refresh, on_close=on_close
    )


class SnapshotWatch:
    """The lake's snapshot as last followed, and whether a new one replaced it since (one ``stat``)."""

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        self._lock = threading.Lock()
        self._stamp = _stamp(lake)
        self.snapshot = read_snapshot(lake)
        self._failed_at = -RETRY_SECONDS

    def moved(self, follow: Callable[[LakeSnapshot], None]) -> bool:
        """Call ``follow`` with the lake's new snapshot if it changed (once, however many threads
        notice it together); True when it did.

        A new snapshot that cannot be followed (a listed file missing or unreadable) leaves the
        reader on the one it has, which is logged and tried again every :data:`RETRY_SECONDS`: a
        broken publish neither stops the node nor leaves it on old data for good.
        """
        with self._lock:
            stamp = _stamp(self.lake)
            if stamp == self._stamp or time.monotonic() - self._failed_at < RETRY_SECONDS:
                return False
            try:
                snapshot = read_snapshot(self.lake)
                if snapshot == self.snapshot:  # the same content (a wiped and republished lake is not)
                    self._stamp = stamp
                    return False
                follow(snapshot)
            except (StoreError, duckdb.Error, OSError) as exc:
                self._failed_at = time.monotonic()
                log.warning("lake %s: staying on snapshot %s: %s", self.lake, self.snapshot.version, exc)
                return False
            self._stamp = stamp
            self.snapshot = snapshot
            self._failed_at = -RETRY_SECONDS
            return True


class SnapshotEngine:
    """Delegates to the engine built for the lake's current snapshot; :meth:`refresh` moves it on."""

    def __init__(self, lake: Path, build: Callable[[LakeSnapshot], Engine]) -> None:
        self.lake = lake
        self._build = build
        self._watch = SnapshotWatch(lake)
        self._current = build(self._watch.snapshot)

    @property
    def dialect(self) -> Dialect:
        return self._current.dialect

    def rows(self, compiled: CompiledQuery) -> list[tuple[Any, ...]]:
        return self._current.rows(compiled)

    def arrow(self, compiled: CompiledQuery) -> pa.Table:
        return self._current.arrow(compiled)

    @contextmanager
    def pinned(self) -> Iterator[Engine]:
        """The engine of the snapshot current now, for the whole read."""
        with self._current.pinned() as engine:
            yield engine

    def refresh(self) -> bool:
        """Build an engine for the lake's current snapshot if it changed; True when it did."""
        return self._watch.moved(self._follow)

    def _follow(self, snapshot: LakeSnapshot) -> None:
        self._current = self._build(snapshot)


class LakeViews:
    """The views over one lake, and the snapshot they show."""

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        self._watch = SnapshotWatch(lake)
        self.connection = duckdb.connect()
        # Footers and row-group statistics are read once per file, not once per query.
        self.connection.execute("SET parquet_metadata_cache = true")
        self._show(self._watch.snapshot)

    @property
    def snapshot(self) -> LakeSnapshot:
        return self._watch.snapshot

    def refresh(self) -> bool:
        """Move to the lake's current snapshot if it changed; True when it did."""
        return self._watch.moved(self._show)

    def _show(self, snapshot: LakeSnapshot) -> None:
        """Point every view at ``snapshot``'s files; a query binds all its views in one transaction,
        so it reads one snapshot whole."""
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            for name in sorted(snapshot.tables):
                files = ", ".join(_literal(f) for f in snapshot.files(name))
                kind = "TABLE" if name in IN_MEMORY else "VIEW"
                con.execute(
                    f'CREATE OR REPLACE {kind} "{name}" AS SELECT * FROM read_parquet([{files}], '
                    "hive_partitioning = false, binary_as_string = true)"
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _stamp(lake: Path) -> Stamp:
    """What changes when the snapshot file is replaced: its inode, size and modification time."""
    try:
        stat = os.stat(lake / SNAPSHOT)
    except FileNotFoundError:
        return (0, 0, 0)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _literal(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"
