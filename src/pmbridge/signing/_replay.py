"""Nonces seen within the clock-skew window, so a captured signed request cannot be sent twice.

Memory is bounded without opening a gap: when the cache is full the oldest nonce is forgotten and
its ``created`` time becomes a floor; anything signed at or before the floor is refused, because
the cache can no longer prove it is new. Legitimate traffic never gets near the floor unless more
than ``max_entries`` requests arrive within one window.
"""

from __future__ import annotations

import heapq
import threading
from typing import Protocol

from pmbridge.errors import ConfigError, SignatureRejected


class ReplayGuard(Protocol):
    """Where a verifier remembers nonces: in memory (:class:`ReplayCache`) or in a file that
    survives restarts (:class:`~pmbridge.signing.PersistentReplayCache`)."""

    @property
    def window_seconds(self) -> float: ...

    def check_and_remember(self, key_id: str, nonce: str, *, created: int, now: float) -> None: ...

    def close(self) -> None: ...


class ReplayCache:
    """Thread-safe set of (key id, nonce) pairs, each kept until its signature is stale anyway.

    >>> cache = ReplayCache(window_seconds=30)
    >>> cache.check_and_remember("k", "n1", created=100, now=100.0)
    >>> cache.check_and_remember("k", "n1", created=100, now=101.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pmbridge.errors.SignatureRejected: signature rejected (replayed): ...
    """

    def __init__(self, *, window_seconds: float, max_entries: int = 100_000) -> None:
        if window_seconds <= 0 or max_entries <= 0:
            raise ConfigError(
                "the replay cache's window_seconds and max_entries must be positive",
                hint="use the clock-skew window in seconds and a cache size such as 100000",
            )
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._seen: set[tuple[str, str]] = set()
        self._by_age: list[tuple[int, str, str]] = []
        self._floor: int | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)

    def check_and_remember(self, key_id: str, nonce: str, *, created: int, now: float) -> None:
        """Record the nonce, or raise ``SignatureRejected("replayed")`` if it was seen (or may have been)."""
        entry = (key_id, nonce)
        with self._lock:
            self._expire(now)
            if entry in self._seen:
                raise SignatureRejected(
                    "replayed",
                    f"nonce {nonce!r} of key {key_id} was already used at created={created}",
                    key_id=key_id,
                    hint="sign every request afresh; a signed request is good for one use",
                )
            if self._floor is not None and created <= self._floor:
                raise SignatureRejected(
                    "replayed",
                    f"signed at {created}, before the replay cache's floor {self._floor} (cache full)",
                    key_id=key_id,
                    hint="retry with a fresh signature; raise the replay cache size if this repeats",
                )
            self._seen.add(entry)
            heapq.heappush(self._by_age, (created, key_id, nonce))
            while len(self._seen) > self.max_entries:
                oldest, *pair = heapq.heappop(self._by_age)
                self._seen.discard((pair[0], pair[1]))
                self._floor = oldest if self._floor is None else max(self._floor, oldest)

    def close(self) -> None:
        """Nothing to release: the cache lives and dies with the process."""

    def _expire(self, now: float) -> None:
        # A nonce signed at t can only pass the freshness check until t + window: then forget it.
        while self._by_age and self._by_age[0][0] + self.window_seconds < now:
            _, key_id, nonce = heapq.heappop(self._by_age)
            self._seen.discard((key_id, nonce))
