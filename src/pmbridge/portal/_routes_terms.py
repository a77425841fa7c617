"""``GET /api/terms``: HPO terms matching typed text, in English and Chinese, for autocomplete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from pmbridge.portal._context import portal_of
from pmbridge.portal._i18n import Lang, parse_lang

router = APIRouter()


@router.get("/api/terms")
async def terms(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="an HPO id, English words or Chinese text")] = "",
    lang: Annotated[str, Query(description="en or zh: which label comes first")] = "en",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, object]:
    """The best ``limit`` current HPO terms for ``q``, each with both labels.

    ``label`` is in ``lang``; ``fallback`` says it is the English label because the HPO
    translation has no Chinese one yet.
    """
    reference = await portal_of(request).reference.get()
    shown = parse_lang(lang) or Lang.EN
    found = []
    for term in reference.terms.search(q, limit=limit):
        label, fallback = term.label(shown)
        found.append({"id": term.id, "label": label, "fallback": fallback, "en": term.en, "zh": term.zh})
    return {"query": q, "lang": shown.value, "hpoRelease": reference.hpo_release, "terms": found}
