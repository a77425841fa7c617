"""The node's dataset catalogue: each dataset's data-use conditions and what it releases per access level.

Catalogue metadata, not data about people, so it is public: the portal's datasets page reads it
before anyone has an access level that would let ``/api/datasets`` return records.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from pmbridge.beacon import error_responses
from pmbridge.model import AccessLevel
from pmbridge.node._deps import context_of
from pmbridge.node._miabis_catalogue import miabis_description

router = APIRouter(responses=error_responses(401))  # under /api a node answers only what the hub signed


@router.get("/api/catalogue")
def catalogue(request: Request) -> dict[str, object]:
    """Every dataset this node holds: name, description, DUO codes, its granularity per access level
    and, where configured, its MIABIS Core 3.0 collection description."""
    ctx = context_of(request)
    return {
        "node": ctx.config.id,
        "datasets": [
            {
                "id": ds.id,
                "name": ds.name,
                "description": ds.description,
                "jurisdiction": ds.jurisdiction.value,
                "duo": list(ds.duo_codes),
                "release": {level.value: ds.max_granularity(level).value for level in AccessLevel},
                **(
                    {"miabis": miabis_description(ctx.config.miabis[ds.id])}
                    if ds.id in ctx.config.miabis
                    else {}
                ),
            }
            for ds in ctx.config.datasets
        ],
    }
