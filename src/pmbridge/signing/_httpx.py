"""The client side in httpx terms: an ``Auth`` that signs each request, and reply verification.

The hub reads node replies with a byte cap, so reply checking is a call made after that capped
read (``verify_reply``), not an httpx hook that would read an unbounded body first.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from pmbridge.signing._base import Message
from pmbridge.signing._keyring import KeyRing
from pmbridge.signing._keys import SigningKey
from pmbridge.signing._profile import DEFAULT_MAX_SKEW
from pmbridge.signing._request import AUDIENCE_HEADER, sign_request
from pmbridge.signing._response import verify_response
from pmbridge.signing._verify import VerifiedSignature


class SignedRequests(httpx.Auth):
    """Sign every request with ``key`` for the node ``audience``; without one, for the node named in
    the request's own ``PMBridge-Audience`` header (the hub's client, whose fan-out sets it per
    request), so no call made through the client can go unsigned."""

    requires_request_body = True

    def __init__(self, key: SigningKey, *, audience: str | None = None) -> None:
        self.key = key
        self.audience = audience

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        audience = self.audience if self.audience is not None else request.headers.get(AUDIENCE_HEADER)
        request.headers.update(
            sign_request(
                method=request.method,
                target=request.url.raw_path.decode("ascii"),
                body=request.content,
                key=self.key,
                audience=audience,
                caller=request.headers,
            )
        )
        yield request


def request_message(request: httpx.Request) -> Message:
    """The request as the signature base sees it (path and query exactly as sent)."""
    return Message.request(
        request.method, request.url.raw_path.decode("ascii"), request.headers.multi_items()
    )


def verify_reply(
    response: httpx.Response,
    body: bytes,
    *,
    keys: KeyRing,
    max_skew: float = DEFAULT_MAX_SKEW,
    now: float | None = None,
) -> VerifiedSignature:
    """Check a node's signed reply, given the body as read (e.g. under the hub's size cap)."""
    return verify_response(
        status=response.status_code,
        headers=response.headers.multi_items(),
        body=body,
        request=request_message(response.request),
        keys=keys,
        max_skew=max_skew,
        now=now,
    )
