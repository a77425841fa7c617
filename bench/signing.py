"""Count throughput at one node with signatures on against the same node answering unsigned requests.

    .venv/bin/python -m bench.signing [--size 10000] [--clients 8] [--seconds 8] [--rounds 3]

Signed: every request is signed for the node as the hub signs it, the node checks it (RFC 9421,
Ed25519, nonce cache), and the client checks the node's signed reply as the hub does. Unsigned:
the same node with ``node.require_signatures = false``, plain requests, replies not checked. In both
runs the node signs its replies and writes its audit log (a node always does), over the same store,
with the same query and the same number of concurrent clients; the two run in alternating rounds
so drift on a shared machine hits both. Prints requests/s of each and the ratio, then what each
step costs in this process (µs per message).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from bench._common import synthetic_store
from bench.count_query import node_process
from pmbridge.audit import AuditEvent, AuditLog
from pmbridge.signing import (
    KeyRing,
    Message,
    RequestVerifier,
    SignedRequests,
    generate_key_pair,
    sign_request,
    sign_response,
    verify_reply,
    verify_response,
)

BODY = orjson.dumps(
    {"query": {"filters": [{"id": "HP:0000707"}, {"id": "sex", "operator": "=", "value": "FEMALE"}]}}
)
MAX_REQUESTS = 200_000  # a bound on any one round, whatever the machine


def throughput(send: Callable[[httpx.Client], None], *, clients: int, seconds: float) -> float:
    """Requests per second that ``clients`` threads complete in ``seconds``, each on its own client."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(slot: int) -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop and done[slot] < MAX_REQUESTS // clients:
                send(client)
                done[slot] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def per_message_costs(repeat: int = 2000) -> dict[str, float]:
    """µs per message for each signing step, in this process."""
    hub, node = generate_key_pair(), generate_key_pair()
    verifier = RequestVerifier(keys=KeyRing({"hub": hub.verifying_key}), audience="bench")
    node_ring = KeyRing({"bench": node.verifying_key})
    reply = b'{"responseSummary":{"exists":true,"numTotalResults":1234}}'

    def sign() -> dict[str, str]:
        return sign_request(method="POST", target="/api/individuals", body=BODY, key=hub, audience="bench")

    signed = [sign() for _ in range(repeat)]
    asked = [Message.request("POST", "/api/individuals", h.items()) for h in signed]
    answers = [sign_response(status=200, body=reply, key=node, request=a) for a in asked]
    costs: dict[str, float] = {}

    def clock(name: str, step: Callable[[int], object]) -> None:
        started = time.perf_counter()
        for i in range(repeat):
            step(i)
        costs[name] = (time.perf_counter() - started) / repeat * 1e6

    clock("hub signs a request", lambda i: sign())
    clock(
        "node checks it",
        lambda i: verifier.verify(
            method="POST", target="/api/individuals", headers=signed[i].items(), body=BODY
        ),
    )
    clock("node signs its reply", lambda i: sign_response(status=200, body=reply, key=node, request=asked[i]))
    clock(
        "hub checks the reply",
        lambda i: verify_response(
            status=200, headers=answers[i].items(), body=reply, request=asked[i], keys=node_ring
        ),
    )
    with tempfile.TemporaryDirectory() as tmp, AuditLog(Path(tmp) / "audit.jsonl", key=node) as log:
        event = AuditEvent("hub", "request", "POST /api/individuals sha256:" + "0" * 64, "signature:ok")
        clock("node appends an audit entry", lambda i: log.append(event))
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    store = synthetic_store(args.size)
    hub = generate_key_pair()
    headers = {"content-type": "application/json"}
    rates: dict[str, list[float]] = {"unsigned": [], "signed": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = node_process(store, folder, node_id="plain")
        checked = node_process(store, folder, node_id="checked", hub_key=hub.verifying_key)
        with plain as plain_url, checked as checked_url:
            ring = KeyRing({"checked": checked.key.verifying_key})
            auth = SignedRequests(hub, audience="checked")

            def unsigned(client: httpx.Client) -> None:
                reply = client.post(plain_url + "/api/individuals", content=BODY, headers=headers)
                if reply.status_code != 200:
                    raise SystemExit(f"unsigned request answered {reply.status_code}: {reply.text[:300]}")

            def signed(client: httpx.Client) -> None:
                reply = client.post(
                    checked_url + "/api/individuals", content=BODY, headers=headers, auth=auth
                )
                if reply.status_code != 200:
                    raise SystemExit(f"signed request answered {reply.status_code}: {reply.text[:300]}")
                verify_reply(reply, reply.content, keys=ring)

            throughput(unsigned, clients=args.clients, seconds=1.0)  # warm-up
            throughput(signed, clients=args.clients, seconds=1.0)
            for _ in range(args.rounds):
                rates["unsigned"].append(throughput(unsigned, clients=args.clients, seconds=args.seconds))
                rates["signed"].append(throughput(signed, clients=args.clients, seconds=args.seconds))
    plain_rate, signed_rate = statistics.median(rates["unsigned"]), statistics.median(rates["signed"])
    print(
        f"count throughput at one node ({args.size:,} individuals, {args.clients} clients, "
        f"median of {args.rounds} rounds of {args.seconds:g} s):"
    )
    print(
        f"  unsigned {plain_rate:8.1f} requests/s   rounds {', '.join(f'{r:.1f}' for r in rates['unsigned'])}"
    )
    print(
        f"  signed   {signed_rate:8.1f} requests/s   rounds {', '.join(f'{r:.1f}' for r in rates['signed'])}"
    )
    print(f"  ratio signed/unsigned: {signed_rate / plain_rate:.3f}")
    print("per message, in this process:")
    for step, micros in per_message_costs().items():
        print(f"  {step:28s} {micros:7.1f} µs")


if __name__ == "__main__":
    main()
