"""The node's aggregates API (``POST /api/aggregates``) and budget API (``GET /api/budget``).

Aggregates answer one Beacon query over individuals with each dataset's total and, on request,
its breakdowns by sex, age band and phenotype category, all through the release choke point:
the totals are the very counts a Beacon count query gets (one question, one cached answer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pmbridge.audit import RequestAudit
from pmbridge.beacon import INDIVIDUAL, BeaconRequest, parse_body
from pmbridge.errors import QueryError
from pmbridge.model import Dataset, Granularity
from pmbridge.node._breakdowns import (
    cell_members,
    phenotype_categories,
    release_categories,
    release_partition,
    top_categories,
)
from pmbridge.node._context import NodeContext
from pmbridge.node._disclosure import allele_floors, is_genetic, question
from pmbridge.node._query import plan_query
from pmbridge.node._release import admit, release
from pmbridge.policy import Caller, volume_limits
from pmbridge.privacy import Cohort, DisclosureControl, ReleasedCount, suppressed
from pmbridge.store import DIMENSIONS, Dimension, EntryQuery, Members

_NO_BREAKDOWN = ("budget", "differencing_guard", "allele_count_floor")
"""A total held back by one of these rules gets no breakdown: its cells would answer what it did not."""


def parse_aggregates_body(body: object) -> tuple[BeaconRequest, tuple[Dimension, ...]]:
    """``{"query": <Beacon query>, "breakdowns": [...]}`` as a request and the breakdowns asked.

    >>> request, dims = parse_aggregates_body({"query": {"filters": [{"id": "HP:0001250"}]},
    ...                                         "breakdowns": ["sex", "ageBand"]})
    >>> [f.id for f in request.filters], dims
    (['HP:0001250'], ('sex', 'ageBand'))
    """
    doc = {} if body is None else body
    if not isinstance(doc, Mapping):
        raise QueryError(
            "the aggregates body must be a JSON object", hint='{"query": {...}, "breakdowns": [...]}'
        )
    unknown = sorted(set(doc) - {"query", "breakdowns"})
    if unknown:
        raise QueryError(f"unknown field(s) {', '.join(unknown)}", hint="send query and breakdowns only")
    asked = doc.get("breakdowns", [])
    if not isinstance(asked, list) or any(item not in DIMENSIONS for item in asked):
        raise QueryError(
            f"breakdowns must be a list of {', '.join(DIMENSIONS)}, not {asked!r}",
            hint='e.g. "breakdowns": ["sex", "ageBand"]',
        )
    dims: tuple[Dimension, ...] = tuple(dict.fromkeys(asked))
    return parse_body({"query": doc.get("query", {})}), dims


def answer_aggregates(
    ctx: NodeContext,
    request: BeaconRequest,
    breakdowns: tuple[Dimension, ...],
    *,
    caller: Caller,
    audit: RequestAudit | None = None,
) -> dict[str, object]:
    """Each dataset's released total and breakdowns; datasets the caller may not count are marked.

    Each dataset also says what the answer spent (``spent``: ε charged now, what is left, the yearly
    budget; a public-tier caller spends nothing and has no budget)."""
    plan = plan_query(
        request, owner=INDIVIDUAL, target=INDIVIDUAL, entry_id=None, datasets=ctx.config.datasets, hpo=ctx.hpo
    )
    researcher = caller.researcher
    counted = [ds for ds in plan.datasets if counts_allowed(ds, caller)]
    entries = [_no_access(ds, caller) for ds in plan.datasets if ds not in counted]
    if not counted or plan.query is None:
        return {"node": ctx.config.id, "datasets": entries}
    query = plan.query
    admitted = admit(
        ctx.release, caller, granularity=Granularity.COUNT, genetic=is_genetic(query), audit=audit
    )
    members = ctx.store.members(query)
    people: set[str] = set()
    if volume_limits(ctx.release.policy, admitted):
        people = {p for found in ctx.store.people(query).values() for p in found}
    questions = {ds.id: question(query, ds.id) for ds in counted}
    control = ctx.release.disclosure
    before = control.spending(researcher.id)
    released = release(
        {ds: len(members.get(ds, frozenset())) for ds in questions},
        state=ctx.release,
        caller=caller,
        request=admitted,
        granularity=Granularity.COUNT,
        questions=questions,
        cohorts=members,
        people=people,
        held=held_by_floor(ctx, query, tuple(questions)),
        audit=audit,
    )
    by_dimension = members_by_dimension(ctx, query, breakdowns)
    for part in released.parts:
        shown = released_breakdowns(
            ctx,
            control,
            part.count,
            breakdowns,
            by_dimension,
            caller=caller,
            dataset=part.dataset,
            question=questions[part.dataset],
            cross_border=released.cross_border,
            total=members.get(part.dataset, frozenset()),
        )
        entries.append(
            {
                "dataset": part.dataset,
                "total": part.count.to_dict() if part.count else None,
                "breakdowns": shown,
                "spent": _spent(control, caller, part.dataset, before),
            }
        )
    if audit is not None and breakdowns:
        audit.record_release(
            rule="privacy", granularity="count", released={"breakdowns": ",".join(breakdowns)}
        )
    order = [ds.id for ds in plan.datasets]
    entries.sort(key=lambda e: order.index(str(e["dataset"])))
    return {"node": ctx.config.id, "datasets": entries}


def held_by_floor(ctx: NodeContext, query: EntryQuery, datasets: tuple[str, ...]) -> dict[str, ReleasedCount]:
    """The datasets whose count the allele floor holds back (variant queries only)."""
    if query.variant.empty:
        return {}
    floor = ctx.release.disclosure.settings.allele_count_floor
    return allele_floors(ctx.store.allele_counts(query), datasets=datasets, floor=floor)


def members_by_dimension(
    ctx: NodeContext, query: EntryQuery, breakdowns: tuple[Dimension, ...]
) -> dict[Dimension, Mapping[str, Members]]:
    categories = phenotype_categories(ctx.hpo)
    return {dim: ctx.store.members_by(query, dim, categories=categories) for dim in breakdowns}


def released_breakdowns(
    ctx: NodeContext,
    control: DisclosureControl,
    count: ReleasedCount | None,
    breakdowns: tuple[Dimension, ...],
    by_dimension: Mapping[Dimension, Mapping[str, Members]],
    *,
    caller: Caller,
    dataset: str,
    question: Mapping[str, object],
    cross_border: bool,
    total: Cohort,
) -> dict[str, object]:
    """The breakdowns of one dataset's total, unless the total was held back by a rule whose cells
    would answer what it did not."""
    if count is None or count.rule in _NO_BREAKDOWN:
        return {}
    return {
        dim: _breakdown(
            ctx,
            control,
            dim,
            by_dimension[dim].get(dataset, {}),
            researcher=caller.researcher.id,
            public=caller.researcher.is_anonymous,
            dataset=dataset,
            question=question,
            cross_border=cross_border,
            total=total,
        )
        for dim in breakdowns
    }


def _spent(
    control: DisclosureControl, caller: Caller, dataset: str, before: Mapping[str, float]
) -> dict[str, object]:
    """What this answer charged to ``dataset``, what is left and the yearly budget (None: public tier)."""
    researcher = caller.researcher
    if researcher.is_anonymous:
        return {"epsilon": 0.0, "remaining": None, "budget": None}
    now = control.spending(researcher.id).get(dataset, 0.0)
    return {
        "epsilon": round(now - before.get(dataset, 0.0), 9),
        "remaining": control.remaining(researcher.id, dataset),
        "budget": control.settings.yearly_epsilon_budget,
    }


def answer_budget(ctx: NodeContext, *, caller: Caller, year: int | None = None) -> dict[str, object]:
    """The caller's ε per dataset in ``year`` (default: this year): budget, spent, remaining.

    Anonymous callers are the public tier: their answers are coarse and spend no budget, so each
    dataset's budget and remaining are null."""
    when = year or dt.datetime.now(dt.UTC).year
    control = ctx.release.disclosure
    settings = control.settings
    researcher = caller.researcher
    public = researcher.is_anonymous
    spent = {} if public else control.spending(researcher.id, when)
    return {
        "node": ctx.config.id,
        "researcher": researcher.id,
        "anonymous": public,
        "tier": "public" if public else "researcher",
        "year": when,
        "noise": settings.noise,
        "epsilonPerCount": settings.epsilon_per_count,
        "datasets": [
            {
                "dataset": ds.id,
                "budget": None if public else settings.yearly_epsilon_budget,
                "spent": spent.get(ds.id, 0.0),
                "remaining": None if public else control.remaining(researcher.id, ds.id, when),
            }
            for ds in ctx.config.datasets
        ],
    }


