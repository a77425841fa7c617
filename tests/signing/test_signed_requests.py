"""``SignedRequests``, the one request signer: the hub's client uses it with no fixed audience, so
each request is signed for the node its ``PMBridge-Audience`` header names, and a node set to its
own id refuses a request signed for another."""

from __future__ import annotations

import httpx
import pytest

from pmbridge.errors import SignatureRejected
from pmbridge.signing import (
    AUDIENCE_HEADER,
    KeyRing,
    ReplayCache,
    SignedRequests,
    generate_key_pair,
    verify_request,
)

HUB = generate_key_pair()


def signed(auth: SignedRequests, *, names: str | None) -> httpx.Request:
    headers = {AUDIENCE_HEADER: names} if names else {}
    request = httpx.Request("POST", "http://node/api/individuals", content=b"{}", headers=headers)
    return next(auth.auth_flow(request))


def verify(request: httpx.Request, *, node: str) -> None:
    verify_request(
        method=request.method,
        target=request.url.raw_path.decode("ascii"),
        headers=list(request.headers.items()),
        body=request.content,
        keys=KeyRing({"hub": HUB.verifying_key}),
        replay=ReplayCache(window_seconds=60),
        audience=node,
    )


def test_without_a_fixed_audience_each_request_is_signed_for_the_node_it_names() -> None:
    for node in ("eu-rome", "cn-shanghai"):
        request = signed(SignedRequests(HUB), names=node)
        verify(request, node=node)
        with pytest.raises(SignatureRejected) as refused:
            verify(signed(SignedRequests(HUB), names=node), node="eu-elsewhere")
        assert refused.value.reason == "wrong_audience"


def test_a_fixed_audience_is_the_one_signed_for() -> None:
    request = signed(SignedRequests(HUB, audience="eu-rome"), names=None)
    assert request.headers[AUDIENCE_HEADER] == "eu-rome"
    verify(request, node="eu-rome")
