"""Patient matching at a node: ``POST /api/match`` (scores, through the match release) and
``POST /api/match/contact`` (a researcher's contact request, into the steward's inbox).

Thin shells: the index scores, ``_release_matches`` decides what leaves (its band counts through
the node's ``DisclosureControl``, handed in here), ``_contacts`` stores; each release, refusal and
contact request is audited as the entry endpoints audit theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.audit import RequestAudit
from pmbridge.beacon import error_responses, json_body, json_request_body
from pmbridge.errors import DisclosureRefused, PassportRejected, PolicyRefused, QueryError, UnknownMatch
from pmbridge.model import Granularity
from pmbridge.node._contacts import ContactEntry, add_contact, inbox_path, new_request_id, received_now
from pmbridge.node._context import NodeContext
from pmbridge.node._deps import audit_of, caller_of, context_of
from pmbridge.node._matching import NodeMatcher, node_matcher
from pmbridge.node._pseudonyms import MatchIds, load_match_ids
from pmbridge.node._release_matches import (
    BAND_BOUNDS,
    BandRelease,
    MatchMode,
    MatchPlan,
    as_aggregate,
    described,
    leaves,
    match_question,
    match_reply,
    plan_match_release,
    question_digest,
    release_matches,
)
from pmbridge.policy import Caller, ReleaseRequest, decide_release, volume_limits
from pmbridge.privacy import Breakdown, DisclosureControl
from pmbridge.similarity import (
    CONTACT_REQUEST_SCHEMA,
    PHENOTYPE_REQUEST_SCHEMA,
    PhenotypeQuery,
    PhenotypeRequest,
    parse_contact_request,
    parse_phenotype_request,
    resolve_terms,
)

router = APIRouter(responses=error_responses(401))  # under /api a node answers only what the hub signed


def match_caller(request: Request) -> Caller:
    """THE hook for who asks a match: the researcher of a verified passport and the declared purpose
    (``caller_of``, which refuses a bad passport). No passport means anonymous, location unknown:
    treated as abroad, so only aggregates leave."""
    return caller_of(request)


@router.post(
    "/api/match",
    openapi_extra=json_request_body(PHENOTYPE_REQUEST_SCHEMA, required=True),
    responses=error_responses(403),
)
async def match(request: Request) -> dict[str, object]:
    """The node's best matches for a patient (or, where they may not leave, counts per score band)."""
    body = parse_phenotype_request(await json_body(request))
    ctx, caller, audit = context_of(request), match_caller(request), audit_of(request)
    return await run_in_threadpool(answer_match, ctx, body, caller=caller, audit=audit)


def answer_match(
    ctx: NodeContext, body: PhenotypeRequest, *, caller: Caller, audit: RequestAudit | None = None
) -> dict[str, object]:
    query = PhenotypeQuery(
        observed=resolve_terms(body.phenotypes, hpo=ctx.hpo),
        excluded=resolve_terms(body.excluded, hpo=ctx.hpo),
        genes=() if body.gene is None else (body.gene,),
    )
    control = ctx.release.disclosure
    try:
        plan = plan_match_release(
            policy=ctx.release.policy,
            caller=caller,
            datasets=ctx.config.datasets,
            genetic=body.gene is not None,
            privacy=control.settings,
        )
    except PolicyRefused as error:
        if audit is not None:
            audit.refuse(error.rule)
        raise
    matcher = node_matcher(ctx)
    scores = matcher.index.scores(query)
    top = matcher.index.top(scores, limit=body.limit, datasets=plan.datasets(MatchMode.PATIENTS))
    plan, exported = _count_exports(
        ctx, plan, caller, [m.id for m in top if leaves(m.score)], matcher, genetic=body.gene is not None
    )
    bands = matcher.index.band_counts(scores, bounds=BAND_BOUNDS, datasets=plan.datasets(MatchMode.AGGREGATE))
    releaser = band_release(
        control,
        researcher=caller.researcher.id,
        query=query,
        cross_border=plan.cross_border,
        public=caller.researcher.is_anonymous,
    )
    ids = load_match_ids(ctx.config.store.parent)

    def match_id(key: str) -> str:
        dataset, individual = matcher.patients[key]
        return ids.for_researcher(caller.researcher, dataset, individual)

    try:
        done = release_matches(
            plan,
            matches=top,
            band_counts=bands,
            privacy=control.settings,
            release_bands=releaser,
            match_id=match_id,
        )
    except DisclosureRefused as error:
        if audit is not None:
            audit.refuse(f"privacy:{error.rule}")
        raise
    if audit is not None:
        audit.record_release(
            rule=plan.rule,
            granularity="record" if done.matches else "count",
            released=described(done, question=question_digest(query), exported=exported),
        )
    return {
        "meta": {"node": ctx.config.id, "hpoRelease": matcher.hpo_release, "patients": len(matcher.index)},
        "query": {"phenotypes": list(query.observed), "excluded": list(query.excluded), "gene": body.gene},
        **match_reply(done),
    }


