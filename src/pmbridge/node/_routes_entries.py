"""Beacon entry endpoints of a node: every entry type's root, by-id and lookup URLs, GET and POST.

One query path for all of them: request -> plan (filters, anchors, variants) -> store SQL ->
release choke point -> Beacon response. The routes come from the entry-type registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.audit import RequestAudit
from pmbridge.beacon import (
    BeaconRequest,
    EntryType,
    add_entry_routes,
    collections_response,
    entry_type,
    error_responses,
    json_body,
    parse_body,
    parse_query_string,
    resultsets_response,
)
from pmbridge.model import Granularity
from pmbridge.node._cohort_sizes import release_cohort_sizes
from pmbridge.node._context import NodeContext
from pmbridge.node._deps import audit_of, caller_of, context_of
from pmbridge.node._disclosure import allele_floors, is_genetic, question
from pmbridge.node._miabis_beacon import with_miabis_cohort, with_miabis_dataset
from pmbridge.node._query import ONE_PERSON_OWNERS, QueryPlan, about_one_entry, plan_query
from pmbridge.node._records import (
    biosample_record,
    cohort_record,
    dataset_record,
    individual_record,
    variant_record,
)
from pmbridge.node._release import admit, granted_granularity, one_entry, release
from pmbridge.node._release_reply import people_on_page, release_info, result_sets
from pmbridge.policy import Caller, Researcher, crosses_border, volume_limits
from pmbridge.privacy import ReleasedCount
from pmbridge.store import BiosampleRow, IndividualRow, Row

router = APIRouter()
Record = Mapping[str, object]


def answer_entries(
    ctx: NodeContext,
    request: BeaconRequest,
    *,
    path: str,
    entry_id: str | None = None,
    lookup: str | None = None,
    caller: Caller | None = None,
    audit: RequestAudit | None = None,
) -> dict[str, object]:
    """Answer ``/api/{path}[/{entry_id}[/{lookup}]]``: the node's whole query path.

    ``caller`` None is an anonymous researcher declaring the default purpose.
    """
    who = caller or Caller(Researcher.anonymous())
    owner = entry_type(path)
    target = entry_type(lookup) if lookup else owner
    plan = plan_query(
        request, owner=owner, target=target, entry_id=entry_id, datasets=ctx.config.datasets, hpo=ctx.hpo
    )
    granted = granted_granularity(plan.datasets, requested=request.granularity, researcher=who.researcher)
    about_one = _about_one_person(ctx, who, owner=owner, entry_id=entry_id, granted=granted, lookup=lookup)
    dropped: tuple[str, ...] = ()
    if about_one is not None:  # count the person named, not what the filters say about them
        owned = plan_query(
            request, owner=owner, target=owner, entry_id=entry_id, datasets=ctx.config.datasets, hpo=ctx.hpo
        )
        plan, dropped = about_one_entry(owned, request)
    genetic = plan.query is not None and is_genetic(plan.query)
    if not plan.datasets:  # a dataset held elsewhere: nothing is read or released, so no rule but purpose
        genetic = False
    if target.collection:
        return _collections(
            ctx,
            request,
            plan,
            target=target,
            granted=granted,
            root=entry_id is None,
            caller=who,
            genetic=genetic,
            audit=audit,
        )
    admitted = admit(
        ctx.release, who, granularity=granted, genetic=genetic, audit=audit, personal=bool(plan.datasets)
    )
    guarded = about_one is None and _guarded(ctx, plan, granted)
    # One read for the count and the people behind it (the differencing guard's cohorts).
    counted = ctx.store.counted(plan.query, members=guarded) if plan.query is not None else None
    counts = counted.counts if counted is not None else {}
    exact = {ds.id: counts.get(ds.id, 0) for ds in plan.datasets}
    records: dict[str, list[Record]] = {}
    people: set[str] = set()
    if granted is Granularity.RECORD and plan.query is not None:
        for ds in plan.datasets:
            if exact[ds.id]:
                rows = ctx.store.page(plan.query, dataset=ds.id)
                records[ds.id] = [_record(ctx, row, plan) for row in rows]
                people |= people_on_page(ds.id, rows)
    elif plan.query is not None and volume_limits(ctx.release.policy, admitted):
        people = {p for found in ctx.store.people(plan.query).values() for p in found}
    released = release(
        exact,
        state=ctx.release,
        caller=who,
        request=admitted,
        granularity=granted,
        questions={ds: question(plan.query, ds) for ds in exact} if plan.query is not None else {},
        cohorts=counted.members if guarded and counted is not None else None,
        people=people,
        records=records,
        held=_allele_floors(ctx, plan, granted),
        unit=target.path,
        about_one=about_one,
        audit=audit,
    )
    info = {**_info(ctx, request, plan), "release": release_info(released, who)}
    if dropped:
        info["filtersNotApplied"] = list(dropped)
        info["warnings"] = [*_listed(info.get("warnings")), ONE_ENTRY_WARNING.format(", ".join(dropped))]
    if plan.query is not None and not plan.query.variant.empty and granted is not Granularity.RECORD:
        floor = ctx.release.disclosure.settings.allele_count_floor
        info["warnings"] = [*_listed(info.get("warnings")), ALLELE_FLOOR_NOTE.format(floor=floor)]
    return resultsets_response(
        beacon_id=_beacon_id(ctx),
        request=request,
        entry=target,
        granularity=released.granularity,
        sets=result_sets(released),
        info=info,
        total=released.total.value or 0,
        exists=released.exists,
    )


ONE_ENTRY_WARNING = (
    "{} not applied: below record access a question about one entry answers only whether the entry "
    "is there (a cohort of one person), so filters cannot read that person's attributes"
)


ALLELE_FLOOR_NOTE = (
    "a variant seen on fewer than {floor} chromosomes of a dataset, none included, is withheld: "
    "exists false means that no match was released, not that the variant is absent"
)
"""Said with every variant answer below record access, whether or not anything was withheld, so
the note itself tells nothing."""


def _about_one_person(
    ctx: NodeContext,
    caller: Caller,
    *,
    owner: EntryType,
    entry_id: str | None,
    granted: Granularity,
    lookup: str | None,
) -> ReleasedCount | None:
    """The account of a question about one person below record access, or None when it is not one.

    A node whose minimum count is 1 for this caller releases everything exactly (a test or open
    data setting), so there is nothing to hold back."""
    if entry_id is None or owner.path not in ONE_PERSON_OWNERS or granted is Granularity.RECORD:
        return None
    cross = crosses_border(ctx.release.policy.jurisdiction, caller.researcher.country)
    k = ctx.release.disclosure.settings.min_count_for(cross_border=cross)
    return one_entry(k, lookup=lookup is not None) if k > 1 else None


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _guarded(ctx: NodeContext, plan: QueryPlan, granted: Granularity) -> bool:
    """Whether the differencing guard needs the individuals behind each count (count replies only)."""
    return (
        granted is Granularity.COUNT
        and plan.query is not None
        and ctx.release.disclosure.settings.differencing_guard
    )


def _allele_floors(ctx: NodeContext, plan: QueryPlan, granted: Granularity) -> Mapping[str, ReleasedCount]:
    """Counts (and, at boolean granularity, existence) of a variant query that the allele-count
    floor holds back; records, which only record-level access gets, leave as they are."""
    if granted is Granularity.RECORD or plan.query is None or plan.query.variant.empty:
        return {}
    return allele_floors(
        ctx.store.allele_counts(plan.query),
        datasets=tuple(ds.id for ds in plan.datasets),
        floor=ctx.release.disclosure.settings.allele_count_floor,
    )


def _collections(
    ctx: NodeContext,
    request: BeaconRequest,
    plan: QueryPlan,
    *,
    target: EntryType,
    granted: Granularity,
    root: bool,
    caller: Caller,
    genetic: bool,
    audit: RequestAudit | None,
) -> dict[str, object]:
    """Datasets and cohorts: those holding a matching individual (all of them, unconstrained).

    Their records describe collections, not people, so across a border they are judged as
    aggregates, and at every granularity a dataset whose variant match the allele floor holds back
    is not listed as holding it. The root endpoint lists them as collections (paged);
    ``/datasets/{id}`` answers with result sets.
    """
    admitted = admit(ctx.release, caller, granularity=granted, genetic=genetic, audit=audit, personal=False)
    counts = ctx.store.count_entries(plan.query) if plan.query is not None else {}
    constrained = plan.query is None or plan.query.constrained
    floored = _allele_floors(ctx, plan, Granularity.COUNT)
    matched = {
        ds.id: int(not constrained or (counts.get(ds.id, 0) > 0 and ds.id not in floored))
        for ds in plan.datasets
    }
    records: dict[str, list[Record]] = {}
    if granted is Granularity.RECORD:
        contents = ctx.store.dataset_contents()
        holding = [ds for ds in plan.datasets if matched[ds.id]]
        sizes = (
            release_cohort_sizes(
                {ds.id: contents.get(ds.id, (0, False))[0] for ds in holding},
                datasets=holding,
                state=ctx.release,
                caller=caller,
            )
            if target.path == "cohorts"
            else {}
        )
        records = {
            ds.id: [
                with_miabis_cohort(
                    cohort_record(ds, size=sizes[ds.id], genotyped=contents.get(ds.id, (0, False))[1]),
                    ctx.config.miabis.get(ds.id),
                )
                if target.path == "cohorts"
                else with_miabis_dataset(dataset_record(ds), ctx.config.miabis.get(ds.id))
            ]
            for ds in holding
        }
    released = release(
        matched,
        state=ctx.release,
        caller=caller,
        request=admitted,
        granularity=granted,
        questions={},
        records=records,
        held=floored,
        people_counts=False,
        audit=audit,
    )
    info = {**_info(ctx, request, plan), "release": release_info(released, caller)}
    if root:
        listed = [r for part in released.parts for r in part.records]
        return collections_response(
            beacon_id=_beacon_id(ctx),
            request=request,
            entry=target,
            granularity=released.granularity,
            total=sum(matched.values()),
            collections=listed[request.skip : request.skip + request.limit],
            info=info,
        )
    return resultsets_response(
        beacon_id=_beacon_id(ctx),
        request=request,
        entry=target,
        granularity=released.granularity,
        sets=result_sets(released),
        info=info,
    )


def _record(ctx: NodeContext, row: Row, plan: QueryPlan) -> Record:
    if isinstance(row, IndividualRow):
        return individual_record(row, label=lambda term: _hpo_label(ctx, term))
    if isinstance(row, BiosampleRow):
        return biosample_record(row)
    return variant_record(row, biosample_id=plan.biosample_id)


def _hpo_label(ctx: NodeContext, term: str) -> str | None:
    current = ctx.hpo.canonical_id(term)
    return ctx.hpo.term(current).name if current is not None else None


def _info(ctx: NodeContext, request: BeaconRequest, plan: QueryPlan) -> dict[str, object]:
    """Who answered, and everything the node did not apply: skipped filters, unused parameters and
    body keys Beacon does not define."""
    info: dict[str, object] = {"node": ctx.config.id, "hpoRelease": ctx.hpo.release}
    warnings = [
        f"filter {s.id} was not applied ({s.reason}); the answer is computed without it"
        for s in plan.meaning.skipped
    ]
    warnings += request.ignored_warnings(by="this node")  # each with a "did you mean …?" where one fits
    if plan.meaning.skipped:
        info["unsupportedFilters"] = [{"id": s.id, "reason": s.reason} for s in plan.meaning.skipped]
    info |= request.ignored_info()  # ignoredParameters, unknownKeys
    if plan.unknown_datasets:
        info["unknownDatasets"] = list(plan.unknown_datasets)
        held = ", ".join(ds.id for ds in ctx.config.datasets)
        warnings.append(
            f"dataset(s) {', '.join(plan.unknown_datasets)} are not held here (this node holds {held})"
        )
    if warnings:
        info["warnings"] = warnings
    if plan.meaning.notes:
        info["filterNotes"] = list(plan.meaning.notes)
    return info


def _beacon_id(ctx: NodeContext) -> str:
    return f"org.pmbridge.node.{ctx.config.id}"


def _endpoint(path: str, lookup: str | None) -> Callable[[Request], Awaitable[dict[str, object]]]:
    async def endpoint(request: Request) -> dict[str, object]:
        if request.method == "POST":
            beacon_request = parse_body(await json_body(request))
        else:
            params = request.query_params
            beacon_request = parse_query_string({k: ",".join(params.getlist(k)) for k in params})
        entry_id = request.path_params.get("entry_id")
        return await run_in_threadpool(
            answer_entries,
            context_of(request),
            beacon_request,
            path=path,
            entry_id=entry_id,
            lookup=lookup,
            caller=caller_of(request),
            audit=audit_of(request),
        )

    return endpoint


add_entry_routes(router, _endpoint, responses=error_responses(401, 403))  # 401: unsigned; a bad passport