def _breakdown(
    ctx: NodeContext,
    control: DisclosureControl,
    dimension: Dimension,
    found: Members,
    *,
    researcher: str,
    public: bool,
    dataset: str,
    question: Mapping[str, object],
    cross_border: bool,
    total: Cohort,
) -> dict[str, object]:
    if dimension == "phenotypeCategory":
        return release_categories(
            top_categories(found),
            control=control,
            researcher=researcher,
            dataset=dataset,
            question=question,
            cross_border=cross_border,
            public=public,
        )
    return release_partition(
        dimension,
        cell_members(dimension, found),
        control=control,
        researcher=researcher,
        dataset=dataset,
        question=question,
        cross_border=cross_border,
        total=total,
        public=public,
    )


def counts_allowed(dataset: Dataset, caller: Caller) -> bool:
    level = caller.researcher.access(dataset.id)
    return dataset.max_granularity(level).rank >= Granularity.COUNT.rank


def _no_access(dataset: Dataset, caller: Caller) -> dict[str, object]:
    return {"dataset": dataset.id, "total": no_count_access(dataset, caller).to_dict(), "breakdowns": {}}


def no_count_access(dataset: Dataset, caller: Caller) -> ReleasedCount:
    """The account of a total the caller's access level does not let them count."""
    level = caller.researcher.access(dataset.id).value
    return suppressed(
        threshold=0,
        rule="access_level",
        reason=f"{level} access to dataset {dataset.id} allows yes/no answers only; counts need a "
        "registered passport or a controlled-access grant",
    )
