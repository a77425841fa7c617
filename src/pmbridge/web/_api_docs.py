"""The interactive API docs of a node or the hub, ``/docs`` (Swagger UI) and ``/redoc``, served
with their assets from the ``fastapi-offline`` package: they work offline and behind the Great Firewall.

Swagger UI is started by a script file of ours (``static/swagger-init.js``) instead of FastAPI's
inline one, so the page needs no ``'unsafe-inline'`` script policy; ReDoc's script is served
without the one image it would fetch from Redocly's CDN.
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

SWAGGER_PATH: Final = "/docs"
REDOC_PATH: Final = "/redoc"
ASSETS_PATH: Final = "/docs/assets"
"""Swagger UI's and ReDoc's scripts, styles and icon, and our Swagger UI start-up script."""
OFFLINE_ASSETS: Final = Path(fastapi_offline.__file__).parent / "static"
OUR_ASSETS: Final = ("pmbridge.web", "static")
REDOC_SCRIPT: Final = "redoc.standalone.js"
REDOC_CDN_LOGO: Final = 'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'
"""ReDoc's sidebar credit shows a logo from Redocly's CDN: offline it cannot load, and our content
policy refuses it, a console error either way. Served as ``src:""``, which ReDoc's own error
handler hides; the credit's text and link stay."""

SWAGGER_PAGE: Final = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="shortcut icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` for ``app``, which must be made with ``docs_url=None`` and
    ``redoc_url=None`` (FastAPI's own pages load their assets from a CDN). Under a ``root_path``
    (behind a proxy) the pages name their assets under it, as FastAPI's own do."""

    @app.get(f"{ASSETS_PATH}/{REDOC_SCRIPT}", include_in_schema=False)  # before the mount, which it shadows
    def redoc_script() -> Response:
        return Response(offline_redoc(), media_type="text/javascript")

    app.mount(
        ASSETS_PATH,
        StaticFiles(directory=OFFLINE_ASSETS, packages=[OUR_ASSETS]),
        name="api-docs-assets",
    )

    @app.get(SWAGGER_PATH, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        page = SWAGGER_PAGE.format(
            title=escape(f"{app.title} - Swagger UI"),
            assets=escape(root + ASSETS_PATH),
            openapi_url=escape(root + str(app.openapi_url)),
        )
        return HTMLResponse(page)

    @app.get(REDOC_PATH, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_redoc_html(
            openapi_url=root + str(app.openapi_url),
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_PATH}/{REDOC_SCRIPT}",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )


@cache
def offline_redoc() -> bytes:
    """ReDoc's standalone script as ``fastapi-offline`` ships it, less its CDN logo (read once)."""
    script = (OFFLINE_ASSETS / REDOC_SCRIPT).read_text(encoding="utf-8")
    return script.replace(REDOC_CDN_LOGO, 'src:""').encode("utf-8")
