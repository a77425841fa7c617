"""The composition root: the app ``pmbridge hub serve`` runs, the hub's network Beacon and API with
the web portal mounted at ``/``. The hub knows nothing of the portal; only this module joins them.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from pmbridge.hub import HubConfig, create_hub_app
from pmbridge.portal import install_portal


def create_network_app(config: HubConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The hub over ``config.nodes`` with its portal; ``transport`` lets tests route fan-out in-process.

    The portal's pages sit behind the hub's middleware (audit, admission, CORS, security headers),
    which wraps every route of the app, whenever it was added.
    """
    app = create_hub_app(config, transport=transport)
    install_portal(app, config)
    return app
