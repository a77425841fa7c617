"""The network Beacon's framework endpoints: info, service-info, map, configuration, entry types, terms.

Info, map and entry types describe the network itself; configuration and filtering terms ask the
nodes, so they tell the truth about what the network can answer right now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request

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
    merge_filtering_terms,
    public_base_url,
    service_info,
    term_page_from_body,
    term_page_from_query,
    terms_operation,
)
from pmbridge.errors import QueryError
from pmbridge.hub._caller import HubCaller, hub_caller
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._fanout import NodeReply, NodeStatus
from pmbridge.hub._refusals import refusal_rule
from pmbridge.model import AccessLevel, Granularity

router = APIRouter()

SECURITY_LEVELS = (AccessLevel.PUBLIC, AccessLevel.REGISTERED, AccessLevel.CONTROLLED)
"""The access levels served when passports are trusted; without a [passports] table, public only."""

TERMS_REPLY_BYTES = 20_000_000
"""The least reply size accepted for a node's filtering terms: a vocabulary, bounded by the HPO,
the disease codes and the genes a node holds (18,700 terms of a 1 M-individual node are 3.4 MB)."""


def describe(ctx: HubContext) -> BeaconDescription:
    config = ctx.config
    return BeaconDescription(
        id=config.id,
        name=config.name,
        description=f"PM Bridge network Beacon over {len(config.nodes)} nodes: fans each request out to "
        "the nodes and merges their answers per node and dataset.",
        organization_id=config.id,
        organization_name=config.name,
        version=__version__,
        info={
            "network": True,
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name,
                    "jurisdiction": n.jurisdiction.value,
                    "country": n.country,
                }
                for n in config.nodes
            ],
            "pmbridgeVersion": __version__,
        },
    )


@router.get("/api")
@router.get("/api/info")
def info(request: Request) -> dict[str, object]:
    """Beacon info of the network: the hub and the nodes it fans out to."""
    return info_response(describe(hub_of(request)))


@router.get("/api/service-info")
def service_info_route(request: Request) -> dict[str, object]:
    ctx = hub_of(request)
    return service_info(describe(ctx), base_url=public_base_url(request, ctx.config.public_api))


@router.get("/api/map")
def beacon_map(request: Request) -> dict[str, object]:
    """The same endpoints as a node's, under the hub's public base URL."""
    ctx = hub_of(request)
    return map_response(beacon_id=ctx.config.id, base_url=public_base_url(request, ctx.config.public_api))


@router.get("/api/entry_types")
def entry_types(request: Request) -> dict[str, object]:
    return entry_types_response(beacon_id=hub_of(request).config.id)


@router.get("/api/configuration")
async def configuration(request: Request) -> dict[str, object]:
    """The network's configuration; its default granularity is the least any answering node gives."""
    ctx = hub_of(request)
    replies = await ctx.ask("GET", "/api/configuration")
    granularities = [g for g in (_default_granularity(r) for r in replies) if g is not None]
    doc = configuration_response(
        beacon_id=ctx.config.id,
        default_granularity=min(granularities, key=lambda g: g.rank, default=Granularity.BOOLEAN),
        security_levels=SECURITY_LEVELS if ctx.release.trust is not None else SECURITY_LEVELS[:1],
    )
    doc["info"] = _node_info(replies, answered=lambda r: r.status is NodeStatus.OK)
    return doc


async def network_filtering_terms(
    ctx: HubContext, path: str, page: TermPage, *, entry_id: str | None, who: HubCaller
) -> dict[str, object]:
    """The union of the nodes' filtering terms at ``path``, asked with ``who``'s passport and purpose
    (checked by :func:`hub_caller` before this is called, and again by each node).

    For a dataset's or cohort's terms (``entry_id``), a node that refuses with a 4xx simply does not
    hold that entry; only when every node refuses is the id unknown.
    """
    replies = await ctx.ask(
        "GET",
        path,
        max_reply_bytes=max(ctx.config.max_reply_bytes, TERMS_REPLY_BYTES),
        headers=who.forward,
    )

    def answered(reply: NodeReply) -> bool:
        return reply.status is NodeStatus.OK or (entry_id is not None and _refused(reply))

    if entry_id is not None and replies and all(_refused(r) for r in replies):
        raise QueryError(
            f"no node holds {entry_id!r}",
            hint="list the network's datasets with /api/datasets, or see /api/info for its nodes",
        )
    terms, resources = merge_filtering_terms(
        r.body for r in replies if r.status is NodeStatus.OK and r.body is not None
    )
    return filtering_terms_response(
        beacon_id=ctx.config.id,
        terms=terms,
        resources=resources,
        page=page,
        info=_node_info(replies, answered=answered),
    )


def _refused(reply: NodeReply) -> bool:
    """A node that answered the request with a 4xx: a refusal, or (400) an entry it does not hold."""
    return (
        reply.status in (NodeStatus.REFUSED, NodeStatus.ERROR)
        and reply.http_status is not None
        and 400 <= reply.http_status < 500
    )


def _node_info(replies: list[NodeReply], *, answered: Callable[[NodeReply], bool]) -> dict[str, object]:
    return {
        "nodes": [
            {
                "node": r.node.id,
                "status": r.status.value,
                "elapsedMs": round(r.elapsed_ms, 1),
                "detail": r.detail,
                **_rule_of(r),
            }
            for r in replies
        ],
        "missingNodes": [r.node.id for r in replies if not answered(r)],
    }


def _rule_of(reply: NodeReply) -> dict[str, str]:
    rule = refusal_rule(reply)
    return {"rule": rule} if rule is not None else {}


def _default_granularity(reply: NodeReply) -> Granularity | None:
    if reply.status is not NodeStatus.OK or reply.body is None:
        return None
    response = reply.body.get("response")
    security = response.get("securityAttributes") if isinstance(response, Mapping) else None
    value = security.get("defaultGranularity") if isinstance(security, Mapping) else None
    try:
        return Granularity(str(value))
    except ValueError:
        return None


def _terms_routes(path: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def node_path(request: Request) -> tuple[str, str | None]:
        entry_id = request.path_params.get("id")
        if entry_id is None:
            return f"/api/{path}", None
        return "/api/" + path.replace("{id}", quote(str(entry_id), safe="")), str(entry_id)

    # The caller's passport and purpose are checked before any node is asked, as for entries.
    async def get(request: Request) -> dict[str, object]:
        who = hub_caller(request)
        target, entry_id = node_path(request)
        page = term_page_from_query(dict(request.query_params))
        return await network_filtering_terms(hub_of(request), target, page, entry_id=entry_id, who=who)

    async def post(request: Request) -> dict[str, object]:
        who = hub_caller(request)
        target, entry_id = node_path(request)
        page = term_page_from_body(await json_body(request))
        return await network_filtering_terms(hub_of(request), target, page, entry_id=entry_id, who=who)

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
            summary="Filtering terms of the network",
            openapi_extra=terms_operation(_method, f"/api/{_path}"),  # read in code, not by FastAPI
            responses=error_responses(401, 403),
        )
