"""A node's lake: one Delta table per store table, and ``_snapshot.json`` naming the files of each.

Readers trust the snapshot, never a directory listing: it is replaced in one ``os.replace``, so a
reader sees the tables of one whole publish or append, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pmbridge.errors import SchemaTooNew, StoreError

FORMAT = 1
"""The snapshot format this PM Bridge writes and reads; a lake of a newer one is refused."""
SNAPSHOT = "_snapshot.json"
LOCK = "_writer.lock"
STAGING = "_staging"
"""The lake's folder for a run's own bookkeeping (an append-vcf run's quarantine parts): the run
removes its folder; ``vacuum`` removes those a killed run left behind."""
ROW_GROUP_ROWS = 128 * 1024
"""Rows per Parquet row group: small enough that a point query reads a sliver of a table."""
FILE_ROW_GROUPS = 32
"""Row groups per Parquet file (about 4 M rows)."""
LOCK_WAIT = 30.0
"""Seconds a publish or append waits for another writer of the same lake before giving up."""
PUBLISH_HINT = "publish it with `pmbridge store publish --store node.duckdb --lake PATH`"


@dataclass(frozen=True, slots=True)
class Layout:
    """How a table's rows are laid out: directories by ``partition_by``, each file sorted by
    ``partition_by`` then ``sort_by`` (so row groups hold narrow ranges of those columns)."""

    partition_by: tuple[str, ...] = ()
    sort_by: tuple[str, ...] = ()


_VARIANT_KEY = ("position", "reference", "alternate")
LAYOUTS: Mapping[str, Layout] = MappingProxyType(
    {
        "variants": Layout(("assembly", "chromosome"), (*_VARIANT_KEY, "ind")),
        "allele_counts": Layout(("assembly", "chromosome"), (*_VARIANT_KEY, "dataset_id", "source")),
        "phenotype_ancestors": Layout((), ("ancestor", "ind")),
        "hpo_closure": Layout((), ("term", "ancestor")),
        "meta": Layout((), ("key",)),
        "datasets": Layout((), ("id",)),
    }
)
"""Layouts of the tables that are not simply sorted by ``ind`` (see :func:`layout_of`)."""


def layout_of(table: str, columns: tuple[str, ...]) -> Layout:
    """``table``'s layout; a table not named in :data:`LAYOUTS` is sorted by ``ind`` when it has one.

    >>> layout_of("variants", ()).partition_by
    ('assembly', 'chromosome')
    >>> layout_of("phenotypes", ("ind", "term")).sort_by
    ('ind',)
    """
    known = LAYOUTS.get(table)
    if known is not None:
        return known
    return Layout((), ("ind",) if "ind" in columns else ())


@dataclass(frozen=True, slots=True)
class LakeTable:
    """One table of a snapshot: its Delta version and its Parquet files (relative to the lake)."""

    delta_version: int
    files: tuple[str, ...]
    rows: int


@dataclass(frozen=True, slots=True)
class LakeSnapshot:
    """What a reader may read: for each table, exactly these files (all of one publish or append)."""

    lake: Path
    version: int
    tables: Mapping[str, LakeTable] = field(default_factory=dict)
    appends: int = 0
    """Appends since the last publish: rows the node's DuckDB file lacks, which a publish from it
    would drop (so it refuses, unless told to discard them)."""

    def files(self, table: str) -> tuple[str, ...]:
        """Absolute paths of ``table``'s Parquet files."""
        return tuple(str(self.lake / name) for name in self.table(table).files)

    def rows(self, table: str) -> int:
        return self.table(table).rows

    def table(self, table: str) -> LakeTable:
        found = self.tables.get(table)
        if found is None:
            raise StoreError(
                f"the lake at {self.lake} has no table {table!r}",
                hint=f"the store it was published from lacks it; {PUBLISH_HINT}",
            )
        return found

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "version": self.version,
            "appends": self.appends,
            "tables": {
                name: {"delta_version": t.delta_version, "rows": t.rows, "files": list(t.files)}
                for name, t in sorted(self.tables.items())
            },
        }


def read_snapshot(lake: Path, *, check_files: bool = True) -> LakeSnapshot:
    """The lake's current snapshot; with ``check_files``, every file it lists must exist."""
    path = lake / SNAPSHOT
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(
            f"no lake at {lake} (no {SNAPSHOT})", hint=f"check the path, or {PUBLISH_HINT}"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}", hint="check the lake's permissions") from exc
    snapshot = _parse(raw, lake)
    if check_files:
        for name, table in snapshot.tables.items():
            missing = [f for f in table.files if not (lake / f).is_file()]
            if missing:
                raise StoreError(
                    f"the lake at {lake} lists {len(missing)} missing file(s) of table {name!r}, "
                    f"e.g. {missing[0]}",
                    hint="a file was deleted by hand or a vacuum ran with too short a retention; "
                    "publish the store again",
                )
    return snapshot


def lake_tables(lake: Path) -> dict[str, tuple[str, ...]]:
    """Each table of the lake's current snapshot and its Parquet files (absolute paths), for an engine."""
    snapshot = read_snapshot(lake)
    return {name: snapshot.files(name) for name in snapshot.tables}


def _parse(raw: bytes, lake: Path) -> LakeSnapshot:
    unreadable = StoreError(
        f"{lake / SNAPSHOT} is not a lake snapshot PM Bridge can read",
        hint=f"restore the lake from a backup, or {PUBLISH_HINT}",
    )
    try:
        doc = json.loads(raw)
    except ValueError:
        raise unreadable from None
    if not isinstance(doc, dict) or not isinstance(doc.get("format"), int):
        raise unreadable
    if doc["format"] > FORMAT:
        raise SchemaTooNew(
            f"the lake at {lake} has format {doc['format']}, newer than this PM Bridge reads ({FORMAT})",
            hint="upgrade PM Bridge on this node, or publish the store again with this version",
        )
    try:
        tables = {
            str(name): LakeTable(
                delta_version=int(t["delta_version"]),
                files=tuple(str(f) for f in t["files"]),
                rows=int(t["rows"]),
            )
            for name, t in doc["tables"].items()
        }
        return LakeSnapshot(
            lake=lake,
            version=int(doc["version"]),
            tables=MappingProxyType(tables),
            appends=int(doc.get("appends", 0)),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise unreadable from None


def write_snapshot(snapshot: LakeSnapshot) -> None:
    """Replace the lake's snapshot in one step: a temporary file, fsynced, renamed over the old one."""
    lake = snapshot.lake
    temporary = lake / f"{SNAPSHOT}.{os.getpid()}.{time.time_ns()}.tmp"
    data = json.dumps(snapshot.to_json(), indent=1).encode()
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, lake / SNAPSHOT)
    _fsync_dir(lake)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (the directory entry, not only the file's bytes)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def writer_lock(lake: Path, *, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the lake's writer lock: one publish, append or vacuum at a time, across processes.

    Waits up to ``wait`` seconds; a writer that dies releases the lock with its file descriptor.
    """
    lake.mkdir(parents=True, exist_ok=True)
    fd = os.open(lake / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"another publish, append or vacuum of the lake at {lake} is running",
                        hint="wait for it to finish and retry (only one writer at a time)",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock
