"""The node's FastAPI app factory: wires routers and error handling, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pmbridge import __version__
from pmbridge.beacon import (
    Admission,
    AdmissionGate,
    install_cors,
    install_error_handlers,
    install_head,
    install_security_headers,
)
from pmbridge.node import (
    _routes_catalogue,
    _routes_entries,
    _routes_framework,
    _routes_info,
    _routes_match,
    _routes_release,
)
from pmbridge.node._context import NodeContext
from pmbridge.node._matching import warm_matcher
from pmbridge.node._signed_exchange import SignedExchange
from pmbridge.node._trust import NodeTrust


def create_node_app(context: NodeContext) -> FastAPI:
    """A node serving ``context``'s store under the Beacon v2 API."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm_matcher(context)  # in the background: /health answers meanwhile, a match waits for it
        yield

    app = FastAPI(
        title=f"PM Bridge node {context.config.id}",
        version=__version__,
        description="GA4GH Beacon v2 node of a PM Bridge network.",
        lifespan=lifespan,
    )
    app.state.node = context
    gate = AdmissionGate(limit=context.config.max_in_flight)
    app.state.gate = gate
    install_error_handlers(app, beacon_id=f"org.pmbridge.node.{context.config.id}")
    install_head(app)  # innermost: the signature and the audit see the HEAD that was sent
    app.include_router(_routes_info.router)
    app.include_router(_routes_catalogue.router)
    app.include_router(_routes_release.router)  # /api/aggregates, /api/budget
    app.include_router(_routes_match.router)  # /api/match, /api/match/contact
    app.include_router(_routes_framework.router)  # before entry routes: /individuals/filtering_terms
    app.include_router(_routes_entries.router)
    beacon_id = f"org.pmbridge.node.{context.config.id}"
    app.add_middleware(Admission, gate=gate, beacon_id=beacon_id)  # inside: a 503 is signed and audited
    trust = NodeTrust(key=context.key, verifier=context.verifier, audit=context.audit)
    app.add_middleware(SignedExchange, trust=trust, node_id=context.config.id)  # every reply signed
    install_cors(app, context.config.public_api.cors_origins)  # outermost: a preflight needs no signature
    install_security_headers(app, context.config.public_api)  # outside CORS: every reply, signed or not
    return app
