"""A small SQLite file beside a service's other state (a node's contact inbox and attachment
index, the hub's access requests): opened per use in WAL mode, so a CLI can read while the service
writes, with its schema ensured and every SQLite failure turned into one clear ``StoreError``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import ClassVar

from pmbridge.errors import StoreError


@contextmanager
def open_sqlite(path: Path, schema: str, *, what: str, hint: str) -> Iterator[sqlite3.Connection]:
    """A connection to ``path`` with ``schema`` (statements run as a script) in place.

    ``what`` names the file in errors ("the contact inbox"), ``hint`` says what to check.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=10)) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(schema)
            yield con
    except sqlite3.Error as exc:
        raise StoreError(f"{what} {path} cannot be used: {exc}", hint=hint) from exc


@contextmanager
def sqlite_transaction(path: Path, schema: str, *, what: str, hint: str) -> Iterator[sqlite3.Connection]:
    """A connection as :func:`open_sqlite` gives it, inside one transaction: committed when the block
    ends, rolled back when it raises; SQLite failures become ``StoreError``."""
    with open_sqlite(path, schema, what=what, hint=hint) as con, con:
        yield con


class StateFile:
    """A service's SQLite state file opened per use (one transaction each), its schema in place from
    the first open: ``schema`` and ``what`` name it, ``hint`` says what to check when it fails."""

    schema: ClassVar[str]
    what: ClassVar[str]
    hint: ClassVar[str] = "check that the state folder is writable and the file is not damaged"

    def __init__(self, path: Path) -> None:
        self.path = path
        with self.connect():
            pass

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction (committed on success, rolled back on error)."""
        with sqlite_transaction(
            self.path, "PRAGMA foreign_keys=ON;\n" + self.schema, what=self.what, hint=self.hint
        ) as con:
            yield con
