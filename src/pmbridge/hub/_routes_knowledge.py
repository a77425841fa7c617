"""Knowledge-hub endpoints under ``/api/kb``: search with facets, entries with their links, neighbourhood
graphs, the roadmap, exports, and stewards' status changes of roadmap actions.

The knowledge base lives in ``knowledge.sqlite`` in the hub's state folder; a new one gets the seed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from pmbridge.beacon import error_responses
from pmbridge.errors import KnowledgeImportRejected, QueryError
from pmbridge.hub._context import HubContext, hub_of
from pmbridge.hub._kb_stewards import steward_of
from pmbridge.knowledge import (
    JURISDICTIONS,
    EntityType,
    KnowledgeBase,
    SearchQuery,
    brief,
    change_json,
    ensure_seeded,
    entity_view,
    neighbourhood,
    roadmap,
    to_csv,
    to_document,
)

log = logging.getLogger(__name__)


@asynccontextmanager
async def _open_knowledge_base(app: FastAPI) -> AsyncIterator[None]:
    ctx = app.state.hub  # set by the hub's own lifespan, which runs first
    assert isinstance(ctx, HubContext)
    settings = ctx.config.knowledge
    kb = await asyncio.to_thread(KnowledgeBase, settings.database(ctx.config.state_dir))
    if settings.seed:
        try:
            summary = await asyncio.to_thread(ensure_seeded, kb)
        except KnowledgeImportRejected as exc:  # the hub still serves; the seed is retried next start
            log.error("knowledge-base seed not loaded: %s", exc.message)
        else:
            if summary is not None:
                log.info("knowledge base seeded with %d entries", len(summary.added))
    app.state.knowledge = kb
    yield


router = APIRouter(prefix="/api/kb", tags=["knowledge"], lifespan=_open_knowledge_base)
_bearer = HTTPBearer(
    auto_error=False, description="A listed steward's GA4GH passport, or the hub's knowledge.steward_token"
)


def _kb(request: Request) -> KnowledgeBase:
    kb = request.app.state.knowledge
    assert isinstance(kb, KnowledgeBase)
    return kb


KB = Annotated[KnowledgeBase, Depends(_kb)]


class SearchParams(BaseModel):
    """Query parameters of /api/kb/search; filters repeat (``type=Policy&type=Standard``)."""

    q: str = Field("", max_length=200, description="Words in English or Chinese (no spaces needed).")
    type: list[str] = Field([], description="Entry types, e.g. Policy.")
    jurisdiction: list[str] = Field([], description="EU, CN, INT or an EU member state's code.")
    domain: list[str] = Field([], description="Domain ids, e.g. domain:big-data-ict.")
    tag: list[str] = Field([], description="Tags, e.g. genomics.")
    lang: Literal["en", "zh-Hans"] = Field("en", description="Language of each hit's `label`.")
    limit: int = Field(20, ge=1, le=200)
    offset: int = Field(0, ge=0)


@router.get("/search")
def search(kb: KB, params: Annotated[SearchParams, Query()]) -> dict[str, Any]:
    """Entries matching `q` (every word; Chinese needs no spaces) and the filters, best first, with
    facet counts by type, jurisdiction, domain and tag over all matches. Values of one filter are
    alternatives; different filters must all hold."""
    q, lang, limit, offset = params.q, params.lang, params.limit, params.offset
    kinds = {k.value for k in EntityType}
    bad = [t for t in params.type if t not in kinds]
    bad += [j for j in params.jurisdiction if j not in JURISDICTIONS]
    if bad:
        raise QueryError(
            f"unknown type or jurisdiction {', '.join(bad)}", hint=f"types: {', '.join(sorted(kinds))}"
        )
    query = SearchQuery(
        text=q,
        types=tuple(params.type),
        jurisdictions=tuple(params.jurisdiction),
        domains=tuple(params.domain),
        tags=tuple(params.tag),
        limit=limit,
        offset=offset,
    )
    result = kb.search(query)
    domain_names = kb.find([value for value, _ in result.facets.get("domain", ())])
    return {
        "query": {"q": q, "terms": list(result.terms), "lang": lang, "limit": limit, "offset": offset},
        "total": result.total,
        "relaxed": result.relaxed,
        "hits": [
            {
                "id": h.id,
                "type": h.type,
                "label": h.name.in_lang(lang),
                "name": {"en": h.name.en, "zh-Hans": h.name.zh},
                "summary": {"en": h.summary.en, "zh-Hans": h.summary.zh},
                "jurisdiction": h.jurisdiction,
                "score": round(-h.score, 4),
            }
            for h in result.hits
        ],
        "facets": {
            name: [
                {"value": value, "count": count}
                | ({"label": domain_names[value].name.in_lang(lang)} if value in domain_names else {})
                for value, count in values
            ]
            for name, values in result.facets.items()
        },
    }


@router.get("/entities/{entity_id}", responses=error_responses(404))
def entity(kb: KB, entity_id: str) -> dict[str, Any]:
    """One entry with its outgoing and incoming links (labelled in English and Chinese) and, for a
    roadmap action, its status history."""
    return entity_view(kb, entity_id)


@router.get("/graph/{entity_id}", responses=error_responses(404))
def graph(kb: KB, entity_id: str, depth: Annotated[int, Query(ge=1, le=2)] = 1) -> dict[str, Any]:
    """Nodes within `depth` links of the entry (either direction) and the edges among them."""
    return neighbourhood(kb, entity_id, depth=depth)


@router.get("/roadmap")
def roadmap_view(kb: KB) -> dict[str, Any]:
    """The roadmap's seven domains → their actions → responsible stakeholders, barriers,
    facilitators and status."""
    return roadmap(kb)


@router.get("/export")
def export(kb: KB, fmt: Annotated[Literal["jsonld", "csv"], Query(alias="format")] = "jsonld") -> Response:
    """The whole knowledge base as a JSON-LD document or as CSV (see docs/knowledge.md)."""
    if fmt == "csv":
        return Response(to_csv(kb.entities()), media_type="text/csv; charset=utf-8")
    body = json.dumps(to_document(kb.entities()), ensure_ascii=False, indent=1)
    return Response(body, media_type="application/ld+json")


class StatusUpdate(BaseModel):
    status: Literal["proposed", "in-progress", "done", "stalled"]
    steward: str = Field(
        default="",
        max_length=200,
        description="Who makes the change (required with the steward token; a passport names its holder).",
    )
    note: str = Field(default="", max_length=2000, description="Why, or what happened.")


@router.post("/actions/{entity_id}/status", responses=error_responses(401, 403, 404))
def set_status(
    kb: KB,
    request: Request,
    entity_id: str,
    update: StatusUpdate,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> dict[str, Any]:
    """Change a roadmap action's status (knowledge-base stewards only: `Authorization: Bearer` with the
    passport of a steward listed in `knowledge.stewards`, or with the hub's `knowledge.steward_token`
    and your name in `steward`); the change is kept in the action's history under the steward's name."""
    ctx = hub_of(request)
    actor = steward_of(
        credentials.credentials if credentials else "",
        named=update.steward,
        settings=ctx.config.knowledge,
        trust=ctx.release.trust,
    )
    change = kb.set_status(entity_id, update.status, actor=actor, note=update.note)
    return {
        "action": brief(kb.entity(entity_id)),
        "change": change_json(change),
        "history": [change_json(c) for c in kb.history(entity_id)],
    }
