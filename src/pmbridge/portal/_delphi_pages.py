"""What the organiser's Delphi pages share: rendering with the study words, reading a study from the
hub, and one post of a form to the consensus API that comes back to the study (303) or says why not."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse

from pmbridge.errors import PMBridgeError
from pmbridge.portal._access_pages import access_page, problem_of
from pmbridge.portal._context import portal_of
from pmbridge.portal._delphi_rule import rule_text
from pmbridge.portal._delphi_study_view import draft_values, group_names, next_round, rounds_of, study_items
from pmbridge.portal._delphi_view import zone_of
from pmbridge.portal._delphi_words import WORDS
from pmbridge.portal._i18n import N_
from pmbridge.portal._session import passport_of
from pmbridge.portal._sources import hub_api

SIGN_IN_ORGANISER: str = N_("Sign in as a study organiser to see and run Delphi studies.")


def delphi_page(
    request: Request, template: str, context: Mapping[str, object], *, status: int = 200
) -> HTMLResponse:
    """``template`` with the words of Delphi studies and the page's form token."""
    return access_page(request, template, {**WORDS, "zone": zone_of, **context}, status=status)


async def hub_json(
    request: Request, method: str, path: str, *, json: object = None, params: tuple[tuple[str, str], ...] = ()
) -> dict[str, object]:
    """One call of the consensus API as the signed-in organiser; the hub's refusal is raised."""
    async with hub_api(request) as client:
        return await client.request(method, path, json=json, params=params)


async def get_or_problem(
    request: Request, path: str, *, params: tuple[tuple[str, str], ...] = ()
) -> tuple[dict[str, object], str, int]:
    """``GET path`` as the organiser, or nothing with the hub's refusal and its status."""
    try:
        return await hub_json(request, "GET", path, params=params), "", 200
    except PMBridgeError as exc:
        return {}, problem_of(exc), exc.status


async def study_page(
    request: Request,
    sid: str,
    *,
    done: str = "",
    refusal: str = "",
    problem: str = "",
    posted: Mapping[str, object] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The study's page: protocol, rule in sentences, groups, items, forms, participation."""
    if passport_of(request) is None:
        signed_out: dict[str, object] = {
            "study": None,
            "refusal": SIGN_IN_ORGANISER,
            "problem": "",
            "done": "",
            "posted": {},
        }
        return delphi_page(request, "delphi_study.html", signed_out, status=401)
    (found, missing, missing_status), (participation, _, _) = await asyncio.gather(
        get_or_problem(request, f"/api/consensus/studies/{sid}"),
        get_or_problem(request, f"/api/consensus/studies/{sid}/participation"),
    )
    study = found.get("study")
    lang = portal_of(request).renderer.lang_of(request)
    context: dict[str, object] = {
        "study": None,
        "done": done,
        "refusal": refusal,
        "problem": problem or missing,
        "posted": posted or {},
    }
    if isinstance(study, Mapping):
        protocol = study.get("protocol")
        rule = protocol.get("rule") if isinstance(protocol, Mapping) else None
        context |= {
            "study": study,
            "rule": rule_text(rule if rule is not None else {}),
            "items": study_items(study, lang),
            "rounds": rounds_of(study),
            "next_round": next_round(study),
            "groups_by_id": group_names(study, lang),
            "participation": participation,
            "draft_values": posted if posted and "title-en" in posted else draft_values(study),
        }
    elif status == 200:
        status = missing_status
    return delphi_page(request, "delphi_study.html", context, status=status)
