"""The hub's FastAPI app factory: wires routers, error handling and the fan-out client.

The hub knows nothing of the portal: ``pmbridge.network_app`` (the composition root) mounts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from pmbridge import __version__
from pmbridge.audit import AuditLog
from pmbridge.beacon import (
    Admission,
    AdmissionGate,
    install_cors,
    install_error_handlers,
    install_head,
    install_security_headers,
)
from pmbridge.hub import (
    _routes,
    _routes_access,
    _routes_analyses,
    _routes_consensus,
    _routes_consensus_outputs,
    _routes_consensus_panel,
    _routes_costs,
    _routes_framework,
    _routes_knowledge,
    _routes_learning,
    _routes_match,
    _routes_rank,
    _routes_release,
)
from pmbridge.hub._access_loop import AccessLoop
from pmbridge.hub._access_open import access_delivery, open_access_desk
from pmbridge.hub._context import HubContext, load_hub_key
from pmbridge.hub._learning import LearningDesk
from pmbridge.hub._links import NodeLinks
from pmbridge.hub._registry import HubConfig
from pmbridge.hub._release_settings import open_hub_release
from pmbridge.hub._request_limits import install_request_limits
from pmbridge.signing import SignedRequests
from pmbridge.web import AuditedRequests, install_api_docs


def create_hub_app(config: HubConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """A hub over ``config.nodes``; ``transport`` lets tests route fan-out in-process."""
    key = load_hub_key(config)  # before serving: a hub that cannot sign must not start
    release = open_hub_release(config.release, state_dir=config.state_dir)  # passports, privacy ledger

    gate = AdmissionGate(limit=config.max_in_flight, deadline_seconds=config.deadline_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tls = httpx.create_ssl_context()  # once: each client would otherwise load the CA bundle (~0.1 s)

        def open_client(limits: httpx.Limits) -> httpx.AsyncClient:
            signer = SignedRequests(key)  # for the node each request names (fan_out sets its audience)
            return httpx.AsyncClient(
                transport=transport, limits=limits, timeout=config.deadline_seconds, auth=signer, verify=tls
            )

        with AuditLog(config.audit_log, key=key) as audit:
            links = NodeLinks(open_client, per_node=config.connections_per_node)
            for node in config.nodes:  # now, not in the first request's time
                links.client(node.id)
            desk = open_access_desk(config, audit)
            loop = AccessLoop(desk, access_delivery(config))
            learning = LearningDesk(config, key)
            learning.register_in_background()  # the nodes' SuperNodes connect before a training
            app.state.hub = HubContext(
                config=config,
                links=links,
                key=key,
                audit=audit,
                release=release,
                gate=gate,
                access=desk,
                access_loop=loop,
                learning=learning,
            )
            try:
                async with loop.running():
                    yield
            finally:
                await app.state.hub.health.aclose()  # no health probe left pending
                await links.aclose()
                release.close()

    app = FastAPI(
        title=f"PM Bridge hub {config.id}",
        version=__version__,
        description="Network Beacon of a PM Bridge network: fans out to nodes and merges their answers.",
        lifespan=lifespan,
        docs_url=None,  # served offline by install_api_docs, not from a CDN
        redoc_url=None,
    )
    install_error_handlers(app, beacon_id=config.id)
    install_request_limits(app, config.rate_limits, api=config.public_api)  # sign-in, contact
    install_head(app)  # innermost: the audit sees the HEAD that was sent
    app.include_router(_routes_framework.router)  # before entry routes: /individuals/filtering_terms
    app.include_router(_routes.router)
    app.include_router(_routes_release.router)  # auth, aggregates, budget
    app.include_router(_routes_costs.router)  # /api/aggregates/cost
    app.include_router(_routes_analyses.router)  # /api/analyses
    app.include_router(_routes_match.router)  # /api/match, /api/match/contact
    app.include_router(_routes_rank.router)  # /api/rank
    app.include_router(_routes_knowledge.router)
    app.include_router(_routes_consensus.router)  # /api/consensus: after /api/kb, whose base it reads
    app.include_router(_routes_consensus_panel.router)  # /api/consensus/panel
    app.include_router(_routes_consensus_outputs.router)  # export.csv, report, roadmap updates; the clock
    app.include_router(_routes_access.router)  # /api/access
    app.include_router(_routes_learning.router)  # /api/learning/trainings
    install_api_docs(app)  # /docs, /redoc
    app.add_middleware(Admission, gate=gate, beacon_id=config.id)  # inside the audit: a 503 is audited
    app.add_middleware(
        AuditedRequests,
        audit_log=lambda: _context(app).audit,
        role="hub",
        name=config.id,
        beacon_id=config.id,
    )
    install_cors(app, config.public_api.cors_origins)  # outermost: a preflight is not a question
    install_security_headers(app, config.public_api)  # outside CORS: every reply, signed or not
    return app


def _context(app: FastAPI) -> HubContext:
    ctx = app.state.hub
    assert isinstance(ctx, HubContext)
    return ctx
