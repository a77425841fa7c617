"""The cohort explorer: a query form whose URL is the query, its counts and charts, and their exports."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from pmbridge.errors import PMBridgeError, QueryError
from pmbridge.hub import hub_of
from pmbridge.portal._cohort import CohortCounts
from pmbridge.portal._context import portal_of
from pmbridge.portal._cost import CostEstimate, estimate_cost
from pmbridge.portal._explorer import explorer_charts
from pmbridge.portal._export import export_rows, to_csv, to_json
from pmbridge.portal._query import SEXES, ExplorerQuery, read_query
from pmbridge.portal._refusals import NODE_STATES
from pmbridge.portal._sources import BREAKDOWNS, cohort_counts

router = APIRouter()


@router.get("/explore", response_class=HTMLResponse, include_in_schema=False)
async def explore_page(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    ctx = hub_of(request)
    reference = await portal.reference.get()
    query = read_query(request.query_params.multi_items(), index=reference.terms)
    counts: CohortCounts | None = None
    estimate: CostEstimate | None = None
    failure = ""
    breakdowns = BREAKDOWNS if query.breakdowns else ()
    if query.ready:
        try:
            counts = await cohort_counts(request, query.filters(), breakdowns=breakdowns)
        except PMBridgeError as exc:
            failure = f"{exc.message}. {exc.hint}" if exc.hint else exc.message
    elif query.composed and not query.run:
        estimate = await estimate_cost(request, query.filters(), breakdowns=breakdowns)
    lang = portal.renderer.lang_of(request)
    names = {n.id: n.name or n.id for n in ctx.config.nodes}
    charts = (
        explorer_charts(
            counts,
            node_names=names,
            terms=reference.terms,
            lang=lang,
            translate=lambda message: portal.renderer.gettext(lang, message),
        )
        if counts is not None
        else []
    )
    return portal.renderer.page(
        request,
        "explore.html",
        {
            "query": query,
            "problems": {p.field: p.message for p in query.problems},
            "sexes": SEXES,
            "counts": counts,
            "estimate": estimate,
            "node_states": NODE_STATES,
            "charts": charts,
            "node_names": names,
            "failure": failure,
            "share": f"{request.base_url}explore?{query.query_string()}",
            "access_link": access_link(query, counts),
            "hpo_release": reference.hpo_release,
            "chinese_labels": reference.chinese_labels,
        },
        status=400 if query.run and query.problems else 200,
    )


def access_link(query: ExplorerQuery, counts: CohortCounts | None) -> str:
    """The new-request form's query for this result: its datasets and the filters' ids."""
    datasets = [("dataset", f"{d.node}:{d.dataset}") for d in counts.datasets] if counts is not None else []
    filters = [("filters", f["id"]) for f in query.filters() if "value" not in f]
    return urlencode([*datasets, *filters])


@router.get("/explore.csv", include_in_schema=False)
async def export_csv(request: Request) -> Response:
    """The shown aggregates as CSV (one row per released number)."""
    _, counts = await _exported(request)
    return Response(
        to_csv(export_rows(counts)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="pmbridge-cohort.csv"'},
    )


@router.get("/explore.json", include_in_schema=False)
async def export_json(request: Request) -> JSONResponse:
    """The shown aggregates as JSON, with the filters that produced them."""
    query, counts = await _exported(request)
    doc = to_json(
        counts, filters=query.filters(), generated=datetime.now(UTC), source=hub_of(request).config.id
    )
    return JSONResponse(doc, headers={"content-disposition": 'attachment; filename="pmbridge-cohort.json"'})


async def _exported(request: Request) -> tuple[ExplorerQuery, CohortCounts]:
    reference = await portal_of(request).reference.get()
    query = read_query([*request.query_params.multi_items(), ("run", "1")], index=reference.terms)
    if query.problems or query.unresolved:
        fix = [p.message for p in query.problems] + [
            f"unresolved phenotype {r.text!r}" for r in query.unresolved
        ]
        raise QueryError(
            f"the query cannot be exported: {'; '.join(fix)}", hint="open it in /explore to fix it"
        )
    breakdowns = BREAKDOWNS if query.breakdowns else ()
    return query, await cohort_counts(request, query.filters(), breakdowns=breakdowns)
