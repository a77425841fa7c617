"""Who is asking a node or the hub: the passport verified against the server's own trusted issuers
and the declared purpose, with the researcher (or the refusal) written in the request's audit."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from pmbridge.audit import request_audit
from pmbridge.errors import PassportRejected
from pmbridge.policy import PURPOSE_HEADER, Caller, PassportTrust, caller_from_headers


def verified_caller(request: Request, *, trust: PassportTrust | None) -> Caller:
    """The researcher behind the request's passport, checked against ``trust``, and the purpose
    declared; a passport that fails is refused (401, ``PassportRejected``) and the refusal audited.

    Whether the purpose is served (X5/X6) is the caller's decision: ``policy.check_purpose``.
    """
    audit = request_audit(request.scope)
    try:
        caller = caller_from_headers(
            authorization=request.headers.get("authorization"),
            purpose=request.headers.get(PURPOSE_HEADER),
            trust=trust,
            now=datetime.now(UTC),
        )
    except PassportRejected as error:
        if audit is not None:
            audit.refuse(f"passport:{error.reason}")
        raise
    if audit is not None and not caller.researcher.is_anonymous:
        audit.researcher = caller.researcher.id
    return caller
