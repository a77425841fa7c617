"""The consensus API called in-process for Delphi pages: a panellist's calls carry their link token
in ``X-Panel-Token``, an organiser's files (report, CSV) come back as they are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final

import httpx
from fastapi import Request

from pmbridge.errors import PMBridgeError, UpstreamError, error_from_wire
from pmbridge.hub import client_address, hub_of
from pmbridge.portal._session import passport_of
from pmbridge.portal._sources import HUB_URL

PANEL_HEADER: Final = "X-Panel-Token"
PANEL_API: Final = "/api/consensus/panel"


@asynccontextmanager
async def _in_process(request: Request) -> AsyncIterator[httpx.AsyncClient]:
    # as the browser's address, so the hub's per-address limits count the browser, not the portal
    browser = (client_address(request.scope, hub_of(request).config.public_api), 0)
    transport = httpx.ASGITransport(app=request.app, client=browser)
    timeout = hub_of(request).config.deadline_seconds + 5
    async with httpx.AsyncClient(transport=transport, base_url=HUB_URL, timeout=timeout) as client:
        yield client


async def panel_call(
    request: Request, method: str, token: str, *, path: str = "", json: object = None
) -> dict[str, object]:
    """The panellist's call ``method /api/consensus/panel{path}`` with their token; the hub's
    refusal is raised as its PM Bridge error (``panel_link_invalid``, ``round_closed``, …)."""
    headers = {PANEL_HEADER: token, "accept": "application/json"}
    try:
        async with _in_process(request) as client:
            reply = await client.request(method, PANEL_API + path, json=json, headers=headers)
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"the consensus API did not answer: {type(exc).__name__}", hint="try again in a moment"
        ) from None
    doc = _json(reply)
    if reply.status_code >= 400:
        raise _refusal(reply, doc)
    if not isinstance(doc, dict):
        raise UpstreamError(
            "the consensus API answered in a shape the portal does not know",
            hint="the hub and its portal should be the same version; restart the hub",
        )
    return doc


@dataclass(frozen=True, slots=True)
class HubFile:
    """A file the hub made (a report, a CSV export), to hand to the browser as it came."""

    content: bytes
    media_type: str
    disposition: str


async def organiser_file(request: Request, path: str, *, params: Sequence[tuple[str, str]] = ()) -> HubFile:
    """``GET path`` as the signed-in organiser (their passport), its body and type as the hub sent them."""
    passport = passport_of(request)
    headers = {"Authorization": f"Bearer {passport}"} if passport else {}
    try:
        async with _in_process(request) as client:
            reply = await client.get(path, params=list(params), headers=headers)
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"the consensus API did not answer: {type(exc).__name__}", hint="try again in a moment"
        ) from None
    if reply.status_code >= 400:
        raise _refusal(reply, _json(reply))
    return HubFile(
        reply.content,
        reply.headers.get("content-type", "application/octet-stream"),
        reply.headers.get("content-disposition", ""),
    )


def _json(reply: httpx.Response) -> object:
    try:
        return reply.json()
    except ValueError:
        return None


def _refusal(reply: httpx.Response, doc: object) -> PMBridgeError:
    error = doc.get("error") if isinstance(doc, Mapping) else None
    return error_from_wire(
        error if isinstance(error, Mapping) else None,
        status=reply.status_code,
        fallback=f"the consensus API answered HTTP {reply.status_code}",
    )
