"""What every access-request page shares: the form token its forms carry, the check of a post,
and an error of the hub as one line (its message and how to fix it)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse

from pmbridge.errors import PMBridgeError
from pmbridge.hub import hub_of
from pmbridge.portal._access_words import (
    COMMITMENTS,
    GRANT_STATES,
    GRANULARITY_WORDS,
    KINDS,
    ORGANISATIONS,
    PURPOSES,
    REQUEST_STATES,
    RESOURCE_STATES,
    STEP_NEEDS,
    STEPS,
    USES,
    VERDICTS,
)
from pmbridge.portal._context import portal_of
from pmbridge.portal._forms import browser_form_id, browser_token, keep_form_id, posted_from_here
from pmbridge.portal._i18n import N_
from pmbridge.portal._routes_account import STALE_FORM

__all__ = ["STALE_FORM", "access_page", "from_this_page", "problem_of"]

SIGN_IN_FIRST: str = N_("Sign in to see and make access requests.")
WORDS: Mapping[str, object] = {
    "request_states": REQUEST_STATES,
    "resource_states": RESOURCE_STATES,
    "steps": STEPS,
    "step_needs": STEP_NEEDS,
    "verdicts": VERDICTS,
    "grant_states": GRANT_STATES,
    "kinds": KINDS,
    "granularity_words": GRANULARITY_WORDS,
    "purpose_words": PURPOSES,
    "use_words": USES,
    "commitment_words": COMMITMENTS,
    "organisation_words": ORGANISATIONS,
}


def access_page(
    request: Request, template: str, context: Mapping[str, object], *, status: int = 200
) -> HTMLResponse:
    """``template`` with the words of access requests, the node names and this browser's form token."""
    portal = portal_of(request)
    form_id, new = browser_form_id(request)
    page = portal.renderer.page(
        request,
        template,
        {
            **WORDS,
            "node_names": {n.id: n.name or n.id for n in hub_of(request).config.nodes},
            "form_token": browser_token(portal.forms, form_id),
            **context,
        },
        status=status,
    )
    if new:
        keep_form_id(page, form_id, request=request)
    return page


def from_this_page(request: Request, form: Mapping[str, object]) -> bool:
    """Whether a post came from one of the portal's own pages, with this browser's token."""
    return posted_from_here(
        request, form, tokens=portal_of(request).forms, api=hub_of(request).config.public_api
    )


def problem_of(exc: PMBridgeError) -> str:
    """The hub's refusal as the page shows it: what is wrong, then how to fix it."""
    return f"{exc.message}. {exc.hint}" if exc.hint else exc.message
