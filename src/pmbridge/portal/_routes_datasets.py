"""The datasets catalogue: every dataset of the network, its data-use conditions, access and granularity."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pmbridge.hub import hub_of
from pmbridge.portal._catalogue import ACCESS_LEVELS, GRANULARITIES, dataset_rows
from pmbridge.portal._context import portal_of
from pmbridge.portal._sources import catalogues, released_totals

router = APIRouter()


@router.get("/datasets", response_class=HTMLResponse, include_in_schema=False)
async def datasets_page(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    ctx = hub_of(request)
    reference, listed, (counts, _) = await asyncio.gather(
        portal.reference.get(), catalogues(request), released_totals(request)
    )
    lang = portal.renderer.lang_of(request)
    rows = dataset_rows(listed, nodes=ctx.config.nodes, counts=counts, duo=reference.duo, lang=lang)
    silent = [n for n in ctx.config.nodes if n.id not in listed]
    return portal.renderer.page(
        request,
        "datasets.html",
        {
            "rows": rows,
            "silent": silent,
            "access_levels": dict(ACCESS_LEVELS),
            "granularities": GRANULARITIES,
            "duo_available": reference.duo is not None,
        },
    )
