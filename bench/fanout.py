"""Fan-out overhead: the hub's latency for a count over 10 node processes against the slowest node's own.

    .venv/bin/python -m bench.fanout [--nodes 10] [--size 10000] [--repeat 40]

Ten node processes on loopback over one small synthetic store (opened read-only; each node has its
own key and audit log) and a hub process that knows them, all with signatures on. Each round asks
the same count (a) of every node directly, signed as the hub signs and with the reply checked, one
node after another: the slowest of these is the slowest node's own latency; (b) of the hub, which
signs a request for each node, fans out to all of them at once, checks every signed reply and
merges; (c) of every node directly but all at once, as the hub asks them, until the last reply is
in: on a machine with fewer cores than nodes the nodes slow each other down, and (c) shows how
much of (b) that is rather than the hub. Prints p50 / p95 of each and the ratios hub / slowest node
and hub / all at once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import orjson
import tomli_w

from bench._common import percentiles, synthetic_store
from bench.count_query import node_process
from pmbridge.signing import (
    KeyRing,
    SignedRequests,
    SigningKey,
    generate_key_pair,
    save_key_pair,
    verify_reply,
)

BODY = orjson.dumps(
    {
        "query": {
            "filters": [{"id": "HP:0000707"}, {"id": "sex", "operator": "=", "value": "FEMALE"}],
            "requestedGranularity": "count",
        }
    }
)
HEADERS = {"content-type": "application/json"}


class hub_process:  # noqa: N801 - used as a context manager
    """A real hub process over ``nodes`` (id -> (url, node key)); yields its URL."""

    def __init__(self, folder: Path, key: SigningKey, nodes: dict[str, tuple[str, SigningKey]]) -> None:
        self.folder, self.key, self.nodes = folder, key, nodes

    def __enter__(self) -> str:
        save_key_pair(self.key, directory=self.folder / "keys", name="hub", overwrite=True)
        config = self.folder / "hub.toml"
        doc = {
            "hub": {"id": "bench-hub", "private_key": "keys/hub.key", "deadline_seconds": 30.0},
            "nodes": [
                {
                    "id": node,
                    "url": url,
                    "jurisdiction": "EU",
                    "country": "IT",
                    "public_key": key.verifying_key.text,
                }
                for node, (url, key) in self.nodes.items()
            ],
        }
        config.write_text(tomli_w.dumps(doc), encoding="utf-8")
        ready = self.folder / "hub.ready.json"
        command = [sys.executable, "-m", "pmbridge", "hub", "serve", "--config", str(config)]
        self.process = subprocess.Popen([*command, "--ready-file", str(ready)])
        deadline = time.monotonic() + 120
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("hub did not start")
            time.sleep(0.05)
        return str(json.loads(ready.read_text())["url"])

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    store = synthetic_store(args.size)
    hub_key = generate_key_pair()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack, httpx.Client(timeout=60) as client:
        folder = Path(tmp)
        nodes: dict[str, tuple[str, SigningKey]] = {}
        for i in range(args.nodes):
            node = node_process(store, folder, node_id=f"node-{i:02d}", hub_key=hub_key.verifying_key)
            nodes[node.node_id] = (stack.enter_context(node), node.key)
        hub_url = stack.enter_context(hub_process(folder, hub_key, nodes))

        def direct(node: str) -> float:
            url, key = nodes[node]
            started = time.perf_counter()
            auth = SignedRequests(hub_key, audience=node)
            reply = client.post(url + "/api/individuals", content=BODY, headers=HEADERS, auth=auth)
            verify_reply(reply, reply.content, keys=KeyRing({node: key.verifying_key}))
            if reply.status_code != 200:
                raise SystemExit(f"{node} answered {reply.status_code}: {reply.text[:300]}")
            return time.perf_counter() - started

        def through_hub() -> float:
            started = time.perf_counter()
            reply = client.post(hub_url + "/api/individuals", content=BODY, headers=HEADERS)
            elapsed = time.perf_counter() - started
            statuses = {n["node"]: n["status"] for n in reply.json()["info"]["nodes"]}
            if reply.status_code != 200 or set(statuses.values()) != {"ok"}:
                raise SystemExit(f"hub answered {reply.status_code}: {statuses or reply.text[:300]}")
            return elapsed

        pool = stack.enter_context(ThreadPoolExecutor(len(nodes)))

        def all_at_once() -> float:
            started = time.perf_counter()
            list(pool.map(direct, nodes))
            return time.perf_counter() - started

        for _ in range(3):  # warm-up: connections, caches
            through_hub()
            all_at_once()
        slowest, hub, together = [], [], []
        for _ in range(args.repeat):
            slowest.append(max(direct(node) for node in nodes))
            hub.append(through_hub())
            together.append(all_at_once())
    (h50, h95), (s50, s95), (t50, t95) = percentiles(hub), percentiles(slowest), percentiles(together)
    print(f"count over {args.nodes} node processes ({args.size:,} individuals each), {args.repeat} rounds:")
    print(f"  (b) hub (fan-out, signed)     p50 {h50 * 1000:7.2f} ms  p95 {h95 * 1000:7.2f} ms")
    print(f"  (a) slowest node alone        p50 {s50 * 1000:7.2f} ms  p95 {s95 * 1000:7.2f} ms")
    print(f"  (c) all nodes at once, direct p50 {t50 * 1000:7.2f} ms  p95 {t95 * 1000:7.2f} ms")
    print(f"  overhead ratio hub / slowest node:  p50 {h50 / s50:.2f}x  p95 {h95 / s95:.2f}x")
    print(f"  overhead ratio hub / all at once:   p50 {h50 / t50:.2f}x  p95 {h95 / t95:.2f}x")


if __name__ == "__main__":
    main()
