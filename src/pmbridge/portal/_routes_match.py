"""The patient match page: enter phenotypes, see ranked diagnoses and matching patients across nodes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pmbridge.client import Matches, Ranking
from pmbridge.hub import hub_of
from pmbridge.portal._context import portal_of
from pmbridge.portal._i18n import N_
from pmbridge.portal._match import BANDS, diagnoses, match_answers, patients
from pmbridge.portal._query import Problem, read_query
from pmbridge.portal._refusals import NODE_STATES
from pmbridge.portal._sources import rank_and_match

router = APIRouter()

DIAGNOSES = 10
MATCHES = 20


@router.get("/match", response_class=HTMLResponse, include_in_schema=False)
async def match_page(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    reference = await portal.reference.get()
    query = read_query(request.query_params.multi_items(), index=reference.terms)
    problems = {p.field: p.message for p in query.problems}
    if query.run and not query.terms and not query.unresolved:
        problems["hpo"] = Problem("hpo", N_("Choose at least one phenotype.")).message
    ranked: Ranking | None = None
    matched: Matches | None = None
    failures: list[str] = []
    if query.ready and query.terms:
        (ranked, rank_problem), (matched, match_problem) = await rank_and_match(
            request,
            [t.id for t in query.terms],
            gene=query.gene or None,
            diagnoses=DIAGNOSES,
            matches=MATCHES,
        )
        failures = [p for p in (rank_problem, match_problem) if p]
    rows, bands = patients(matched)
    return portal.renderer.page(
        request,
        "match.html",
        {
            "query": query,
            "problems": problems,
            "asked": ranked is not None or matched is not None,
            "diagnoses": diagnoses(ranked),
            "patients": rows,
            "bands": bands,
            "band_words": BANDS,
            "outcomes": match_answers(matched),
            "node_states": NODE_STATES,
            "failures": failures,
            "node_names": {n.id: n.name or n.id for n in hub_of(request).config.nodes},
            "hpo_release": reference.hpo_release,
        },
        status=400 if query.run and problems else 200,
    )
