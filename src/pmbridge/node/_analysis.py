"""The node's analysis endpoint (``POST /api/analysis``): one step of a vetted analysis on its own rows.

No code or SQL is sent: the body names an analysis registered in :mod:`pmbridge.analytics` and the
variables it uses, and the node reads them from its store itself. In order: the caller's access
(registered at least, counts allowed on the datasets), rules X5/X6, X1 and X4 (a genetic variable
or filter is genetic output), the differencing guard on the analysis's cohort, the evaluation
limit, then the analysis's own disclosure checks, which destroy a failing output; then the yearly
export counters and the audit entry. Only the step's aggregate part leaves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NoReturn

from pmbridge.analytics import (
    AnalysisSpec,
    CoxSpec,
    Released,
    Step,
    StepKind,
    SummarySpec,
    analysis_kind,
    complete_cases,
    model_digest,
    node_part,
    parse_analysis,
    parse_step,
    part_to_wire,
)
from pmbridge.audit import RequestAudit
from pmbridge.beacon import INDIVIDUAL, parse_body
from pmbridge.errors import DisclosureRefused, QueryError
from pmbridge.model import Dataset, Granularity
from pmbridge.node._aggregates import counts_allowed
from pmbridge.node._analysis_frames import Frame
from pmbridge.node._context import NodeContext
from pmbridge.node._disclosure import is_genetic, question
from pmbridge.node._query import plan_query
from pmbridge.node._release import admit, raise_refusal
from pmbridge.policy import Caller, crosses_border, decide_release, volume_limits
from pmbridge.privacy import canonical_query, cohort_digest, query_digest
from pmbridge.store import EntryQuery
from pmbridge.vocab import Hpo

ANALYSIS_SCOPE = "analysis"
"""The differencing guard's scope for analyses' cohorts, apart from the counts' own."""


def counted_cohort(
    cohort: Mapping[str, object], caller: Caller, *, datasets: Sequence[Dataset], hpo: Hpo
) -> EntryQuery:
    """The individuals of ``cohort`` (a Beacon query) in those of ``datasets`` whose counts the
    caller may see: what an analysis or a training reads. DisclosureRefused when no dataset does."""
    plan = plan_query(
        parse_body({"query": dict(cohort)}), owner=INDIVIDUAL, target=INDIVIDUAL, entry_id=None,
        datasets=datasets, hpo=hpo,
    )  # fmt: skip
    counted = tuple(ds.id for ds in plan.datasets if counts_allowed(ds, caller))
    if plan.query is None or not counted:
        raise DisclosureRefused(
            "access_level",
            "none of this node's datasets in the cohort allows you counts",
            hint="ask for registered or controlled access to the node's datasets",
        )
    return EntryQuery(
        "individuals",
        filters=plan.query.filters,
        phenotype_groups=plan.query.phenotype_groups,
        variant=plan.query.variant,
        dataset_ids=counted,
    )


def parse_analysis_body(body: object) -> tuple[AnalysisSpec, Step]:
    """``{"analysis": <spec>, "step": <step>}`` as the analysis and the step asked of this node."""
    if not isinstance(body, Mapping) or set(body) != {"analysis", "step"}:
        raise QueryError(
            'the analysis body must be {"analysis": {...}, "step": {...}}',
            hint="the hub sends it; researchers call POST /api/analyses at the hub",
        )
    return parse_analysis(body["analysis"]), parse_step(body["step"])


