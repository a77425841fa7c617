"""Whether a node takes part in a training, decided once per training and dataset before anything of
it leaves: the cross-border policy (X1–X6, X4 for genetic features), the minimum count, and one debit
of the training's ε from the researcher's yearly budget for the dataset.

The debit is keyed by the run: every round of one training asks again and is charged once; a new
training is a new charge, even of the same request. Refusals raise the node's usual errors
(PolicyRefused, DisclosureRefused, BudgetExhausted), so a refused node sits the training out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from pmbridge.errors import DisclosureRefused
from pmbridge.model import Granularity
from pmbridge.policy import ExportLedger, NodePolicy, ReleaseRequest, Researcher, decide_release
from pmbridge.privacy import CachedCount, NoiseKey, PrivacyLedger

TRAINING_CHARGE = "training"
"""How a training's debit is marked in the ledger (``CachedCount.how``)."""


@dataclass(frozen=True, slots=True)
class TrainingRequest:
    """Who asks for which training, as the hub's signed request binds it."""

    run_id: str
    spec_digest: str
    researcher: Researcher
    purpose: str


@dataclass(frozen=True, slots=True)
class Admission:
    """A node's yes to one training on one dataset: what it charged (0 for a repeat of the same run)."""

    dataset: str
    people: int
    epsilon_charged: float
    epsilon_spent: float


def admit_training(
    request: TrainingRequest,
    *,
    dataset: str,
    genetic: bool,
    people: Collection[str],
    rows: int | None = None,
    epsilon: float | None,
    min_count: int,
    budget: float,
    policy: NodePolicy,
    exports: ExportLedger,
    ledger: PrivacyLedger,
    now: datetime,
) -> Admission:
    """Admit ``request`` on ``dataset``, whose cohort is ``people`` (node-local ids, counted by the
    yearly export counters) of whom ``rows`` (default: all) have every value the training uses, or raise.

    ``epsilon`` is the node's ε for one training (None: the node trains without differential
    privacy, so nothing is charged and only policy and the minimum count apply).
    """
    # The minimum count first: a policy refusal must not tell 1..k-1 people from none, nor count them.
    usable = len(people) if rows is None else rows
    if usable < min_count:
        raise DisclosureRefused(
            "min_count",
            f"dataset {dataset!r} holds {_fewer(min_count)} people for this training",
            hint="a node trains only on at least its minimum count of people; widen the cohort or "
            "choose features fewer people miss",
        )
    verdict = decide_release(
        policy,
        ReleaseRequest(
            purpose=request.purpose,
            granularity=Granularity.COUNT,  # model updates and metrics are aggregates, never records
            requester_country=request.researcher.country,
            genetic=genetic,
        ),
        people=people,
        ledger=exports,
        now=now,
    )
    verdict.raise_if_refused()
    if epsilon is None:
        return Admission(dataset, usable, 0.0, ledger.spent(request.researcher.id, dataset, now.year))
    key = NoiseKey(
        request.researcher.id, dataset, f"{TRAINING_CHARGE}:{request.run_id}:{request.spec_digest}"
    )
    before = ledger.spent(request.researcher.id, dataset, now.year)
    draw = CachedCount(exact=usable, value=0, epsilon=epsilon, year=now.year, how=TRAINING_CHARGE)
    ledger.settle(key, draw, budget=budget)
    after = ledger.spent(request.researcher.id, dataset, now.year)
    return Admission(dataset, usable, after - before, after)


def _fewer(min_count: int) -> str:
    return f"fewer than {min_count}"
