"""Disclosure control for one node or hub: the rules in order, over one ledger and one noise source.

The pure rules live beside this module; this is where they meet the ledger (budget, noise cache,
cohort history), so node and hub release every count through the same few calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence

from pmbridge.errors import BudgetExhausted, DisclosureRefused
from pmbridge.privacy._breakdown import Breakdown, hidden_cell, hidden_total, plan_suppression
from pmbridge.privacy._canonical import canonical_query, query_digest
from pmbridge.privacy._differencing import Cohort, cohort_digest
from pmbridge.privacy._ledger import MemoryLedger, PrivacyLedger
from pmbridge.privacy._ledger_types import CachedCount, NoiseKey
from pmbridge.privacy._noise import NoiseSource, discrete_laplace, keyed_discrete_laplace, noised_release
from pmbridge.privacy._pricing import PricingLedger
from pmbridge.privacy._recall import CohortScope, Recalled
from pmbridge.privacy._released import ReleasedCount, ReleaseMethod
from pmbridge.privacy._settings import DisclosureSettings
from pmbridge.privacy._thresholds import threshold_count

PEOPLE = "individuals"
"""The unit whose counts are counts of people: only those are answered by cohort (same people,
same answer); a count of biosamples or variants over the same people can be any number."""
PUBLIC = "public"
"""The one account every anonymous caller shares: no budget, noise keyed to the question."""


class DisclosureControl:
    """Releases counts under a node's or hub's :class:`DisclosureSettings`, one rule after another.

    For one count of people with its cohort (the members behind it): (1) same people, same
    answer: when the caller already received a count for a cohort fewer than k people away, that
    number is given again, free and never refused; (2) a count of 1 to k-1 is suppressed (k = 5
    at home, 11 across the border), 0 leaves as 0; (3) the count is noised, with ε charged to the
    researcher's yearly budget for the dataset, and remembered with its cohort; (4) the noisy value
    is kept at or above k and rounded. With noise off, step 3 is rounding only. Anonymous callers
    (``public=True``) share one public tier: answers rounded to ``public_round_to`` with noise
    keyed to the question, charged to nobody. Counts of other units (biosamples, variants) and
    counts given without a cohort are cached per question instead.

    >>> control = DisclosureControl(settings=DisclosureSettings(noise=False))
    >>> control.release_count(3, researcher="r", dataset="ds", query={"q": 1}, cross_border=False).display
    '<5'
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

    def pricing(self) -> DisclosureControl:
        """A control over the same settings and ledger that spends nothing: every release it makes is
        kept in memory, so :meth:`spending` on it says what the same releases would cost for real
        (and a refusal it raises is the one the real release would meet)."""
        return DisclosureControl(settings=self.settings, ledger=PricingLedger(self.ledger), noise=_no_noise)

    def release_count(
        self,
        exact: int,
        *,
        researcher: str,
        dataset: str,
        query: object,
        cross_border: bool,
        cohort: Cohort | None = None,
        unit: str = PEOPLE,
        public: bool = False,
        year: int | None = None,
    ) -> ReleasedCount:
        """Release one count.

        ``query`` is the question in any JSON-like form (canonicalised here: key order and paging
        do not matter); ``cohort`` the people behind ``exact``; ``unit`` what is counted (the entry
        type); ``public`` marks the shared anonymous tier. Raises
        :class:`~pmbridge.errors.DisclosureRefused` (the guard on exact counts of other units) or
        :class:`~pmbridge.errors.BudgetExhausted`.
        """
        digest = query_digest(canonical_query(query))
        account = PUBLIC if public else researcher
        return self._release(
            exact,
            scope=CohortScope(account, dataset, unit),
            noise_key=NoiseKey(account, dataset, digest),
            guard_query=digest,
            cross_border=cross_border,
            cohort=cohort,
            public=public,
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
        unit: str = PEOPLE,
        public: bool = False,
        total_fixed: bool = False,
        year: int | None = None,
    ) -> Breakdown:
        """Release counts per category (sex, age band, dataset) and their total.

        Suppression (primary and complementary, see :func:`plan_suppression`) is decided on the
        exact counts first; every number that leaves then goes through the same steps as one count,
        each with its own cohort (a cell and a later question about the same people get one
        answer); the total shares its answer with :meth:`release_count` of the same ``query``.
        The whole breakdown is refused up front when its numbers cannot all be paid for. Pass
        ``total`` whenever the total is released anywhere, or the subtraction it allows is not
        prevented, and ``total_fixed`` when it is released elsewhere anyway (then hiding it here
        would protect nothing; see :func:`plan_suppression`).
        """
        s = self.settings
        k = s.min_count_for(cross_border=cross_border)
        plan = plan_suppression(
            cells,
            total=total,
            min_count=k,
            release_zero=s.release_zero,
            complementary=s.complementary_suppression,
            total_fixed=total_fixed,
        )
        members = cohorts or {}
        account = PUBLIC if public else researcher
        scope = CohortScope(account, dataset, unit)
        guard_query = query_digest(canonical_query(query))

        def key(part: Mapping[str, object]) -> NoiseKey:
            return NoiseKey(account, dataset, query_digest(canonical_query({"breakdown": query, **part})))

        leaving = [
            (v, key({"cell": name}), members.get(name))
            for name, v in cells.items()
            if name not in plan.hidden
        ]
        if total is not None and not plan.total_suppressed:
            leaving.append((total, NoiseKey(account, dataset, guard_query), total_cohort))
        self._afford(scope, leaving, public=public, cross_border=cross_border, year=year)
        released = [
            self._release(
                v,
                scope=scope,
                noise_key=nk,
                guard_query=guard_query,
                cross_border=cross_border,
                cohort=c,
                public=public,
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
        scope: CohortScope,
        noise_key: NoiseKey,
        guard_query: str,
        cross_border: bool,
        cohort: Cohort | None,
        public: bool,
        year: int | None,
    ) -> ReleasedCount:
        s = self.settings
        k = s.min_count_for(cross_border=cross_border)
        round_to = s.round_to_for(public=public)
        plain = threshold_count(exact, min_count=k, release_zero=s.release_zero, round_to=round_to)
        numeric = plain.value is not None and plain.value > 0
        if cohort and scope.unit == PEOPLE and s.differencing_guard:
            # Before the threshold: a cohort a few people from one already answered gets that answer
            # even when it is itself small, so "fewer than k" cannot tell the two apart.
            draw = self._draw(exact, plain, scope=scope, key=cohort_digest(cohort), public=public, year=year)
            found = self.ledger.settle_cohort(
                scope,
                cohort,
                question=noise_key.digest,
                draw=draw if numeric else None,
                within=k,
                keep=s.differencing_history,
                budget=None if public else s.yearly_epsilon_budget,
            )
            if found is None:
                return plain
            out = shown(found, question=noise_key.digest, min_count=k, round_to=round_to, public=public)
            return dataclasses.replace(out, origin=self._origin(scope, found.question))
        if cohort and s.differencing_guard and not s.noise and not public:
            # Exact counts of other units: their cohorts may not be a few people apart either.
            self._guard(scope, cohort, query=guard_query, min_count=k, remember=numeric)
        if not numeric or not s.noise:
            return plain
        if public:
            draw = self._draw(exact, plain, scope=scope, key=noise_key.digest, public=True, year=year)
            return shown(
                Recalled(draw, noise_key.digest, fresh=True),
                question=noise_key.digest,
                min_count=k,
                round_to=round_to,
                public=True,
            )
        earlier = self.ledger.cached(noise_key)
        if earlier is None or earlier.exact != exact:
            fresh = self._draw(exact, plain, scope=scope, key=noise_key.digest, public=False, year=year)
            # settle returns a concurrent twin's draw if one got there first: one answer per question.
            earlier = self.ledger.settle(noise_key, fresh, budget=s.yearly_epsilon_budget)
        return noised_release(earlier.value, epsilon=earlier.epsilon, min_count=k, round_to=round_to)

    def _draw(
        self,
        exact: int,
        plain: ReleasedCount,
        *,
        scope: CohortScope,
        key: str,
        public: bool,
        year: int | None,
    ) -> CachedCount:
        """A fresh answer for ``exact``: noised (by OpenDP, or keyed to ``key`` for the public tier)
        and post-processed, or the plain thresholded value when noise is off."""
        s = self.settings
        k = plain.threshold
        round_to = s.round_to_for(public=public)
        if not s.noise:
            how = "rounded" if plain.how is ReleaseMethod.ROUNDED else "exact"
            return CachedCount(exact, plain.value or 0, 0.0, _year(year), how)
        if public:
            where = f"{scope.dataset}\x1f{scope.unit}\x1f{key}"
            noisy = keyed_discrete_laplace(exact, s.epsilon_per_count, secret=self.ledger.secret(), key=where)
        else:
            noisy = self._noise(exact, s.epsilon_per_count)
        value = noised_release(noisy, epsilon=s.epsilon_per_count, min_count=k, round_to=round_to).value
        return CachedCount(exact, value or 0, s.epsilon_per_count, _year(year))

    def _origin(self, scope: CohortScope, question: str) -> str:
        """An opaque id of the release first made for ``question`` in ``scope``: it names no one and
        says only what the number and its reason already say (this is that earlier answer)."""
        mac = hmac.new(self.ledger.secret(), f"{scope.key}\x1f{question}".encode(), hashlib.sha256)
        return mac.hexdigest()[:24]

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

    def _guard(
        self, scope: CohortScope, cohort: Cohort, *, query: str, min_count: int, remember: bool
    ) -> None:
        conflict = self.ledger.admit_cohort(
            scope.key,
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
                f"this exact count of {scope.unit} is too close to one you already received for another "
                f"question; exact counts of cohorts fewer than {min_count} people apart are refused",
                hint=f"ask a question whose cohort differs by at least {min_count} people, "
                "or repeat the earlier question (its answer is the same)",
            )

    def _afford(
        self,
        scope: CohortScope,
        leaving: Sequence[tuple[int, NoiseKey, Cohort | None]],
        *,
        public: bool,
        cross_border: bool,
        year: int | None,
    ) -> None:
        """Refuse before anything is spent when the numbers not answered before cost more than is left."""
        s = self.settings
        if not s.noise or public:
            return
        k = s.min_count_for(cross_border=cross_border)
        fresh = 0
        for value, key, cohort in leaving:
            if not value:
                continue
            if cohort and scope.unit == PEOPLE and s.differencing_guard:
                fresh += self.ledger.recall(scope, cohort, within=k) is None
            else:
                cached = self.ledger.cached(key)
                fresh += cached is None or cached.exact != value
        needed = fresh * s.epsilon_per_count
        if fresh and needed > self.remaining(scope.account, scope.dataset, year) + 1e-9:
            raise BudgetExhausted(
                researcher=scope.account,
                dataset=scope.dataset,
                year=_year(year),
                spent=self.ledger.spent(scope.account, scope.dataset, _year(year)),
                budget=s.yearly_epsilon_budget,
                requested=needed,
            )


def shown(found: Recalled, *, question: str, min_count: int, round_to: int, public: bool) -> ReleasedCount:
    """A remembered answer as it leaves, saying how it was made.

    Given again for another question, an exact or rounded number reads as approximate ("~"), with
    the same words whether the cohorts are the same or a few people apart: saying which would hand
    over the difference.

    >>> again = Recalled(CachedCount(20, 20, 0.0, 2026, "exact"), "q1", fresh=False)
    >>> shown(again, question="q2", min_count=5, round_to=1, public=False).display
    '~20'
    >>> shown(again, question="q1", min_count=5, round_to=1, public=False).display
    '20'
    """
    count = found.count
    same = found.fresh or found.question == question
    again = (
        f"the answer already given for the same people (or fewer than {min_count} others): "
        "the same people get the same answer, at no cost"
    )
    if count.how == "noised":
        released = noised_release(count.value, epsilon=count.epsilon, min_count=min_count, round_to=round_to)
        if public:
            released = dataclasses.replace(released, epsilon=None, reason=PUBLIC_REASON.format(m=round_to))
        return released if same else dataclasses.replace(released, reason=again)
    if same:
        how = ReleaseMethod.ROUNDED if count.how == "rounded" else ReleaseMethod.EXACT
        return ReleasedCount(
            value=count.value,
            how=how,
            threshold=min_count,
            rounded_to=round_to if how is ReleaseMethod.ROUNDED else None,
            reason="rounded" if how is ReleaseMethod.ROUNDED else "exact count",
        )
    return ReleasedCount(value=count.value, how=ReleaseMethod.ROUNDED, threshold=min_count, reason=again)


PUBLIC_REASON = (
    "public tier: noise keyed to the question (every anonymous caller gets this same answer), "
    "rounded to a multiple of {m}; it spends no one's budget"
)


def _no_noise(exact: int, epsilon: float) -> int:
    """Pricing draws nothing: only what would be charged matters."""
    return exact


def _year(year: int | None) -> int:
    return year if year is not None else dt.datetime.now(dt.UTC).year
