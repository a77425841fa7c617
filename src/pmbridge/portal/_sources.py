"""Where the portal's numbers come from: the hub's own API, called in-process as the signed-in researcher.

Each call goes through the hub's app (no socket) with the researcher's passport as a bearer token,
so the hub checks, audits and releases exactly as it does for any other client. A page costs at
most two fan-outs, made concurrently by the route that needs them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Final, TypeVar

import httpx
from fastapi import Request

from pmbridge.client import (
    Aggregates,
    AsyncHubClient,
    Budget,
    Call,
    DemoUsers,
    Matches,
    NodeHealth,
    Ranking,
)
from pmbridge.errors import PMBridgeError
from pmbridge.hub import NodeStatus, client_address, hub_of
from pmbridge.portal._cohort import CohortCounts, from_aggregates
from pmbridge.portal._session import passport_of

BREAKDOWNS: Final = ("sex", "ageBand", "phenotypeCategory")
M = TypeVar("M")


@asynccontextmanager
async def hub_api(request: Request) -> AsyncIterator[AsyncHubClient]:
    """A client of this hub's API, in-process, carrying the researcher's passport when signed in."""
    # as the browser's address, so the hub's per-address limits (sign-in) count the browser, not us
    browser = (client_address(request.scope, hub_of(request).config.public_api), 0)
    transport = httpx.ASGITransport(app=request.app, client=browser)
    timeout = hub_of(request).config.deadline_seconds + 5
    async with AsyncHubClient(
        HUB_URL, passport=passport_of(request) or None, timeout=timeout, transport=transport
    ) as client:
        yield client


HUB_URL: Final = "http://hub.internal"
"""The base URL of in-process calls: never resolved, the transport is the hub's app itself."""


async def rank_and_match(
    request: Request, phenotypes: Sequence[str], *, gene: str | None, diagnoses: int, matches: int
) -> tuple[tuple[Ranking | None, str], tuple[Matches | None, str]]:
    """The hub's disease ranking and patient matches for one patient, asked together; either may
    fail (None and why) and leave the other."""
    async with hub_api(request) as client:
        return await asyncio.gather(
            _or_problem(client.rank(phenotypes, gene=gene, limit=diagnoses)),
            _or_problem(client.match(phenotypes, gene=gene, limit=matches)),
        )


async def demo_users_and_budget(
    request: Request,
) -> tuple[tuple[DemoUsers | None, str], tuple[Budget | None, str]]:
    """The demo users one may sign in as and the caller's budget, asked together; either may fail
    (None and why) and leave the other."""
    async with hub_api(request) as client:
        users = client.send(Call("GET", "/api/auth/users", DemoUsers.model_validate))
        budget = client.send(Call("GET", "/api/budget", Budget.model_validate))
        return await asyncio.gather(_or_problem(users), _or_problem(budget))


async def _or_problem(answer: Awaitable[M]) -> tuple[M | None, str]:
    try:
        return await answer, ""
    except PMBridgeError as exc:
        return None, exc.message


async def node_health(request: Request) -> list[NodeHealth]:
    """Every registered node with its health (up / slow / timeout / refused / down / error), as
    ``GET /api/nodes`` has it; a reply of another shape raises the client's ``UpstreamError``."""
    async with hub_api(request) as client:
        return list((await client.nodes()).nodes)


async def node_health_or_problem(request: Request) -> tuple[list[NodeHealth], str]:
    """Every node's health, or none and why: the rest of the page still shows."""
    health, problem = await _or_problem(node_health(request))
    return health or [], problem


async def aggregates(
    request: Request, filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str] = ()
) -> Aggregates:
    """The hub's ``POST /api/aggregates`` answer, checked against the client's message."""
    async with hub_api(request) as client:
        return await client.aggregates(filters=filters, breakdowns=breakdowns)


async def cohort_counts(
    request: Request, filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str] = ()
) -> CohortCounts:
    """The released counts of the individuals matching every filter: per node, dataset and cell."""
    return from_aggregates(await aggregates(request, filters, breakdowns=breakdowns))


async def released_totals(request: Request) -> tuple[CohortCounts | None, str]:
    """Every dataset's released total, or None and why when the hub could not count."""
    return await _or_problem(cohort_counts(request, []))


async def catalogues(request: Request) -> dict[str, list[Mapping[str, object]]]:
    """Each answering node's dataset catalogue (public metadata); silent nodes are left out."""
    ctx = hub_of(request)
    replies = await ctx.ask("GET", "/api/catalogue")
    found: dict[str, list[Mapping[str, object]]] = {}
    for reply in replies:
        datasets = (reply.body or {}).get("datasets")
        if reply.status is NodeStatus.OK and isinstance(datasets, list):
            found[reply.node.id] = [d for d in datasets if isinstance(d, Mapping)]
    return found
