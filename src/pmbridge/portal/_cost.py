"""What a question would cost before it is asked: the privacy budget (ε) each dataset would spend,
what is left, and which datasets would refuse it (``POST /api/aggregates/cost``).

The estimate is advice: a hub without the endpoint (404) or one that cannot estimate leaves the
explorer as it was, with no panel and no error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx
from fastapi import Request

from pmbridge.portal._refusals import Refusal, refusal_in, refusal_of_rule
from pmbridge.portal._sources import aggregates_body, hub_api

COST_PATH = "/api/aggregates/cost"


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


def read_cost(doc: Mapping[str, object]) -> CostEstimate:
    """The estimate in a cost answer; lines that do not have the documented shape are left out.

    >>> line = {"node": "eu-rome", "dataset": "rome-rd", "epsilon": 3.0, "remaining": 497.0,
    ...         "budget": 500.0, "tier": "researcher", "refusal": None}
    >>> read_cost({"datasets": [line], "missingNodes": ["eu-down"]}).epsilon
    3.0
    """
    found = []
    for item in _list(doc.get("datasets")):
        line = item if isinstance(item, Mapping) else {}
        epsilon = _number(line.get("epsilon"))
        if epsilon is None or not line.get("dataset"):
            continue
        found.append(
            DatasetCost(
                node=str(line.get("node", "")),
                dataset=str(line.get("dataset")),
                epsilon=epsilon,
                remaining=_number(line.get("remaining")),
                budget=_number(line.get("budget")),
                tier=str(line.get("tier") or ""),
                refusal=_refusal(line.get("refusal")),
            )
        )
    return CostEstimate(tuple(found), missing=tuple(str(m) for m in _list(doc.get("missingNodes"))))


async def estimate_cost(
    request: Request, filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str]
) -> CostEstimate | None:
    """The hub's estimate for the question, or None when it gives none (no endpoint, an error)."""
    body = aggregates_body(filters, breakdowns=breakdowns)
    try:
        async with hub_api(request) as client:
            reply = await client.post(COST_PATH, json=body)
        doc = reply.json()
    except (ValueError, httpx.HTTPError):
        return None
    if not isinstance(doc, Mapping):
        return None
    if reply.status_code == 403:
        error = doc.get("error")
        message = str(error.get("errorMessage", "")) if isinstance(error, Mapping) else ""
        refusal = refusal_in(message)
        return CostEstimate((), refusal=refusal) if refusal is not None else None
    if reply.status_code >= 400:
        return None
    return read_cost(doc)


def _refusal(value: object) -> Refusal | None:
    if not isinstance(value, Mapping):
        return None
    rule = value.get("rule")
    said = " ".join(str(value.get(k) or "") for k in ("message", "hint")).strip()
    return refusal_of_rule(str(rule), detail=said) if rule else refusal_in(said)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
