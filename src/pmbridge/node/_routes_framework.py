"""The node's Beacon framework endpoints: info, service-info, map, configuration, entry types, terms.

Filtering terms describe the node's data, so they pass the entry endpoints' caller checks: the
passport, the purpose (X5/X6), and X4, which drops the gene terms where genetic-derived output
may not go to the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from pmbridge import __version__
from pmbridge.beacon import (
    FILTERING_TERMS_PATHS,
    BeaconDescription,
    TermPage,
    configuration_response,
    entry_types_response,
    error_responses,
    filtering_terms_response,
    info_response,
    json_body,
    map_response,
    public_base_url,
    service_info,
    term_page_from_body,
    term_page_from_query,
    terms_operation,
)
from pmbridge.errors import QueryError
from pmbridge.model import AccessLevel, Granularity
from pmbridge.node._context import NodeContext
from pmbridge.node._deps import audit_of, caller_of, context_of
from pmbridge.node._filtering_terms import node_filtering_terms, node_resources
from pmbridge.node._release import admit
from pmbridge.policy import Caller, Decision, ReleaseRequest, Researcher, check_genetic
from pmbridge.store import present_terms

router = APIRouter(responses=error_responses(401))  # under /api a node answers only what the hub signed

SECURITY_LEVELS = (AccessLevel.PUBLIC, AccessLevel.REGISTERED, AccessLevel.CONTROLLED)
"""The access levels served when passports are trusted; without a [passports] table, public only."""


def beacon_id(ctx: NodeContext) -> str:
    return f"org.pmbridge.node.{ctx.config.id}"


def describe(ctx: NodeContext) -> BeaconDescription:
    """The node as ``/api/info`` and ``/api/service-info`` present it."""
    config = ctx.config
    return BeaconDescription(
        id=beacon_id(ctx),
        name=config.name,
        description=f"PM Bridge node {config.id} ({config.country}, {config.jurisdiction.value}): "
        "a GA4GH Beacon v2 over its own store; row-level data never leaves it.",
        organization_id=config.id,
        organization_name=config.name,
        version=__version__,
        info={
            "jurisdiction": config.jurisdiction.value,
            "country": config.country,
            "hpoRelease": ctx.hpo.release,
            "storeHpoRelease": ctx.store.hpo_release,
            "datasets": [{"id": ds.id, "name": ds.name} for ds in config.datasets],
            "pmbridgeVersion": __version__,
        },
    )


@router.get("/api")
@router.get("/api/info")
def info(request: Request) -> dict[str, object]:
    """Beacon info: who this node is, its datasets and the HPO release its answers use."""
    return info_response(describe(context_of(request)))


@router.get("/api/service-info")
def service_info_route(request: Request) -> dict[str, object]:
    """GA4GH service-info for this node's Beacon."""
    ctx = context_of(request)
    return service_info(describe(ctx), base_url=public_base_url(request, ctx.config.public_api))


@router.get("/api/map")
def beacon_map(request: Request) -> dict[str, object]:
    """Every endpoint this node serves, with absolute URLs under its public base URL."""
    ctx = context_of(request)
    return map_response(beacon_id=beacon_id(ctx), base_url=public_base_url(request, ctx.config.public_api))


@router.get("/api/configuration")
def configuration(request: Request) -> dict[str, object]:
    """Entry types, maturity and what an anonymous caller gets by default."""
    ctx = context_of(request)
    return configuration_response(
        beacon_id=beacon_id(ctx),
        default_granularity=default_granularity(ctx),
        security_levels=SECURITY_LEVELS if ctx.release.passports is not None else SECURITY_LEVELS[:1],
    )


@router.get("/api/entry_types")
def entry_types(request: Request) -> dict[str, object]:
    return entry_types_response(beacon_id=beacon_id(context_of(request)))


