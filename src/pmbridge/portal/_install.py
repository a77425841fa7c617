"""Mount the portal on the hub's app: its pages, its term search API and its static files."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from pmbridge.beacon import ERROR_PAGE_STATE
from pmbridge.hub import HubConfig
from pmbridge.portal import (
    _routes_account,
    _routes_analyse,
    _routes_assets,
    _routes_datasets,
    _routes_delphi,
    _routes_delphi_panel,
    _routes_delphi_results,
    _routes_explore,
    _routes_inbox,
    _routes_knowledge,
    _routes_learning,
    _routes_match,
    _routes_network,
    _routes_request,
    _routes_requests,
    _routes_roadmap,
    _routes_terms,
)
from pmbridge.portal._access_nav import access_nav
from pmbridge.portal._context import Portal
from pmbridge.portal._error_pages import ErrorPages
from pmbridge.portal._reference import ReferenceLoader
from pmbridge.portal._render import Renderer
from pmbridge.portal._sessions import SessionStore


def install_portal(app: FastAPI, config: HubConfig) -> None:
    """Serve the portal at ``/`` of ``app`` (a hub), reading reference data from ``config.data_dir``."""
    sessions = SessionStore()
    app.state.portal = Portal(
        renderer=Renderer(site_name=config.name, sessions=sessions),
        reference=ReferenceLoader(config.data_dir),
        sessions=sessions,
    )
    # the app's one error handler asks this first: a browser on a portal page gets a page, not JSON
    setattr(app.state, ERROR_PAGE_STATE, ErrorPages(app.state.portal.renderer))
    pages = (
        _routes_network,
        _routes_explore,
        _routes_analyse,
        _routes_learning,
        _routes_datasets,
        _routes_match,
        _routes_account,
        _routes_requests,  # /requests/new before /requests/{request_id}
        _routes_request,
        _routes_inbox,
    )
    knowledge = (_routes_roadmap, _routes_knowledge)  # /knowledge/roadmap before /knowledge/{entity_id}
    delphi = (
        _routes_delphi_panel,
        _routes_delphi,
        _routes_delphi_results,
    )  # /delphi/panel before /delphi/{sid}
    for module in (*pages, *knowledge, *delphi):
        # the header's inbox count: one hub call per page, made before the page's own
        app.include_router(module.router, dependencies=[Depends(access_nav)])
    for module in (_routes_terms, _routes_assets):
        app.include_router(module.router)
