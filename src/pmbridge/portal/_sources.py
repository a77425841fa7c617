"""Where the portal's numbers come from: the hub's own API, called in-process as the signed-in researcher.

Each call goes through the hub's app (no socket) with the researcher's passport as a bearer token,
so the hub checks, audits and releases exactly as it does for any other client. A page costs at
most two fan-outs, made concurrently by the route that needs them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Final

import httpx
from fastapi import Request

from pmbridge.client import AsyncHubClient, aggregates_body
from pmbridge.errors import PMBridgeError
from pmbridge.hub import NodeStatus, client_address, hub_of
from pmbridge.portal._cohort import CohortCounts, from_aggregates
from pmbridge.portal._session import passport_of

BREAKDOWNS: Final = ("sex", "ageBand", "phenotypeCategory")


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


async def call(request: Request, method: str, path: str, body: object = None) -> Mapping[str, object]:
    """The JSON object the hub answers; its error (Beacon error shape) raised as the PM Bridge
    error its code names (:func:`pmbridge.errors.error_from_wire`)."""
    async with hub_api(request) as client:
        return await client.request(method, path, json=body)


async def call_or_problem(
    request: Request, method: str, path: str, body: object = None
) -> tuple[Mapping[str, object], str]:
    """The hub's answer, or an empty one and why: one part failing leaves the rest of a page."""
    try:
        return await call(request, method, path, body), ""
    except PMBridgeError as exc:
        return {}, exc.message


async def node_health(request: Request) -> list[Mapping[str, object]]:
    """Every registered node with its health (up / slow / timeout / refused / down / error), as
    ``GET /api/nodes`` has it."""
    listed = (await call(request, "GET", "/api/nodes")).get("nodes")
    return [n for n in listed if isinstance(n, Mapping)] if isinstance(listed, list) else []


async def cohort_counts(
    request: Request, filters: Sequence[Mapping[str, str]], *, breakdowns: Sequence[str] = ()
) -> CohortCounts:
    """The released counts of the individuals matching every filter: per node, dataset and cell."""
    body = aggregates_body(filters, breakdowns=breakdowns)
    return from_aggregates(await call(request, "POST", "/api/aggregates", body))


async def released_totals(request: Request) -> tuple[CohortCounts | None, str]:
    """Every dataset's released total, or None and why when the hub could not count."""
    try:
        return await cohort_counts(request, []), ""
    except PMBridgeError as exc:
        return None, exc.message


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
