"""Read a Beacon POST body: empty means "no body", malformed JSON is the caller's error (400)."""

from __future__ import annotations

import json

from fastapi import Request

from pmbridge.errors import QueryError

BODY_STATE = "beacon_body"
"""Where :func:`json_body` leaves the body it read (``request.state``), for the error handler to
describe the request an error answers."""


async def json_body(request: Request) -> object:
    """The request's JSON body, or None when it is empty."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        doc = json.loads(raw, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise QueryError(
            f"request body is not valid JSON: {exc}", hint="send a Beacon v2 request body"
        ) from None
    setattr(request.state, BODY_STATE, doc)
    return doc


def _no_constant(name: str) -> object:
    """JSON has no NaN or Infinity (Python's parser accepts them): an answer could not hold them."""
    raise ValueError(f"{name} is not a JSON number")
