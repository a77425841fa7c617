"""Answers a store has already read, kept while its data stays the same: one question, one scan.

Keys carry the store's version, which changes with every write, so an answer is never served for
data it was not read from. Bounded by entries and by the member ids held (the memory that matters).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from pmbridge.store._cohorts import Members

MAX_ANSWERS: Final = 4096
"""Questions remembered per store."""
MAX_MEMBER_IDS: Final = 2_000_000
"""Member ids held across remembered answers (about 100 MB at worst); the oldest go first."""


@dataclass(frozen=True, slots=True)
class Counted:
    """Matching entries per dataset (datasets with none absent) and, when asked for, the
    individuals behind them (internal ids; they never leave the node).

    Shared between requests, so both are read-only views.
    """

    counts: Mapping[str, int]
    members: Mapping[str, frozenset[int]] | None = None

    @classmethod
    def of(cls, counts: Mapping[str, int], members: Members | None = None) -> Counted:
        return cls(
            MappingProxyType(dict(counts)), None if members is None else MappingProxyType(dict(members))
        )

    @property
    def weight(self) -> int:
        """Member ids held (at least 1, so a count-only answer still takes a place).

        >>> Counted.of({"a": 3}, {"a": frozenset({1, 2, 3})}).weight, Counted.of({"a": 3}).weight
        (3, 1)
        """
        return max(1, sum(len(ids) for ids in (self.members or {}).values()))


class AnswerCache:
    """A thread-safe least-recently-used map from a question to its :class:`Counted`.

    >>> cache = AnswerCache(max_entries=2, max_weight=10)
    >>> cache.put("q1", Counted.of({"a": 1}))
    >>> cache.put("q2", Counted.of({"a": 2}))
    >>> _ = cache.get("q1")  # q1 is now the most recent
    >>> cache.put("q3", Counted.of({"a": 3}))
    >>> cache.get("q2") is None, cache.get("q1").counts["a"], len(cache)
    (True, 1, 2)
    """

    def __init__(self, *, max_entries: int = MAX_ANSWERS, max_weight: int = MAX_MEMBER_IDS) -> None:
        self.max_entries = max_entries
        self.max_weight = max_weight
        self._entries: OrderedDict[Hashable, Counted] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Counted | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, answer: Counted) -> None:
        """Remember ``answer``; one heavier than the whole cache is not kept."""
        weight = answer.weight
        if weight > self.max_weight:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old.weight
            self._entries[key] = answer
            self._weight += weight
            while len(self._entries) > self.max_entries or self._weight > self.max_weight:
                _, dropped = self._entries.popitem(last=False)
                self._weight -= dropped.weight

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0
