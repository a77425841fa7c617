"""Disclosure control for one node or hub: the rules in order, over one ledger and one noise source.

The pure rules live beside this module; this is where they meet the ledger (budget, noise cache,
cohort history), so node and hub release every count through the same few calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pmbridge.errors import BudgetExhausted, DisclosureRefused
from pmbridge.privacy._breakdown import Breakdown, hidden_cell, hidden_total, plan_suppression
from pmbridge.privacy._canonical import canonical_query, query_digest
from pmbridge.privacy._differencing import Cohort
from pmbridge.privacy._ledger import CachedCount, MemoryLedger, NoiseKey, PrivacyLedger
from pmbridge.privacy._noise import NoiseSource, discrete_laplace, noised_release
from pmbridge.privacy._released import ReleasedCount
from pmbridge.privacy._settings import DisclosureSettings
from pmbridge.privacy._thresholds import threshold_count


class DisclosureControl:
    """Releases counts under a node's or hub's :class:`DisclosureSettings`, one rule after another.

    For one count: (1) when the caller names a non-empty cohort, the differencing guard refuses it
    if it is 0 to k-1 people from a cohort this researcher received for another question; (2) a count
    of 1 to k-1 is suppressed (k = 5 at home, 11 across the border), 0 leaves as 0; (3) the
    count is noised with ε charged to the researcher's yearly budget for the dataset, unless the
    identical question already has a cached noisy answer for the same exact count, which is
    returned again for free; (4) the noisy value is kept at or above k and rounded. With noise
    off, step 3 is rounding only.

    >>> control = DisclosureControl(settings=DisclosureSettings(noise=False))
    >>> control.release_count(3, researcher="r", dataset="ds", query={"q": 1}, cross_border=False).display
    'fewer than 5'
    >>> control.release_count(12, researcher="r", dataset="ds", query={"q": 1}, cross_border=False).display
    '12'
    """

    def __init__(
        self,
        *,
        settings: DisclosureSettings | None = None,
        ledger: PrivacyLedger | None = None,
        noise: NoiseSource = discrete_laplace,
    ) -> None:
        self.settings = settings or DisclosureSettings()
        self.ledger: PrivacyLedger = ledger if ledger is not None else MemoryLedger()
        self._noise = noise

    def release_count(
        self,
        exact: int,
        *,
        researcher: str,
        dataset: str,
        query: object,
        cross_border: bool,
        cohort: Cohort | None = None,
        year: int | None = None,
    ) -> ReleasedCount:
        """Release one count of people.

        ``query`` is the question in any JSON-like form (canonicalised here: key order and paging
        do not matter); ``cohort`` the members behind ``exact``, which turns the differencing
        guard on. Raises :class:`~pmbridge.errors.DisclosureRefused` (differencing guard) or
        :class:`~pmbridge.errors.BudgetExhausted`.
        """
        digest = query_digest(canonical_query(query))
        return self._release(
            exact,
            researcher=researcher,
            dataset=dataset,
            noise_key=NoiseKey(researcher, dataset, digest),
            guard_query=digest,
            cross_border=cross_border,
            cohort=cohort,
            year=year,
        )

    def release_breakdown(
        self,
        cells: Mapping[str, int],
        *,
        total: int | None,
        researcher: str,
        dataset: str,
        query: object,
        cross_border: bool,
        cohorts: Mapping[str, Cohort] | None = None,
        total_cohort: Cohort | None = None,
        year: int | None = None,
    ) -> Breakdown:
        """Release counts per category (sex, age band, dataset) and their total.

        Suppression (primary and complementary, see :func:`plan_suppression`) is decided on the
        exact counts first; every number that leaves then goes through the guard and the noise
        as one count does, each charged to ``dataset``'s budget and cached on its own; the total
        shares its cache entry with :meth:`release_count` of the same ``query``, so both show
        one number. The guard judges the breakdown and the plain count of ``query`` as one
        question (its cells may well equal its total). The whole breakdown is refused up front
        when its uncached numbers cannot all be paid for.
        Pass ``total`` whenever the total is released anywhere, or the subtraction it allows is
        not prevented.
        """
        s = self.settings
        k = s.min_count_for(cross_border=cross_border)
        plan = plan_suppression(
            cells,
            total=total,
            min_count=k,
            release_zero=s.release_zero,
            complementary=s.complementary_suppression,
        )
        members = cohorts or {}
        guard_query = query_digest(canonical_query(query))

        def key(part: Mapping[str, object]) -> NoiseKey:
            return NoiseKey(researcher, dataset, query_digest(canonical_query({"breakdown": query, **part})))

        leaving = [
            (v, key({"cell": name}), members.get(name))
            for name, v in cells.items()
            if name not in plan.hidden
        ]
        if total is not None and not plan.total_suppressed:
            leaving.append((total, NoiseKey(researcher, dataset, guard_query), total_cohort))
        self._afford(researcher, dataset, [(v, nk) for v, nk, _ in leaving], year=year)
        released = [
            self._release(
                v,
                researcher=researcher,
                dataset=dataset,
                noise_key=nk,
                guard_query=guard_query,
                cross_border=cross_border,
                cohort=c,
                year=year,
            )
            for v, nk, c in leaving
        ]
        shown = iter(released)
        out_cells = {
            name: hidden_cell(name, plan, min_count=k) if name in plan.hidden else next(shown)
            for name in cells
        }
        out_total = None
        if total is not None:
            out_total = hidden_total(plan, min_count=k) if plan.total_suppressed else next(shown)
        return Breakdown(out_cells, out_total)

    def _release(
        self,
        exact: int,
        *,
        researcher: str,
        dataset: str,
        noise_key: NoiseKey,
        guard_query: str,
        cross_border: bool,
        cohort: Cohort | None,
        year: int | None,
    ) -> ReleasedCount:
        s = self.settings
        k = s.min_count_for(cross_border=cross_border)
        plain = threshold_count(exact, min_count=k, release_zero=s.release_zero, round_to=s.round_to)
        numeric = plain.value is not None and plain.value > 0
        if cohort:  # nobody behind the count: nothing to judge or remember (differencing_conflict)
            # Judged before the threshold, so that "refused" cannot stand in for "fewer than k".
            self._guard(researcher, cohort, query=guard_query, min_count=k, remember=numeric)
        if not numeric or not s.noise:
            return plain
        earlier = self.ledger.cached(noise_key)
        if earlier is None or earlier.exact != exact:
            fresh = noised_release(
                self._noise(exact, s.epsilon_per_count),
                epsilon=s.epsilon_per_count,
                min_count=k,
                round_to=s.round_to,
            )
            draw = CachedCount(exact, fresh.value or 0, s.epsilon_per_count, _year(year))
            # settle returns a concurrent twin's draw if one got there first: one answer per question.
            earlier = self.ledger.settle(noise_key, draw, budget=s.yearly_epsilon_budget)
        return noised_release(earlier.value, epsilon=earlier.epsilon, min_count=k, round_to=s.round_to)

    def remaining(self, researcher: str, dataset: str, year: int | None = None) -> float:
        """The ε this researcher may still spend on this dataset in ``year`` (default: this year).

        >>> DisclosureControl().remaining("alice", "ds1", 2025)
        50.0
        """
        spent = self.ledger.spent(researcher, dataset, _year(year))
        return max(0.0, self.settings.yearly_epsilon_budget - spent)

    def spending(self, researcher: str, year: int | None = None) -> Mapping[str, float]:
        """ε spent per dataset by this researcher in ``year`` (default: this year)."""
        return self.ledger.spending(researcher, _year(year))

    def _guard(self, researcher: str, cohort: Cohort, *, query: str, min_count: int, remember: bool) -> None:
        if not self.settings.differencing_guard:
            return
        conflict = self.ledger.admit_cohort(
            researcher,
            cohort,
            query=query,
            min_count=min_count,
            keep=self.settings.differencing_history,
            remember=remember,
        )
        if conflict is not None:
            # One wording whatever the distance: saying how close (or "the same people") would hand
            # over the very difference the guard withholds, and whether the target is in the cohort.
            raise DisclosureRefused(
                "differencing_guard",
                "this question's cohort is too close to the cohort behind a count you already received "
                f"for another question; counts of cohorts fewer than {min_count} people apart are refused",
                hint=f"ask a question whose cohort differs by at least {min_count} people, "
                "or repeat the earlier question (its answer is cached)",
            )

    def _afford(
        self, researcher: str, dataset: str, leaving: Sequence[tuple[int, NoiseKey]], *, year: int | None
    ) -> None:
        """Refuse before anything is spent when the numbers not yet cached cost more than is left."""
        s = self.settings
        if not s.noise:
            return
        fresh = 0
        for value, key in leaving:
            cached = self.ledger.cached(key) if value else None
            fresh += bool(value) and (cached is None or cached.exact != value)
        needed = fresh * s.epsilon_per_count
        if fresh and needed > self.remaining(researcher, dataset, year) + 1e-9:
            raise BudgetExhausted(
                researcher=researcher,
                dataset=dataset,
                year=_year(year),
                spent=self.ledger.spent(researcher, dataset, _year(year)),
                budget=s.yearly_epsilon_budget,
                requested=needed,
            )


def _year(year: int | None) -> int:
    return year if year is not None else dt.datetime.now(dt.UTC).year