def default_granularity(ctx: NodeContext) -> Granularity:
    """What a public request over every dataset gets: the least any dataset releases publicly."""
    caps = [ds.max_granularity(AccessLevel.PUBLIC) for ds in ctx.config.datasets]
    return min(caps, key=lambda g: g.rank, default=Granularity.BOOLEAN)


def filtering_terms(
    ctx: NodeContext, page: TermPage, *, dataset_ids: Collection[str] | None, caller: Caller | None = None
) -> dict[str, object]:
    """The terms present in the node's data (or in ``dataset_ids``), labelled in English and Chinese.

    ``caller`` (None: anonymous) decides whether gene terms are listed (rule X4); the caller's
    purpose is checked before (:func:`admit_terms`).
    """
    genes = gene_terms_decision(ctx, caller or Caller(Researcher.anonymous()))
    terms = node_filtering_terms(
        present_terms(ctx.store), hpo=ctx.hpo, dataset_ids=dataset_ids, genetic=genes.allowed
    )
    info: dict[str, object] = {"hpoRelease": ctx.hpo.release, "chineseLabels": ctx.hpo.labels_zh.available}
    if not genes.allowed:
        info["withheldTerms"] = {"terms": "gene", "rule": genes.rule, "reason": genes.reason}
    return filtering_terms_response(
        beacon_id=beacon_id(ctx),
        terms=terms,
        resources=node_resources(terms, hpo=ctx.hpo),
        page=page,
        info=info,
    )


def gene_terms_decision(ctx: NodeContext, caller: Caller) -> Decision:
    """X4 on the node's gene terms: which genes carry variants here is genetic-derived output."""
    request = ReleaseRequest(caller.purpose, Granularity.BOOLEAN, caller.researcher.country, genetic=True)
    return check_genetic(ctx.release.policy, request)


def admit_terms(request: Request) -> Caller:
    """The entry endpoints' checks, for a terms request: the passport (401), then the purpose
    (X5/X6, 403), each refusal audited."""
    ctx, caller = context_of(request), caller_of(request)
    admit(ctx.release, caller, granularity=Granularity.BOOLEAN, genetic=False, audit=audit_of(request))
    return caller


def _datasets_of(ctx: NodeContext, request: Request) -> Collection[str] | None:
    """The dataset a ``/datasets/{id}/…`` or ``/cohorts/{id}/…`` path names (a cohort is one dataset)."""
    entry_id = request.path_params.get("id")
    if entry_id is None:
        return None
    known = [ds.id for ds in ctx.config.datasets]
    if entry_id not in known:
        raise QueryError(
            f"unknown dataset {entry_id!r} at node {ctx.config.id}",
            hint=f"this node holds: {', '.join(known)}",
        )
    return (entry_id,)


def _terms_routes(path: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def get(request: Request) -> dict[str, object]:
        ctx, caller = context_of(request), admit_terms(request)
        page = term_page_from_query(dict(request.query_params))
        return filtering_terms(ctx, page, dataset_ids=_datasets_of(ctx, request), caller=caller)

    async def post(request: Request) -> dict[str, object]:
        ctx, caller = context_of(request), admit_terms(request)
        page = term_page_from_body(await json_body(request))
        # The first call scans the store, so keep it off the event loop.
        return await run_in_threadpool(
            filtering_terms, ctx, page, dataset_ids=_datasets_of(ctx, request), caller=caller
        )

    name = path.replace("/", "_").replace("{", "").replace("}", "")
    get.__name__, post.__name__ = f"get_{name}", f"post_{name}"
    return get, post


for _path in ("filtering_terms", *FILTERING_TERMS_PATHS.values()):
    _get, _post = _terms_routes(_path)
    for _method, _route in (("GET", _get), ("POST", _post)):
        router.add_api_route(
            f"/api/{_path}",
            _route,
            methods=[_method],
            summary="Filtering terms present in the data",
            openapi_extra=terms_operation(_method, f"/api/{_path}"),  # read in code, not by FastAPI
            responses=error_responses(403),
        )
