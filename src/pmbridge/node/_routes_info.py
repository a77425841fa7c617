"""Node liveness: what the node holds, for the hub's network page (Beacon info is in _routes_framework)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pmbridge.beacon import HEALTH_RESPONSES, AdmissionGate
from pmbridge.node._deps import context_of
from pmbridge.node._matching import matcher_state

router = APIRouter()


@router.get("/health", responses=HEALTH_RESPONSES)
def health(request: Request, response: Response) -> dict[str, object]:
    """Liveness and what the node holds, for the hub's network page; ``matchIndex`` says whether the
    patient-matching index is ``ready``, ``building`` (matches wait for it) or ``not built``.
    ``status`` is ``overloaded`` (with ``Retry-After``) while the node turns requests away."""
    ctx = context_of(request)
    gate: AdmissionGate = request.app.state.gate
    load = gate.health()
    if gate.saturated:
        response.headers["Retry-After"] = str(gate.retry_after_seconds)
    return {
        **load,
        "node": ctx.config.id,
        "jurisdiction": ctx.config.jurisdiction.value,
        "country": ctx.config.country,
        "datasets": [ds.id for ds in ctx.config.datasets],
        "hpoRelease": ctx.hpo.release,
        "matchIndex": matcher_state(ctx),
    }
