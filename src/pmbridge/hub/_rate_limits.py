"""Rate limits as a pure core: a token bucket per client key, and a memory of requests already sent,
both in memory and both reading an injected clock, so tests step time instead of sleeping.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Final

Clock = Callable[[], float]
MAX_KEYS: Final = 10_000
"""Keys a limiter remembers; past it the least recently used goes (a forgotten key starts afresh)."""


@dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` requests at once, then ``per_minute`` more each minute; a burst of 0 turns it off."""

    burst: int
    per_minute: float

    @property
    def off(self) -> bool:
        return self.burst <= 0 or self.per_minute <= 0


class TokenBuckets:
    """One token bucket per key: a request takes a token; tokens come back at the rate's pace.

    >>> now = [0.0]
    >>> buckets = TokenBuckets(Rate(burst=2, per_minute=6), clock=lambda: now[0])
    >>> [buckets.take("ana") for _ in range(3)], buckets.take("ben")
    ([0.0, 0.0, 10.0], 0.0)
    >>> now[0] = 10.0; buckets.take("ana"), buckets.take("ana")
    (0.0, 10.0)
    """

    def __init__(self, rate: Rate, *, clock: Clock = time.monotonic, capacity: int = MAX_KEYS) -> None:
        self.rate = rate
        self._clock = clock
        self._capacity = capacity
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()  # tokens, when

    def take(self, key: Hashable) -> float:
        """0.0 when a request under ``key`` may go now (it takes a token); else the seconds until
        one may (nothing is taken)."""
        if self.rate.off:
            return 0.0
        now = self._clock()
        per_second = self.rate.per_minute / 60
        tokens, then = self._buckets.pop(key, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + max(now - then, 0.0) * per_second)
        wait = 0.0
        if tokens >= 1 - 1e-9:  # a client that waited exactly as told is not refused by rounding
            tokens = max(tokens - 1, 0.0)
        else:
            wait = (1 - tokens) / per_second
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._capacity:
            self._buckets.popitem(last=False)
        return wait


@dataclass(frozen=True, slots=True)
class Sent:
    """A request already sent under a key: how long ago, and what it was answered (its id; ``""``
    while it is still on its way)."""

    age: float
    answer: str

    @property
    def pending(self) -> bool:
        return not self.answer


class RecentRequests:
    """Which requests were sent in the last ``window`` seconds, so an identical one is refused.

    A request is claimed before it goes, so concurrent copies are refused too, and settled with
    its answer when it succeeds. A claim never settled (the request failed) lapses after
    ``pending`` seconds, so the request may be sent again.

    >>> now = [0.0]
    >>> recent = RecentRequests(window=60, pending=5, clock=lambda: now[0])
    >>> recent.claim("contact-1") is None, recent.claim("contact-1")
    (True, Sent(age=0.0, answer=''))
    >>> now[0] = 6.0; recent.claim("contact-1") is None  # the first one failed: it lapsed
    True
    >>> recent.settle("contact-1", "req-7"); now[0] = 36.0; recent.claim("contact-1")
    Sent(age=30.0, answer='req-7')
    >>> now[0] = 67.0; recent.claim("contact-1") is None
    True
    """

    def __init__(
        self, *, window: float, pending: float, clock: Clock = time.monotonic, capacity: int = MAX_KEYS
    ) -> None:
        self.window = window
        self.pending = pending
        self._clock = clock
        self._capacity = capacity
        self._sent: OrderedDict[Hashable, tuple[float, str]] = OrderedDict()  # when, answer

    def claim(self, key: Hashable) -> Sent | None:
        """None when no identical request went within the window (this one is now claimed); else
        the one that did."""
        if self.window <= 0:
            return None
        now = self._clock()
        found = self._sent.pop(key, None)
        if found is not None:
            when, answer = found
            lasts = self.window if answer else min(self.pending, self.window)
            if now - when < lasts:
                self._sent[key] = found
                return Sent(age=now - when, answer=answer)
        self._sent[key] = (now, "")
        while len(self._sent) > self._capacity:
            self._sent.popitem(last=False)
        return None

    def settle(self, key: Hashable, answer: str) -> None:
        """Keep what the claimed request under ``key`` was answered: identical ones are refused
        for the whole window from now on."""
        found = self._sent.get(key)
        if found is not None:
            self._sent[key] = (found[0], answer)

    def release(self, key: Hashable) -> None:
        """Forget the claim under ``key``: the request did not go."""
        self._sent.pop(key, None)

    def retry_after(self, sent: Sent) -> float:
        """Seconds until a request identical to ``sent`` may go."""
        return (self.window if sent.answer else min(self.pending, self.window)) - sent.age
