"""The knowledge hub's pages: bilingual search with facets, and an entry with its links both ways and a
graph of its neighbourhood. The roadmap has its own module (``_routes_roadmap``)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pmbridge.portal._context import portal_of
from pmbridge.portal._kb_entity import entry_of, history_rows, relation_groups
from pmbridge.portal._kb_graph import radial_graph
from pmbridge.portal._kb_roadmap import anchor
from pmbridge.portal._kb_search import (
    FACETS,
    SUGGESTIONS,
    KbQuery,
    chosen_values,
    facets,
    found_entries,
    pages,
    read_kb_query,
)
from pmbridge.portal._kb_sources import ask, entry_path
from pmbridge.portal._kb_words import WORDS

router = APIRouter()


@router.get("/knowledge", response_class=HTMLResponse, include_in_schema=False)
async def search_page(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    lang = portal.renderer.lang_of(request)
    query = read_kb_query(request.query_params.multi_items())
    answer = await ask(request, "GET", "/api/kb/search", params=query.api_params(lang))
    counted = answer.body.get("facets")
    found = facets(query, counted if isinstance(counted, dict) else {})
    total = answer.body.get("total")
    return portal.renderer.page(
        request,
        "knowledge.html",
        {
            **WORDS,
            "query": query,
            "facets": found,
            "facet_titles": dict(FACETS),
            "chosen": chosen_values(query, found),
            "results": found_entries(answer.body, lang),
            "pages": pages(query, total if isinstance(total, int) else 0),
            "relaxed": answer.body.get("relaxed") is True,
            "problem": answer.problem,
            "unfiltered": KbQuery(query.text).url(),
            "suggestions": [(words, tag, KbQuery(words).url()) for words, tag in SUGGESTIONS],
        },
        status=answer.status if answer.status >= 400 else 200,
    )


@router.get("/knowledge/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
async def entry_page(request: Request, entity_id: str) -> HTMLResponse:
    portal = portal_of(request)
    lang = portal.renderer.lang_of(request)
    depth = 2 if request.query_params.get("depth") == "2" else 1
    view, graph = await asyncio.gather(
        ask(request, "GET", entry_path("entities", entity_id)),
        ask(request, "GET", entry_path("graph", entity_id), params=[("depth", str(depth))]),
    )
    if not view.ok:
        return portal.renderer.page(
            request,
            "knowledge_missing.html",
            {
                "entity_id": entity_id,
                "problem": view.problem if view.status != 404 else "",
                "query": KbQuery(),
            },
            status=view.status,
        )
    entity = view.body.get("entity")
    return portal.renderer.page(
        request,
        "knowledge_entity.html",
        {
            **WORDS,
            "entry": entry_of(entity if isinstance(entity, dict) else {}, lang),
            "groups": relation_groups(view.body, lang),
            "history": history_rows(view.body.get("history")),
            "graph": radial_graph(graph.body, lang) if graph.ok else None,
            "graph_problem": graph.problem,
            "depth": depth,
            "roadmap_anchor": anchor(entity_id),
        },
    )
