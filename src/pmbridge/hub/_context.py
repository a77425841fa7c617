"""What a running hub holds: its registry and one shared HTTP client for fan-out."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from fastapi import Request

from pmbridge.hub._registry import HubConfig


@dataclass(frozen=True, slots=True)
class HubContext:
    config: HubConfig
    client: httpx.AsyncClient


def hub_of(request: Request) -> HubContext:
    ctx = request.app.state.hub
    assert isinstance(ctx, HubContext)
    return ctx