def answer_analysis(
    ctx: NodeContext, spec: AnalysisSpec, step: Step, *, caller: Caller, audit: RequestAudit | None = None
) -> dict[str, object]:
    """This node's part of one step of ``spec``, after every check; DisclosureRefused or
    PolicyRefused (403, audited) when a rule says no."""
    researcher = caller.researcher
    if researcher.is_anonymous:
        _refuse(
            audit,
            DisclosureRefused(
                "access_level",
                "analyses are for registered researchers",
                hint="sign in with a passport (registered access at least)",
            ),
        )
    try:
        query = counted_cohort(spec.cohort, caller, datasets=ctx.config.datasets, hpo=ctx.hpo)
    except DisclosureRefused as error:
        _refuse(audit, error)
    counted = query.dataset_ids
    genetic = is_genetic(query) or any(v.genetic for v in spec.variables)
    request = admit(ctx.release, caller, granularity=Granularity.COUNT, genetic=genetic, audit=audit)
    control = ctx.release.disclosure
    cross = crosses_border(ctx.release.policy.jurisdiction, researcher.country)
    k = control.settings.min_count_for(cross_border=cross)
    key = (researcher.id, model_digest(spec))
    # The cohort as the store reads it, so that {} and {"filters": []} are one question.
    definition = query_digest(canonical_query([question(query, ds) for ds in counted]))
    track = bool(volume_limits(ctx.release.policy, request))
    try:
        frame = ctx.frames.frame(
            key,
            lambda: _guarded(
                ctx,
                _read_frame(ctx, query, spec, counted, track=track),
                spec,
                researcher=researcher.id,
                definition=definition,
                k=k,
            ),
        )
        ctx.frames.count_step(key, limit=control.settings.max_analysis_steps)
        binned = (researcher.id, definition, _binned_values(spec))
        exits = (researcher.id, definition, "exits")
        released = Released(ctx.frames.released_edges(binned), ctx.frames.released_edges(exits))
        part = node_part(
            spec,
            step,
            frame.columns,
            min_count=k,
            max_parameter_ratio=control.settings.max_parameter_ratio,
            released=released,
        )
    except DisclosureRefused as error:
        _refuse(audit, error)
    if edges := _edges_released(step):
        ctx.frames.remember_edges(binned, edges)
        if isinstance(spec, CoxSpec):
            ctx.frames.remember_edges(exits, edges)
    verdict = decide_release(
        ctx.release.policy,
        request,
        people=frame.people,
        ledger=ctx.release.exports,
        now=dt.datetime.now(dt.UTC),
    )
    raise_refusal(verdict.deciding, audit)
    if audit is not None:
        audit.researcher = researcher.id
        audit.record_release(
            rule=verdict.deciding.rule,
            granularity="aggregate",
            released={"analysis": analysis_kind(spec), "step": step.kind.value, "crossBorder": cross},
        )
    return {
        "node": ctx.config.id,
        "analysis": analysis_kind(spec),
        "step": step.kind.value,
        "datasets": list(frame.datasets),
        "crossBorder": cross,
        "minCount": k,
        "part": part_to_wire(part),
    }


def _guarded(
    ctx: NodeContext, frame: Frame, spec: AnalysisSpec, *, researcher: str, definition: str, k: int
) -> Frame:
    """``frame`` once the differencing guard admits its cohorts: the Beacon cohort against the
    cohorts of the researcher's other analyses (as counts are guarded), and its complete cases
    against the complete cases of all their other analyses, whatever the filters (distance 0 is
    fine there: exactly the same people)."""
    control = ctx.release.disclosure
    if not control.settings.differencing_guard or not len(frame.inds):
        return frame
    cases = frozenset(int(i) for i in frame.inds[complete_cases(spec, frame.columns)])
    keep = control.settings.differencing_history
    for scope, cohort, asked in (
        (f"{researcher}\x1f{ANALYSIS_SCOPE}", frame.cohort, definition),
        (f"{researcher}\x1f{ANALYSIS_SCOPE}\x1fcases", cases, cohort_digest(cases)),
    ):
        if not cohort:
            continue
        conflict = control.ledger.admit_cohort(
            scope, cohort, query=asked, min_count=k, keep=keep, remember=True
        )
        if conflict is not None:
            raise DisclosureRefused(
                "differencing_guard",
                "the people this analysis would use are too close to those of another analysis you "
                f"ran; sets of people fewer than {k} apart are refused",
                hint="an earlier analysis of yours used a few people this one leaves out or adds (for "
                "instance people of unknown sex, or without a value of a variable): analyse exactly the "
                f"same people again, or people at least {k} apart; to compare subgroups, choose them by the "
                "cohort's filters from the start (e.g. a sex filter), so no analysis mixes them in",
            )
    return frame


def _binned_values(spec: AnalysisSpec) -> str:
    """What a binned output of ``spec`` bins: the event times, or a summary's variable."""
    if isinstance(spec, SummarySpec):
        variable = next(v for v in spec.variables if v.name == spec.variable)
        return f"summary\x1f{variable.source.value}\x1f{variable.code or ''}"
    return "event_times"


def _edges_released(step: Step) -> tuple[float, ...]:
    """The bin edges whose counts this reply releases: those it was evaluated on. A proposal
    releases edges, not counts (that each bin holds none or at least k), so it is fitted to the
    memory but not added to it; otherwise a conversation's two rounds would cut each other."""
    return (step.edges or ()) if step.kind is StepKind.EVALUATE else ()


def _read_frame(
    ctx: NodeContext, query: EntryQuery, spec: AnalysisSpec, datasets: tuple[str, ...], *, track: bool
) -> Frame:
    """The analysis's columns from the store, its Beacon cohort, and (when a yearly export counter
    applies) the people behind it."""
    table = ctx.store.analysis_frame(query, spec.variables)
    columns = {
        v.name: table.column(v.name).to_numpy(zero_copy_only=False).astype("float64") for v in spec.variables
    }
    inds = table.column("ind").to_numpy(zero_copy_only=False).astype("int64")
    people: frozenset[str] = frozenset()
    if track:
        people = frozenset(p for found in ctx.store.people(query).values() for p in found)
    return Frame(columns=columns, inds=inds, datasets=datasets, people=people)


def _refuse(audit: RequestAudit | None, error: DisclosureRefused) -> NoReturn:
    if audit is not None:
        audit.refuse(f"privacy:{error.rule}")
    raise error
