"""The network page: every node with its jurisdiction, health, datasets and released counts."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pmbridge.portal._charts import bar_chart
from pmbridge.portal._context import portal_of
from pmbridge.portal._counts import add_counts
from pmbridge.portal._i18n import N_
from pmbridge.portal._network import HEALTH, JURISDICTIONS, health_summary, node_rows
from pmbridge.portal._sources import node_health_or_problem, released_totals

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
async def network_page(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    (health, unhealthy), (counts, problem) = await asyncio.gather(
        node_health_or_problem(request), released_totals(request)
    )
    rows = node_rows(health, counts)
    chart = bar_chart(
        "nodes", N_("Individuals released per node"), [(r.name, r.total) for r in rows if r.total is not None]
    )
    return portal.renderer.page(
        request,
        "network.html",
        {
            "rows": rows,
            "summary": health_summary(rows),
            "health_words": dict(HEALTH),
            "total": add_counts([r.total for r in rows if r.total is not None]),
            "chart": chart,
            "jurisdictions": JURISDICTIONS,
            "problem": problem or unhealthy,
        },
    )
