"""How route handlers reach the node's context (set on the app by the factory) and the caller."""

from __future__ import annotations

from fastapi import Request

from pmbridge.audit import RequestAudit, request_audit
from pmbridge.node._context import NodeContext
from pmbridge.policy import Caller
from pmbridge.web import verified_caller


def context_of(request: Request) -> NodeContext:
    ctx = request.app.state.node
    assert isinstance(ctx, NodeContext)
    return ctx


def audit_of(request: Request) -> RequestAudit | None:
    """The audit trail of this request, when the node keeps an audit log."""
    return request_audit(request.scope)


def caller_of(request: Request) -> Caller:
    """The researcher behind the request's passport, verified against the node's own trusted issuers,
    and the declared purpose; a passport that fails is refused (401) and the refusal audited."""
    return verified_caller(request, trust=context_of(request).release.passports)
