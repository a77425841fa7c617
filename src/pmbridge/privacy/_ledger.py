"""What disclosure control remembers: ε spent, noisy answers given, cohorts released.

One protocol, two implementations (in memory, and a SQLite file per node or hub); each
operation that checks and then writes does both atomically, so concurrent requests cannot
slip two noisy draws or two near-identical cohorts past the rules.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict, deque
from collections.abc import Mapping
from typing import Protocol

from pmbridge.errors import BudgetExhausted
from pmbridge.privacy._differencing import Cohort, differencing_conflict
from pmbridge.privacy._ledger_types import NANO, CachedCount, NoiseKey, to_nano
from pmbridge.privacy._recall import CohortScope, Recalled, Remembered, nearest_release, remembered


class PrivacyLedger(Protocol):
    """The storage disclosure control needs; every implementation passes the same contract tests."""

    def spent(self, researcher: str, dataset: str, year: int) -> float:
        """ε this researcher has spent on this dataset in this calendar year."""
        ...

    def spending(self, researcher: str, year: int) -> Mapping[str, float]:
        """ε spent per dataset by this researcher in this year (datasets never charged left out)."""
        ...

    def cached(self, key: NoiseKey) -> CachedCount | None:
        """The noisy answer already given under ``key``, if any."""
        ...

    def settle(self, key: NoiseKey, draw: CachedCount, *, budget: float) -> CachedCount:
        """Atomically: the answer cached under ``key`` for the same exact count (nothing spent), or
        charge ``draw.epsilon`` to ``draw.year`` and cache ``draw``; past ``budget``, raise
        :class:`~pmbridge.errors.BudgetExhausted` and change nothing."""
        ...

    def secret(self) -> bytes:
        """A random key made once per ledger and kept with it: it seeds the public tier's noise."""
        ...

    def recall(self, scope: CohortScope, cohort: Cohort, *, within: int) -> Recalled | None:
        """The release remembered for the cohort nearest to ``cohort`` (fewer than ``within`` apart)."""
        ...

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
        """Atomically: the release of the nearest remembered cohort fewer than ``within`` people from
        ``cohort``; else (``draw`` given) charge ``draw.epsilon`` to the scope's account and dataset
        (``budget`` None: charge nothing), remember ``draw`` for ``cohort`` among the scope's last
        ``keep`` and return it as fresh; past ``budget``, raise
        :class:`~pmbridge.errors.BudgetExhausted` and change nothing. None when nothing was near and
        nothing was drawn."""
        ...

    def admit_cohort(
        self, researcher: str, cohort: Cohort, *, query: str, min_count: int, keep: int, remember: bool
    ) -> int | None:
        """Atomically: the distance (0 to ``min_count - 1`` people) from a cohort this researcher
        received for another question than ``query``, or None; when None and ``remember``, keep
        ``cohort`` under ``query`` among the researcher's last ``keep`` cohorts."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


def budget_refusal(key: NoiseKey, *, year: int, spent_nano: int, budget: float, epsilon: float) -> None:
    """Raise :class:`BudgetExhausted` when ``epsilon`` more would pass ``budget``."""
    if spent_nano + to_nano(epsilon) > to_nano(budget):
        raise BudgetExhausted(
            researcher=key.researcher,
            dataset=key.dataset,
            year=year,
            spent=spent_nano / NANO,
            budget=budget,
            requested=epsilon,
        )


class MemoryLedger:
    """A ledger in process memory: for tests, demos and a hub that may forget on restart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent: dict[tuple[str, str, int], int] = defaultdict(int)
        self._cache: dict[NoiseKey, CachedCount] = {}
        self._cohorts: dict[str, deque[tuple[str, Cohort]]] = defaultdict(deque)
        self._releases: dict[CohortScope, deque[Remembered]] = defaultdict(deque)
        self._secret = os.urandom(32)

    def spent(self, researcher: str, dataset: str, year: int) -> float:
        with self._lock:
            return self._spent.get((researcher, dataset, year), 0) / NANO

    def spending(self, researcher: str, year: int) -> Mapping[str, float]:
        with self._lock:
            return {
                ds: nano / NANO
                for (who, ds, y), nano in self._spent.items()
                if who == researcher and y == year
            }

    def cached(self, key: NoiseKey) -> CachedCount | None:
        with self._lock:
            return self._cache.get(key)

    def settle(self, key: NoiseKey, draw: CachedCount, *, budget: float) -> CachedCount:
        with self._lock:
            earlier = self._cache.get(key)
            if earlier is not None and earlier.exact == draw.exact:
                return earlier
            self._charge(key, draw, budget=budget)
            self._cache[key] = draw
            return draw

    def _charge(self, key: NoiseKey, draw: CachedCount, *, budget: float) -> None:
        """Under the lock: charge ``draw.epsilon``, or raise BudgetExhausted having changed nothing."""
        account = (key.researcher, key.dataset, draw.year)
        spent = self._spent.get(account, 0)
        budget_refusal(key, year=draw.year, spent_nano=spent, budget=budget, epsilon=draw.epsilon)
        self._spent[account] = spent + to_nano(draw.epsilon)

    def secret(self) -> bytes:
        return self._secret

    def recall(self, scope: CohortScope, cohort: Cohort, *, within: int) -> Recalled | None:
        with self._lock:
            return nearest_release(cohort, self._releases.get(scope, ()), within=within)

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
        with self._lock:
            history = self._releases[scope]
            earlier = nearest_release(cohort, history, within=within)
            if earlier is not None or draw is None:
                return earlier
            if budget is not None and draw.epsilon > 0:
                self._charge(NoiseKey(scope.account, scope.dataset, question), draw, budget=budget)
            if keep > 0 and cohort:
                history.append(remembered(question, cohort, draw))
                while len(history) > keep:
                    history.popleft()
            return Recalled(draw, question, fresh=True)

    def admit_cohort(
        self, researcher: str, cohort: Cohort, *, query: str, min_count: int, keep: int, remember: bool
    ) -> int | None:
        with self._lock:
            history = self._cohorts[researcher]
            others = (c for q, c in history if q != query)
            conflict = differencing_conflict(cohort, others, min_count=min_count)
            if conflict is None and remember and keep > 0 and (query, cohort) not in history:
                history.append((query, cohort))
                while len(history) > keep:
                    history.popleft()
            return conflict

    def close(self) -> None:
        """Nothing to release."""
