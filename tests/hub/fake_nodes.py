"""Real misbehaving HTTP servers on 127.0.0.1 (threads), to prove the hub survives them.

Each signs its replies with its own key (``NODE_KEYS``), as a node does, except ``unsigned``, which
does not sign, and ``forger``, which signs a good answer with a key the hub does not know for it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pmbridge.signing import Message, generate_key_pair, sign_response


def count_reply(dataset: str, count: int) -> bytes:
    return json.dumps(
        {
            "meta": {"beaconId": "fake", "apiVersion": "v2.0.1", "returnedGranularity": "count"},
            "responseSummary": {"exists": count > 0, "numTotalResults": count},
            "response": {
                "resultSets": [
                    {
                        "id": dataset,
                        "setType": "dataset",
                        "exists": count > 0,
                        "resultsCount": count,
                        "results": [],
                    }
                ]
            },
        }
    ).encode()


def error_reply(status: int, message: str, **extension: str) -> bytes:
    """A Beacon error body; ``extension`` adds PM Bridge's fields (``code``, ``rule``, ``hint``)."""
    return json.dumps({"error": {"errorCode": status, "errorMessage": message, **extension}}).encode()


REFUSAL = "refused by rule X1: individual-level records do not leave the EU"
"""What the ``refuser`` answers to everything, with a signed 403, as a node's policy refusal does."""

BEHAVIOURS = {
    "good": lambda: (200, count_reply("good-ds", 7), 0.0),
    "slow": lambda: (200, count_reply("slow-ds", 5), 3.0),
    "garbage": lambda: (200, b"<html>not json</html>", 0.0),
    "huge": lambda: (200, b'{"pad": "' + b"x" * 2_000_000 + b'"}', 0.0),
    "error": lambda: (500, json.dumps({"error": {"errorCode": 500, "errorMessage": "boom"}}).encode(), 0.0),
    "liar": lambda: (
        200,
        json.dumps({"meta": {"returnedGranularity": "count"}, "response": {}}).encode(),
        0.0,
    ),
    "unsigned": lambda: (200, count_reply("unsigned-ds", 3), 0.0),
    "refuser": lambda: (403, error_reply(403, REFUSAL, code="policy_refused", rule="X1"), 0.0),
    "prose_refuser": lambda: (403, error_reply(403, REFUSAL), 0.0),  # the rule in its words only
    "undecodable": lambda: (200, b"this is not gzip", 0.0),  # sent as Content-Encoding: gzip
    "busy": lambda: (
        503,
        error_reply(503, "overloaded: 32 requests are already in progress", code="overloaded"),
        0.0,
    ),
    "forger": lambda: (200, count_reply("forger-ds", 4), 0.0),
}
NODE_KEYS = {behaviour: generate_key_pair() for behaviour in BEHAVIOURS}
"""The key each fake node signs with; the hub's registry lists these public keys."""
FORGER_KEY = generate_key_pair()


@contextmanager
def fake_node(behaviour: str) -> Iterator[str]:
    """Serve ``behaviour`` on an ephemeral loopback port; yields the base URL."""
    status, payload, delay = BEHAVIOURS[behaviour]()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            time.sleep(delay)
            asked = Message.request(self.command, self.path, self.headers.items())
            key = FORGER_KEY if behaviour == "forger" else NODE_KEYS[behaviour]
            signature = sign_response(status=status, body=payload, key=key, request=asked)
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                if behaviour == "undecodable":
                    self.send_header("content-encoding", "gzip")
                for name, value in signature.items() if behaviour != "unsigned" else ():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the hub gave up on us, as it should

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def dead_url() -> str:
    """A loopback URL where nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
