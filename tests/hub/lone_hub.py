"""A hub that issues demo passports, in process, with no nodes unless given some: for what the hub
decides alone (hostile input, headers, rate limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from pmbridge.hub import HubConfig, HubReleaseSettings, NodeEntry
from pmbridge.network_app import create_network_app
from tests.trust import hub_config


@dataclass(frozen=True, slots=True)
class LoneHub:
    client: httpx.AsyncClient
    app: FastAPI
    audit_log: Path


@asynccontextmanager
async def lone_hub(
    root: Path,
    edit: Callable[[HubConfig], HubConfig] | None = None,
    *,
    base_url: str = "http://hub",
    nodes: Sequence[NodeEntry] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[LoneHub]:
    config = hub_config(nodes, root, release=HubReleaseSettings(demo_broker=True))
    if edit is not None:
        config = edit(config)
    app = create_network_app(config, transport=transport)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client,
    ):
        yield LoneHub(client, app, config.audit_log)
