"""The node's interactive API docs work offline: ``/docs`` and ``/redoc`` load every asset from the
node itself (outside /api, so open to any reader), and each reply leaves signed like every other."""

from __future__ import annotations

import httpx
import pytest

from tests.web.api_docs import check_offline_docs

pytestmark = pytest.mark.anyio


async def test_the_nodes_api_pages_load_only_their_own_assets(client: httpx.AsyncClient) -> None:
    urls = await check_offline_docs(client)
    assert "/docs/assets/swagger-init.js" in urls["/docs"]
    page = await client.get("/docs")
    assert "signature" in page.headers and "script-src 'self';" in page.headers["content-security-policy"]
