"""Nodes that answer the hub with set JSON bodies, each reply signed with the node's own key, in
process: for property tests that need many different node replies, and tests that must know
when the nodes have answered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

import httpx

from pmbridge.signing import SigningKey, generate_key_pair, request_message, sign_response


class ScriptedNodes(httpx.AsyncBaseTransport):
    """Answers each (host, path) with the JSON in ``bodies``; a host with no body there is down.

    ``answered`` is set once any node has replied.
    """

    def __init__(self, nodes: Iterable[str]) -> None:
        self.keys: dict[str, SigningKey] = {node: generate_key_pair() for node in nodes}
        self.bodies: dict[tuple[str, str], object] = {}
        self.answered = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        host = request.url.host
        if (host, request.url.path) not in self.bodies:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.dumps(self.bodies[(host, request.url.path)]).encode()
        key = self.keys[host]
        signature = sign_response(status=200, body=body, key=key, request=request_message(request))
        self.answered.set()
        return httpx.Response(200, headers={"content-type": "application/json", **signature}, content=body)
