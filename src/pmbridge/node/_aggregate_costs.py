"""What an aggregates question would spend (``POST /api/aggregates/cost``), before it is asked.

The explorer shows it before a run, so that a researcher sees the ε a chart costs per dataset and
which datasets would refuse, and can switch breakdowns off to spend less.
"""

from __future__ import annotations

from collections.abc import Mapping

from pmbridge.beacon import INDIVIDUAL, BeaconRequest
from pmbridge.errors import DisclosureRefused, PolicyRefused
from pmbridge.model import Granularity
from pmbridge.node._aggregates import (
    counts_allowed,
    held_by_floor,
    members_by_dimension,
    no_count_access,
    released_breakdowns,
)
from pmbridge.node._context import NodeContext
from pmbridge.node._disclosure import is_genetic, question, release_counts
from pmbridge.node._query import plan_query
from pmbridge.node._release import admit
from pmbridge.policy import Caller, crosses_border
from pmbridge.privacy import DisclosureControl
from pmbridge.store import Dimension


def price_aggregates(
    ctx: NodeContext, request: BeaconRequest, breakdowns: tuple[Dimension, ...], *, caller: Caller
) -> dict[str, object]:
    """What :func:`answer_aggregates` would spend per dataset, and whether it would be refused, worked
    out without spending, remembering or auditing anything.

    The same numbers are released against a pricing ledger that reads the real one (answers
    already given are free) and writes nowhere. The yearly export counters (X3, X4) are not
    consulted: a question they would stop is refused when it is asked.
    """
    plan = plan_query(
        request, owner=INDIVIDUAL, target=INDIVIDUAL, entry_id=None, datasets=ctx.config.datasets, hpo=ctx.hpo
    )
    researcher = caller.researcher
    control = ctx.release.disclosure
    tier = "public" if researcher.is_anonymous else "researcher"
    out: list[dict[str, object]] = []
    counted = [ds for ds in plan.datasets if counts_allowed(ds, caller)]
    for ds in plan.datasets:
        if ds not in counted:
            why = no_count_access(ds, caller)
            out.append(_price(control, caller, ds.id, 0.0, refusal=_refusal("access_level", why.reason)))
    if not counted or plan.query is None:
        return {"node": ctx.config.id, "tier": tier, "datasets": out}
    query = plan.query
    try:
        admit(ctx.release, caller, granularity=Granularity.COUNT, genetic=is_genetic(query), audit=None)
    except PolicyRefused as error:
        policy = _refusal(error.rule, error.reason, error.hint)
        out += [_price(control, caller, ds.id, 0.0, refusal=policy) for ds in counted]
        return {"node": ctx.config.id, "tier": tier, "datasets": out}
    members = ctx.store.members(query)
    by_dimension = members_by_dimension(ctx, query, breakdowns)
    cross = crosses_border(ctx.release.policy.jurisdiction, researcher.country)
    held = held_by_floor(ctx, query, tuple(ds.id for ds in counted))
    for ds in counted:
        pricing = control.pricing()
        cohort = members.get(ds.id, frozenset())
        refusal: dict[str, str] | None = None
        try:
            total = release_counts(
                {ds.id: len(cohort)},
                control=pricing,
                researcher=researcher.id,
                cross_border=cross,
                questions={ds.id: question(query, ds.id)},
                cohorts=members if control.settings.differencing_guard else None,
                held=held,
                public=researcher.is_anonymous,
            )[ds.id]
            shown = released_breakdowns(
                ctx,
                pricing,
                total,
                breakdowns,
                by_dimension,
                caller=caller,
                dataset=ds.id,
                question=question(query, ds.id),
                cross_border=cross,
                total=cohort,
            )
            refusal = _first_refusal(total.to_dict(), shown)
        except DisclosureRefused as error:
            refusal = _refusal(error.rule, error.message, error.hint)
        cost = 0.0 if refusal else pricing.spending(researcher.id).get(ds.id, 0.0)
        out.append(_price(control, caller, ds.id, cost, refusal=refusal))
    order = [ds.id for ds in plan.datasets]
    out.sort(key=lambda e: order.index(str(e["dataset"])))
    return {"node": ctx.config.id, "tier": tier, "datasets": out}


def _price(
    control: DisclosureControl,
    caller: Caller,
    dataset: str,
    epsilon: float,
    *,
    refusal: dict[str, str] | None,
) -> dict[str, object]:
    researcher = caller.researcher
    public = researcher.is_anonymous
    return {
        "dataset": dataset,
        "tier": "public" if public else "researcher",
        "epsilon": 0.0 if public else round(epsilon, 9),
        "remaining": None if public else control.remaining(researcher.id, dataset),
        "budget": None if public else control.settings.yearly_epsilon_budget,
        "refusal": refusal,
    }


def _refusal(rule: str, message: str, hint: str = "") -> dict[str, str]:
    return {"rule": rule, "message": message, "hint": hint}


_REFUSING = ("budget", "differencing_guard")


def _first_refusal(total: Mapping[str, object], shown: Mapping[str, object]) -> dict[str, str] | None:
    """The first number a refusal held back (the total, then the breakdowns' cells), as a refusal."""
    numbers: list[object] = [total]
    for part in shown.values():
        if isinstance(part, Mapping):
            cells = part.get("cells")
            numbers += list(cells.values()) if isinstance(cells, Mapping) else []
            numbers.append(part.get("total"))
    for number in numbers:
        if isinstance(number, Mapping) and number.get("rule") in _REFUSING:
            return _refusal(str(number["rule"]), str(number.get("reason", "")))
    return None
