"""Weighted choice over a fixed table, and the seeded random streams every draw comes from.

The cumulative table is built once, so a draw in the hot loop is one ``random()`` and a bisect.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

from pmbridge.errors import ConfigError

T = TypeVar("T")


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that is the same in every process and Python run.

    Python's ``hash`` of a string changes per process, which would break determinism across
    worker processes; BLAKE2 does not.

    >>> stable_hash("FBXL4") == stable_hash("FBXL4")
    True
    >>> stable_hash("a", 1) != stable_hash("a", 2)
    True
    """
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def individual_rng(base: int, index: int) -> random.Random:
    """The random stream of individual ``index`` in a cohort whose seed hashes to ``base``.

    Each individual has its own stream, so any index range can be generated on its own (by
    another worker) and still give the same individuals.

    >>> individual_rng(7, 3).random() == individual_rng(7, 3).random()
    True
    """
    return random.Random((base << 40) | index)


@dataclass(frozen=True, slots=True)
class WeightedChoice(Generic[T]):
    """Items with weights, drawn in proportion to their weight.

    >>> table = WeightedChoice.of([("a", 1.0), ("b", 3.0)])
    >>> rng = random.Random(0)
    >>> sorted({table.pick(rng) for _ in range(50)})
    ['a', 'b']
    """

    items: tuple[T, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, float]]) -> WeightedChoice[T]:
        """A table from ``(item, weight)`` pairs; weights need not sum to one."""
        kept = [(item, weight) for item, weight in pairs if weight > 0]
        if not kept:
            raise ConfigError(
                "a weighted table has no item with a positive weight",
                hint="give at least one item a weight above zero",
            )
        return cls(
            items=tuple(item for item, _ in kept),
            cumulative=tuple(accumulate(weight for _, weight in kept)),
        )

    @property
    def total(self) -> float:
        """The sum of all weights."""
        return self.cumulative[-1]

    def share(self, item: T) -> float:
        """The probability of drawing ``item`` (0 when absent).

        >>> WeightedChoice.of([("a", 1.0), ("b", 3.0)]).share("b")
        0.75
        """
        previous = 0.0
        for candidate, upto in zip(self.items, self.cumulative, strict=True):
            if candidate == item:
                return (upto - previous) / self.total
            previous = upto
        return 0.0

    def pick(self, rng: random.Random) -> T:
        """One item, drawn with probability proportional to its weight."""
        position = bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(position, len(self.items) - 1)]
