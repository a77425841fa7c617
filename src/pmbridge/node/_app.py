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
    _routes_access,
    _routes_analysis,
    _routes_catalogue,
    _routes_entries,
    _routes_framework,
    _routes_info,
    _routes_match,
    _routes_release,
)
from pmbridge.node._context import NodeContext
from pmbridge.node._matching import warm_matcher
from pmbridge.node._signed_exchange import SignedReplies, hub_signature_check
from pmbridge.web import AuditedRequests, install_api_docs


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
        docs_url=None,  # served offline by install_api_docs, not from a CDN
        redoc_url=None,
    )
    app.state.node = context
    gate = AdmissionGate(limit=context.config.max_in_flight)
    app.state.gate = gate
    node_id = context.config.id
    beacon_id = f"org.pmbridge.node.{node_id}"
    install_error_handlers(app, beacon_id=beacon_id)
    install_head(app)  # innermost: the signature and the audit see the HEAD that was sent
    app.include_router(_routes_info.router)
    app.include_router(_routes_catalogue.router)
    app.include_router(_routes_release.router)  # /api/aggregates, /api/budget
    app.include_router(_routes_analysis.router)  # /api/analysis
    app.include_router(_routes_match.router)  # /api/match, /api/match/contact
    app.include_router(_routes_access.router)  # /api/access/precheck, /api/access/attachments
    app.include_router(_routes_framework.router)  # before entry routes: /individuals/filtering_terms
    app.include_router(_routes_entries.router)
    install_api_docs(app)  # /docs, /redoc
    app.add_middleware(Admission, gate=gate, beacon_id=beacon_id)  # inside: a 503 is signed and audited
    app.add_middleware(  # requests under /api: the hub's signature checked, one audit entry each
        AuditedRequests,
        audit_log=lambda: context.audit,
        role="node",
        name=node_id,
        beacon_id=beacon_id,
        check=hub_signature_check(context.verifier, node_id=node_id),
    )
    app.add_middleware(SignedReplies, key=context.key, node_id=node_id)  # every reply signed, refusals too
    install_cors(app, context.config.public_api.cors_origins)  # outermost: a preflight needs no signature
    install_security_headers(app, context.config.public_api)  # outside CORS: every reply, signed or not
    return app
