"""What a question would cost, worked out by releasing it against a ledger that writes nowhere.

The pricing ledger reads through to the real one (budgets spent, answers already given) and
keeps its own writes in memory, so one question's numbers are priced together, as they would be.
"""

from __future__ import annotations

from collections.abc import Mapping

from pmbridge.privacy._differencing import Cohort
from pmbridge.privacy._ledger import MemoryLedger, PrivacyLedger
from pmbridge.privacy._ledger_types import CachedCount, NoiseKey
from pmbridge.privacy._recall import CohortScope, Recalled


class PricingLedger:
    """A :class:`~pmbridge.privacy.PrivacyLedger` over ``base`` that never writes to it.

    >>> from pmbridge.privacy._ledger_types import NoiseKey, CachedCount
    >>> base = MemoryLedger()
    >>> pricing = PricingLedger(base)
    >>> _ = pricing.settle(NoiseKey("r", "ds", "q"), CachedCount(9, 9, 1.0, 2026), budget=50.0)
    >>> pricing.spent("r", "ds", 2026), base.spent("r", "ds", 2026)
    (1.0, 0.0)
    """

    def __init__(self, base: PrivacyLedger) -> None:
        self._base = base
        self._own = MemoryLedger()

    def spent(self, researcher: str, dataset: str, year: int) -> float:
        return self._base.spent(researcher, dataset, year) + self._own.spent(researcher, dataset, year)

    def spending(self, researcher: str, year: int) -> Mapping[str, float]:
        """What *this pricing* would charge, per dataset (not what was spent before)."""
        return self._own.spending(researcher, year)

    def cached(self, key: NoiseKey) -> CachedCount | None:
        return self._own.cached(key) or self._base.cached(key)

    def settle(self, key: NoiseKey, draw: CachedCount, *, budget: float) -> CachedCount:
        earlier = self._base.cached(key)
        if earlier is not None and earlier.exact == draw.exact:
            return earlier
        before = self._base.spent(key.researcher, key.dataset, draw.year)
        return self._own.settle(key, draw, budget=budget - before)

    def secret(self) -> bytes:
        return self._base.secret()

    def recall(self, scope: CohortScope, cohort: Cohort, *, within: int) -> Recalled | None:
        return self._base.recall(scope, cohort, within=within) or self._own.recall(
            scope, cohort, within=within
        )

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
        earlier = self._base.recall(scope, cohort, within=within)
        if earlier is not None:
            return earlier
        year = draw.year if draw is not None else 0
        left = None if budget is None else budget - self._base.spent(scope.account, scope.dataset, year)
        return self._own.settle_cohort(
            scope, cohort, question=question, draw=draw, within=within, keep=max(keep, 1), budget=left
        )

    def admit_cohort(
        self, researcher: str, cohort: Cohort, *, query: str, min_count: int, keep: int, remember: bool
    ) -> int | None:
        """Priced against this pricing's own releases only: the base history is not read."""
        return self._own.admit_cohort(
            researcher, cohort, query=query, min_count=min_count, keep=keep, remember=remember
        )

    def close(self) -> None:
        """The base ledger belongs to its owner; nothing of ours to release."""
