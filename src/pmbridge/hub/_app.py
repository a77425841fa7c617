"""The hub's FastAPI app factory: wires routers, error handling and the fan-out client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from pmbridge import __version__
from pmbridge.beacon import install_error_handlers
from pmbridge.hub import _routes, _routes_framework
from pmbridge.hub._context import HubContext
from pmbridge.hub._registry import HubConfig


def create_hub_app(config: HubConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """A hub over ``config.nodes``; ``transport`` lets tests route fan-out in-process."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limits = httpx.Limits(max_connections=max(10, 4 * len(config.nodes)))
        async with httpx.AsyncClient(
            transport=transport, limits=limits, timeout=config.deadline_seconds
        ) as client:
            app.state.hub = HubContext(config=config, client=client)
            yield

    app = FastAPI(
        title=f"PM Bridge hub {config.id}",
        version=__version__,
        description="Network Beacon of a PM Bridge network: fans out to nodes and merges their answers.",
        lifespan=lifespan,
    )
    install_error_handlers(app, beacon_id=config.id)
    app.include_router(_routes_framework.router)  # before entry routes: /individuals/filtering_terms
    app.include_router(_routes.router)
    return app
