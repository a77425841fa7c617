"""Who asks the hub and why: the passport checked against the hub's trusted issuers, the purpose
against X5/X6, before anything is sent to a node. Nodes check both again themselves."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from pmbridge.audit import RequestAudit, request_audit
from pmbridge.errors import PolicyRefused
from pmbridge.hub._context import hub_of
from pmbridge.policy import Caller, check_purpose
from pmbridge.web import verified_caller


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
    caller = verified_caller(request, trust=hub_of(request).release.trust)
    audit = request_audit(request.scope)
    decision = check_purpose(caller.purpose)
    if not decision.allowed:
        if audit is not None:
            audit.refuse(decision.rule)
        raise PolicyRefused(decision.rule, decision.reason)
    return HubCaller(caller, caller.headers(request.headers.get("authorization")), audit)
