"""How route handlers reach the node's context (set on the app by the factory) and the caller."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from pmbridge.audit import RequestAudit, request_audit
from pmbridge.errors import PassportRejected
from pmbridge.node._context import NodeContext
from pmbridge.policy import PURPOSE_HEADER, Caller, caller_from_headers


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
    audit = audit_of(request)
    try:
        caller = caller_from_headers(
            authorization=request.headers.get("authorization"),
            purpose=request.headers.get(PURPOSE_HEADER),
            trust=context_of(request).release.passports,
            now=datetime.now(UTC),
        )
    except PassportRejected as error:
        if audit is not None:
            audit.refuse(f"passport:{error.reason}")
        raise
    if audit is not None and not caller.researcher.is_anonymous:
        audit.researcher = caller.researcher.id
    return caller
