"""Beacon ``/api/individuals``: counts of individuals matching filters, per dataset."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge.beacon import BeaconRequest, count_response, parse_body, parse_query_string, to_filters
from pmbridge.errors import QueryError
from pmbridge.model import AccessLevel, IndividualQuery
from pmbridge.node._context import NodeContext
from pmbridge.node._deps import context_of
from pmbridge.node._release import release_counts

router = APIRouter()


@router.get("/api/individuals")
def individuals_get(request: Request) -> dict[str, object]:
    ctx = context_of(request)
    return answer_individuals(ctx, parse_query_string(dict(request.query_params)))


@router.post("/api/individuals")
async def individuals_post(request: Request) -> dict[str, object]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise QueryError(
            f"request body is not valid JSON: {exc}", hint="send a Beacon v2 request body"
        ) from None
    return await run_in_threadpool(answer_individuals, context_of(request), parse_body(body))


def answer_individuals(ctx: NodeContext, request: BeaconRequest) -> dict[str, object]:
    """Filters -> SQL -> counts -> release caps -> Beacon response. The whole query path."""
    known = {ds.id: ds for ds in ctx.config.datasets}
    unknown = [d for d in request.dataset_ids if d not in known]
    if unknown:
        raise QueryError(
            f"unknown dataset(s) {', '.join(unknown)} at node {ctx.config.id}",
            hint=f"this node holds: {', '.join(sorted(known))}",
        )
    datasets = [known[d] for d in request.dataset_ids] if request.dataset_ids else list(known.values())
    query = IndividualQuery(
        filters=to_filters(request.filters, canonical_hpo=ctx.hpo.canonical_id),
        dataset_ids=tuple(ds.id for ds in datasets),
        granularity=request.granularity,
    )
    counts = ctx.store.count_individuals(query)
    released = release_counts(
        counts, datasets=datasets, requested=request.granularity, access=AccessLevel.PUBLIC
    )
    return count_response(
        beacon_id=f"org.pmbridge.node.{ctx.config.id}",
        request=request,
        counts=released.counts,
        granularity=released.granularity,
        info={"node": ctx.config.id, "hpoRelease": ctx.hpo.release},
    )
