"""What a question would cost before it is asked: the privacy budget (ε) each dataset would spend,
what is left, and which datasets would refuse it (``POST /api/aggregates/cost``).

The estimate is advice: a hub without the endpoint (404) or one that cannot estimate leaves the
explorer as it was, with no panel and no error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fastapi import Request

from pmbridge.client import CostEstimate as PriceList
from pmbridge.client import PriceRefusal
from pmbridge.errors import PMBridgeError
from pmbridge.portal._refusals import Refusal, refusal_in, refusal_of, refusal_of_rule
from pmbridge.portal._sources import hub_api


@dataclass(frozen=True, slots=True)
class DatasetCost:
    """One dataset's price for the question: ``budget`` None is public access (nothing charged)."""

    node: str
    dataset: str
    epsilon: float
    remaining: float | None
    budget: float | None
    tier: str
    refusal: Refusal | None = None

    @property
    def after(self) -> float | None:
        """What would be left after the question."""
        return None if self.remaining is None else max(self.remaining - self.epsilon, 0.0)


@dataclass(frozen=True, slots=True)
class CostEstimate:
    datasets: tuple[DatasetCost, ...]
    missing: tuple[str, ...] = ()
    refusal: Refusal | None = None
    """Set when the whole question would be refused (the hub answered with a refusal)."""

    @property
    def epsilon(self) -> float:
        """ε over every dataset that would answer."""
        return sum(d.epsilon for d in self.datasets if d.refusal is None)

    @property
    def public(self) -> bool:
        """Whether every dataset that would answer does so at public access, which charges nothing."""
        answering = [d for d in self.datasets if d.refusal is None]
        return bool(answering) and all(d.budget is None for d in answering)

    @property
    def refused(self) -> tuple[DatasetCost, ...]:
        return tuple(d for d in self.datasets if d.refusal is not None)

    @property
    def everything_refused(self) -> bool:
        return self.refusal is not None or (bool(self.datasets) and len(self.refused) == len(self.datasets))


def from_estimate(estimate: PriceList) -> CostEstimate:
    """The portal's estimate from the client's typed one (lines without a dataset are left out)."""
    found = tuple(
        DatasetCost(
            node=line.node,
            dataset=line.dataset,
            epsilon=line.epsilon,
            remaining=line.remaining,
            budget=line.budget,
            tier=line.tier or "",
            refusal=_refusal(line.refusal),
        )
        for line in estimate.datasets
        if line.dataset
    )
    return CostEstimate(found, missing=tuple(estimate.missing_nodes))


async def estimate_cost(
    request: Request, filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str]
) -> CostEstimate | None:
    """The hub's estimate for the question, or None when it gives none (no endpoint, an error)."""
    try:
        async with hub_api(request) as client:
            return from_estimate(await client.cost(filters=filters, breakdowns=breakdowns))
    except PMBridgeError as exc:  # a refusal of the whole question is shown; anything else is no advice
        refusal = refusal_of(exc) if exc.status == 403 else None
        return CostEstimate((), refusal=refusal) if refusal is not None else None


def _refusal(said: PriceRefusal | None) -> Refusal | None:
    if said is None:
        return None
    words = " ".join(part for part in (said.message, said.hint) if part)
    return refusal_of_rule(said.rule, detail=words) if said.rule else refusal_in(words)
