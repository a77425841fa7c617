"""Nonces seen within the clock-skew window, kept in a SQLite file so replay protection survives a
restart (or a kill) of the node and holds across processes that serve the same node.

One ``INSERT`` per accepted request into a table keyed by (key id, nonce): the primary key makes
"seen before?" and "remember it" one atomic step, even between processes. Rows are pruned once
their request would be stale anyway. WAL with ``synchronous=NORMAL``: a killed process loses
nothing; a power cut may lose the last few nonces, which a restart's own duration (longer than the
skew window on real hardware) usually covers.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from pmbridge.errors import ConfigError, LedgerBusy, SignatureRejected, StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 5.0
# No index on ``created``: pruning scans a table of one window's requests every half window, which
# costs less than a second index page written on every request.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS seen_nonce (key_id TEXT NOT NULL, nonce TEXT NOT NULL,"
    " created INTEGER NOT NULL, PRIMARY KEY (key_id, nonce)) WITHOUT ROWID",
)


class PersistentReplayCache:
    """A :class:`~pmbridge.signing.ReplayCache` that remembers in ``path`` (created on first use).

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     cache = PersistentReplayCache(pathlib.Path(d) / "nonces.sqlite", window_seconds=30)
    ...     cache.check_and_remember("k", "n1", created=100, now=100.0)
    ...     cache.close()
    ...     again = PersistentReplayCache(pathlib.Path(d) / "nonces.sqlite", window_seconds=30)
    ...     again.check_and_remember("k", "n1", created=100, now=101.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pmbridge.errors.SignatureRejected: signature rejected (replayed): ...
    """

    def __init__(self, path: Path, *, window_seconds: float, timeout: float = BUSY_TIMEOUT_S) -> None:
        if window_seconds <= 0:
            raise ConfigError(
                "the replay cache's window_seconds must be positive",
                hint="use the clock-skew window in seconds",
            )
        self.path = path
        self.window_seconds = window_seconds
        self.timeout = timeout
        self._lock = threading.Lock()
        self._next_prune = float("-inf")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise _open_error(path, exc) from exc
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                self._db.execute(statement)
        except sqlite3.Error as exc:
            self._db.close()
            raise _open_error(path, exc) from exc

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM seen_nonce").fetchone()[0])

    def check_and_remember(self, key_id: str, nonce: str, *, created: int, now: float) -> None:
        """Record the nonce, or raise ``SignatureRejected("replayed")`` if any process recorded it."""
        try:
            with self._lock:
                if now >= self._next_prune:
                    # A nonce signed at t passes the freshness check only until t + window.
                    self._db.execute("DELETE FROM seen_nonce WHERE created < ?", (now - self.window_seconds,))
                    self._next_prune = now + self.window_seconds / 2
                self._db.execute("INSERT INTO seen_nonce VALUES (?, ?, ?)", (key_id, nonce, created))
        except sqlite3.IntegrityError:
            raise SignatureRejected(
                "replayed",
                f"nonce {nonce!r} of key {key_id} was already used at created={created}",
                key_id=key_id,
                hint="sign every request afresh; a signed request is good for one use",
            ) from None
        except sqlite3.Error as exc:
            log.warning("replay ledger %s failed: %s", self.path, exc)
            if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise LedgerBusy("replay ledger", timeout=self.timeout) from exc
            raise StoreError(
                f"the replay ledger failed: {exc}",
                hint="the operator should check the disk and the node's nonces.sqlite; see the server log",
            ) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _open_error(path: Path, exc: Exception) -> StoreError:
    return StoreError(
        f"cannot open the replay ledger {path}: {exc}",
        hint="check that the folder is writable and the file is SQLite; if it is damaged, stop the "
        "node, wait out the clock-skew window, then delete it",
    )
