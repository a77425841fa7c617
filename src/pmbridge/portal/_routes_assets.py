"""The portal's own static files (one stylesheet, one small script), served from the package."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

router = APIRouter()

STATIC: Final = Path(__file__).parent / "static"
MEDIA_TYPES: Final = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    """A file of ``static/`` by its bare name; anything else is not found."""
    path = STATIC / name
    media_type = MEDIA_TYPES.get(path.suffix)
    if "/" in name or media_type is None or not path.is_file():
        raise HTTPException(404, f"no portal file {name!r}")
    return Response(
        path.read_bytes(), media_type=media_type, headers={"cache-control": "public, max-age=3600"}
    )
