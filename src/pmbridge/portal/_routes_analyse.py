"""The analysis page: a form whose URL is the question, and the network's result as tables, a
Kaplan–Meier chart or a forest plot, each number with how it was released."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pmbridge.client import AnalysisResult
from pmbridge.errors import PMBridgeError
from pmbridge.hub import hub_of
from pmbridge.portal._analyse import FAMILIES, KINDS, SOURCES, TIES, read_analysis
from pmbridge.portal._analyse_view import AnalysisView, analysis_refusal, analysis_view
from pmbridge.portal._context import portal_of
from pmbridge.portal._i18n import N_
from pmbridge.portal._refusals import NODE_STATES, Refusal
from pmbridge.portal._sources import hub_api

router = APIRouter()

ALL: str = N_("All")


@router.get("/analyse", response_class=HTMLResponse, include_in_schema=False)
async def analyse_page(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    reference = await portal.reference.get()
    form = read_analysis(request.query_params.multi_items(), index=reference.terms)
    lang = portal.renderer.lang_of(request)
    view: AnalysisView | None = None
    failure = ""
    refusal: Refusal | None = None
    if form.ready:
        try:
            spec = form.spec()
            async with hub_api(request) as client:
                result: AnalysisResult = await client.analyse(spec)
        except PMBridgeError as exc:
            refusal = analysis_refusal(exc)
            failure = f"{exc.message}. {exc.hint}" if exc.hint else exc.message
        else:

            def group_label(group: str) -> str:
                if group == "all":
                    return portal.renderer.gettext(lang, ALL)
                return f"{form.group} = {group}" if form.group else group

            view = analysis_view(result, group_label=group_label)
    problems = {p.field: p.message for p in (*form.cohort.problems, *form.problems)}
    return portal.renderer.page(
        request,
        "analyse.html",
        {
            "form": form,
            "query": form,
            "problems": problems,
            "kinds": KINDS,
            "families": FAMILIES,
            "ties": TIES,
            "sources": SOURCES,
            "view": view,
            "failure": failure,
            "refusal": refusal,
            "node_states": NODE_STATES,
            "node_names": {n.id: n.name or n.id for n in hub_of(request).config.nodes},
            "share": f"{request.base_url}analyse?{form.query_string()}",
            "hpo_release": reference.hpo_release,
        },
        status=400 if form.run and problems else 200,
    )
