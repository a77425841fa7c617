"""What the portal holds while the hub runs: renderer, reference data, sessions and their form tokens
(set by install_portal)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from pmbridge.portal._forms import FormTokens
from pmbridge.portal._reference import ReferenceLoader
from pmbridge.portal._render import Renderer
from pmbridge.portal._sessions import SessionStore


@dataclass(frozen=True, slots=True)
class Portal:
    renderer: Renderer
    reference: ReferenceLoader
    sessions: SessionStore
    forms: FormTokens = field(default_factory=FormTokens)


def portal_of(request: Request) -> Portal:
    portal = request.app.state.portal
    assert isinstance(portal, Portal)
    return portal