def band_release(
    control: DisclosureControl,
    *,
    researcher: str,
    query: PhenotypeQuery,
    cross_border: bool,
    public: bool = False,
) -> BandRelease:
    """One dataset's band counts as one breakdown (cells = bands, no total) under the match's
    canonical question: noise charged to ``researcher``'s budget for the dataset, cached per question."""

    def release(dataset: str, cells: Mapping[str, int]) -> Breakdown:
        return control.release_breakdown(
            cells,
            total=None,
            researcher=researcher,
            dataset=dataset,
            query={**match_question(query), "dataset": dataset},
            cross_border=cross_border,
            public=public,
        )

    return release


def _count_exports(
    ctx: NodeContext,
    plan: MatchPlan,
    caller: Caller,
    ids: list[str],
    matcher: NodeMatcher,
    *,
    genetic: bool,
) -> tuple[MatchPlan, int]:
    """Per-patient matches abroad (under a legal route) count toward the node's yearly export limits
    (X3, X4); past them the answer falls back to the aggregate. Returns the plan and how many
    people the counters took (none where no counter applies, e.g. an EU node)."""
    if not plan.cross_border or not ids:
        return plan, 0
    people = [f"{ds}/{individual}" for ds, individual in (matcher.patients[i] for i in ids)]
    request = ReleaseRequest(caller.purpose, Granularity.RECORD, caller.researcher.country, genetic=genetic)
    verdict = decide_release(
        ctx.release.policy, request, people=people, ledger=ctx.release.exports, now=datetime.now(UTC)
    )
    if verdict.allowed:
        return plan, len(people) if volume_limits(ctx.release.policy, request) else 0
    deciding = verdict.deciding
    return as_aggregate(plan, f"rule {deciding.rule}: {deciding.reason}", rule=deciding.rule), 0


@router.post(
    "/api/match/contact",
    openapi_extra=json_request_body(CONTACT_REQUEST_SCHEMA, required=True),
    responses=error_responses(403, 404, 429),
)
async def contact(request: Request) -> dict[str, object]:
    """Put a researcher's contact request about one of this node's matches into the steward's inbox.

    Match ids are per researcher, so the request must carry the passport of the researcher who was
    given the id; the node recomputes ids for them alone, and another researcher's id matches none.
    """
    body = parse_contact_request(await json_body(request))
    ctx, caller = context_of(request), match_caller(request)
    if caller.researcher.is_anonymous:
        refused = audit_of(request)
        if refused is not None:
            refused.refuse("passport:missing")
        raise PassportRejected(
            "missing",
            "a contact request needs the passport of the researcher who was given the match id",
            hint="sign in and send the request with the passport you asked /api/match with",
        )
    if body.node != ctx.config.id:
        raise QueryError(f"this is node {ctx.config.id}, not {body.node}", hint="send it through the hub")
    if body.dataset not in {ds.id for ds in ctx.config.datasets}:
        raise UnknownMatch(
            f"dataset {body.dataset} is not held by node {ctx.config.id}", hint="check the dataset id"
        )
    found = (
        await run_in_threadpool(_resolve, ctx, body.match_id, caller, body.dataset)
        if MatchIds.looks_valid(body.match_id)
        else None
    )
    if found is None:
        raise UnknownMatch(
            f"match id {body.match_id} is not a patient of dataset {body.dataset} at node {ctx.config.id}",
            hint="copy matchId, node and dataset of a match from the /api/match answer",
        )
    entry = ContactEntry(
        request_id=new_request_id(),
        received_at=received_now(),
        dataset=body.dataset,
        match_id=body.match_id,
        individual_id=found[1],
        researcher_name=body.name,
        researcher_email=body.email,
        organisation=body.organisation,
        passport_subject=caller.researcher.id,
        message=body.message,
    )
    await run_in_threadpool(add_contact, inbox_path(ctx.config.store), entry)
    audit = audit_of(request)
    if audit is not None:  # the request id links the log to the inbox; the patient stays in the inbox
        audit.record_release(
            rule="contact",
            granularity="none",
            released={"kind": "contact", "requestId": entry.request_id, "dataset": body.dataset},
        )
    return {"requestId": entry.request_id, "node": ctx.config.id, "status": "received"}


def _resolve(ctx: NodeContext, match_id: str, caller: Caller, dataset: str) -> tuple[str, str] | None:
    """The patient of ``dataset`` whose id for the calling researcher is ``match_id``, if any."""
    patients = (p for p in node_matcher(ctx).patients.values() if p[0] == dataset)
    return load_match_ids(ctx.config.store.parent).resolve(match_id, caller.researcher, patients)
