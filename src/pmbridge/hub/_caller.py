"""Who asks the hub and why: the passport checked against the hub's trusted issuers, the purpose
against X5/X6, before anything is sent to a node. Nodes check both again themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from pmbridge.audit import RequestAudit, request_audit
from pmbridge.errors import PassportRejected, PolicyRefused
from pmbridge.hub._context import hub_of
from pmbridge.policy import PURPOSE_HEADER, Caller, caller_from_headers, check_purpose


@dataclass(frozen=True, slots=True)
class HubCaller:
    """The verified caller, the headers that carry them to the nodes, and the request's audit."""

    caller: Caller
    forward: dict[str, str]
    audit: RequestAudit | None

    @property
    def researcher(self) -> str:
        return self.caller.researcher.id


def hub_caller(request: Request) -> HubCaller:
    """Verify the passport (401 when it fails) and the purpose (403 under X5/X6), auditing refusals."""
    audit = request_audit(request.scope)
    authorization = request.headers.get("authorization")
    try:
        caller = caller_from_headers(
            authorization=authorization,
            purpose=request.headers.get(PURPOSE_HEADER),
            trust=hub_of(request).release.trust,
            now=datetime.now(UTC),
        )
    except PassportRejected as error:
        if audit is not None:
            audit.refuse(f"passport:{error.reason}")
        raise
    decision = check_purpose(caller.purpose)
    if audit is not None and not caller.researcher.is_anonymous:
        audit.researcher = caller.researcher.id
    if not decision.allowed:
        if audit is not None:
            audit.refuse(decision.rule)
        raise PolicyRefused(decision.rule, decision.reason)
    return HubCaller(caller, caller.headers(authorization), audit)
