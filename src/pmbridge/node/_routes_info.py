"""Node identity endpoints: liveness, Beacon info and GA4GH service-info."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pmbridge import __version__
from pmbridge.beacon import API_VERSION
from pmbridge.node._deps import context_of

router = APIRouter()


@router.get("/health")
def health(request: Request) -> dict[str, object]:
    """Liveness and what the node holds, for the hub's network page."""
    ctx = context_of(request)
    return {
        "status": "up",
        "node": ctx.config.id,
        "jurisdiction": ctx.config.jurisdiction.value,
        "country": ctx.config.country,
        "datasets": [ds.id for ds in ctx.config.datasets],
        "hpoRelease": ctx.hpo.release,
    }


@router.get("/api/service-info")
def service_info(request: Request) -> dict[str, object]:
    """GA4GH service-info for this node's Beacon."""
    ctx = context_of(request)
    return {
        "id": f"org.pmbridge.node.{ctx.config.id}",
        "name": ctx.config.name,
        "type": {"group": "org.ga4gh", "artifact": "beacon", "version": API_VERSION},
        "organization": {"name": ctx.config.name, "url": "https://pmbridge.org"},
        "version": __version__,
        "environment": "demo",
    }


@router.get("/api")
@router.get("/api/info")
def info(request: Request) -> dict[str, object]:
    """Beacon info: who this node is, its datasets and the HPO release its answers use."""
    ctx = context_of(request)
    return {
        "meta": {
            "beaconId": f"org.pmbridge.node.{ctx.config.id}",
            "apiVersion": API_VERSION,
            "returnedSchemas": [],
        },
        "response": {
            "id": f"org.pmbridge.node.{ctx.config.id}",
            "name": ctx.config.name,
            "apiVersion": API_VERSION,
            "environment": "dev",
            "organization": {"id": ctx.config.id, "name": ctx.config.name},
            "info": {
                "jurisdiction": ctx.config.jurisdiction.value,
                "country": ctx.config.country,
                "hpoRelease": ctx.hpo.release,
                "storeHpoRelease": ctx.store.hpo_release,
                "datasets": [{"id": ds.id, "name": ds.name} for ds in ctx.config.datasets],
                "pmbridgeVersion": __version__,
            },
        },
    }
