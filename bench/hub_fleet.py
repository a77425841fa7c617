"""The hub over 50 node processes on loopback: a network count as a ratio to the slowest node asked
alone, with every node healthy, with 5 nodes hung, and with the hung nodes' breakers open.

    .venv/bin/python -m bench.hub_fleet [--nodes 50] [--hung 5] [--size 2000] [--repeat 20] [--deadline 2]

Every node is a real uvicorn process over the same small synthetic store (opened read-only), with
its own key and audit log, signatures on. Fifty Python processes that each import the stack would
take gigabytes, so they are forked from this process after it has imported PM Bridge, uvicorn and
the HPO (copy-on-write: the pages stay shared until written); the benchmark prints their resident
and proportional memory. Two hubs (real processes, forked the same way) know all the nodes: one with
its breakers as configured by default (``breaker`` hub), one with breakers that never open
(``plain`` hub), so the hung case shows what the deadline alone bounds.

Each round asks one Beacon individuals count with an HPO filter (a) of every node directly, signed
as the hub signs and its reply checked, one node after another: the slowest is the "slowest node
alone"; (b) of the plain hub; (c) of every node directly but all at once, as the hub asks them (on
a machine with fewer cores than nodes, the nodes slow each other down: (c) says how much of (b)
that is rather than the hub). Then ``--hung`` nodes are stopped (SIGSTOP: the kernel still accepts
their connections, nothing answers) and (d) the plain hub is asked, every reply bounded by its
deadline; (e) the breaker hub is warmed up until the hung nodes' breakers are open, then asked.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

# Imported before forking (uvicorn, and what a server imports on its first request too), so that
# every node process shares these pages rather than importing anew.
import anyio._backends._asyncio  # noqa: F401
import orjson
import tomli_w
import uvicorn  # noqa: F401

from bench._common import CACHE, percentiles
from pmbridge.hub import load_hub_config
from pmbridge.network_app import create_network_app
from pmbridge.node import create_node_app, load_node_config, open_node
from pmbridge.service import serve
from pmbridge.signing import SigningKey, generate_key_pair, save_key_pair
from pmbridge.vocab import Hpo, locate_data_dir

BODY = orjson.dumps({"query": {"filters": [{"id": "HP:0000707"}], "requestedGranularity": "count"}})
HEADERS = {"content-type": "application/json"}


def _serve_node(config: Path, ready: Path) -> None:
    serve(create_node_app(open_node(load_node_config(config))), host="127.0.0.1", port=0, ready_file=ready)


def _serve_hub(config: Path, ready: Path) -> None:
    serve(create_network_app(load_hub_config(config)), host="127.0.0.1", port=0, ready_file=ready)


@dataclass
class Fleet:
    """The processes this benchmark forked: id -> (process, URL)."""

    processes: dict[str, multiprocessing.process.BaseProcess]
    urls: dict[str, str]

    def pid(self, name: str) -> int:
        pid = self.processes[name].pid
        assert pid is not None
        return pid

    def stop(self) -> None:
        for process in self.processes.values():
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGCONT)  # a stopped process cannot act on SIGTERM
                process.terminate()
        for process in self.processes.values():
            process.join(timeout=10)


def store_of(size: int) -> Path:
    """The cached synthetic store, built in a child process: DuckDB's threads must never be
    running in a process that forks."""
    store = CACHE / f"node-{size}.duckdb"
    if not store.exists():
        code = f"from bench._common import synthetic_store; synthetic_store({size})"
        subprocess.run([sys.executable, "-c", code], check=True)
    return store


def start(fleet: Fleet, name: str, target: Callable[[Path, Path], None], config: Path) -> None:
    ready = config.with_suffix(".ready.json")
    process = multiprocessing.get_context("fork").Process(target=target, args=(config, ready), daemon=True)
    process.start()
    fleet.processes[name] = process


def wait_ready(fleet: Fleet, folder: Path, *, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    for name, process in fleet.processes.items():
        ready = folder / f"{name}.ready.json"
        while not ready.exists():
            if not process.is_alive() or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start")
            time.sleep(0.05)
        fleet.urls[name] = str(orjson.loads(ready.read_bytes())["url"])


def node_config(folder: Path, node: str, store: Path, key: SigningKey, hub_key: SigningKey) -> Path:
    save_key_pair(key, directory=folder / "keys", name=node, overwrite=True)
    doc = {
        "node": {
            "id": node,
            "name": node,
            "jurisdiction": "EU",
            "country": "IT",
            "store": str(store),
            "private_key": f"keys/{node}.key",
            "audit_log": f"{node}-audit.jsonl",
            "hub_public_key": hub_key.verifying_key.text,
        },
        "datasets": [{"id": "bench", "name": "Bench", "release": {"public": "count"}}],
    }
    path = folder / f"{node}.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def hub_config(
    folder: Path, name: str, nodes: dict[str, SigningKey], urls: dict[str, str], **hub: object
) -> Path:
    doc = {
        "hub": {"id": name, "private_key": "keys/hub.key", "state_dir": f"{name}-state", **hub},
        "nodes": [
            {
                "id": n,
                "url": urls[n],
                "jurisdiction": "EU",
                "country": "IT",
                "public_key": k.verifying_key.text,
            }
            for n, k in nodes.items()
        ],
    }
    path = folder / f"{name}.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident, proportional) set size of ``pid`` in MB; proportional splits shared pages."""
    found = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts[0] in ("Rss:", "Pss:"):
            found[parts[0]] = int(parts[1]) / 1024
    return found.get("Rss:", 0.0), found.get("Pss:", 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--hung", type=int, default=5)
    parser.add_argument("--size", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--deadline", type=float, default=2.0, help="the hubs' deadline_seconds")
    args = parser.parse_args()
    store = store_of(args.size)
    Hpo.load(locate_data_dir())  # once, here: the forked nodes find it in the per-process cache
    gc.freeze()  # the collector never touches what is loaded now, so the children's pages stay shared
    hub_key = generate_key_pair()
    keys = {f"node-{i:02d}": generate_key_pair() for i in range(args.nodes)}
    fleet = Fleet({}, {})
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        stack.callback(fleet.stop)
        folder = Path(tmp)
        save_key_pair(hub_key, directory=folder / "keys", name="hub", overwrite=True)
        started = time.perf_counter()
        for node, key in keys.items():
            start(fleet, node, _serve_node, node_config(folder, node, store, key, hub_key))
        wait_ready(fleet, folder)
        nodes_up = time.perf_counter() - started
        node_urls = dict(fleet.urls)
        hubs = {
            "plain": hub_config(
                folder, "plain", keys, node_urls, deadline_seconds=args.deadline, breaker_timeouts=10**9
            ),
            "breaker": hub_config(folder, "breaker", keys, node_urls, deadline_seconds=args.deadline),
        }
        for name, config in hubs.items():
            start(fleet, name, _serve_hub, config)
        wait_ready(fleet, folder)
        size = f"{args.size:,} individuals each"
        print(f"{args.nodes} node processes forked and listening in {nodes_up:.1f} s ({size})")
        run(fleet, keys, hub_key, args)


def run(fleet: Fleet, keys: dict[str, SigningKey], hub_key: SigningKey, args: argparse.Namespace) -> None:
    import httpx

    from pmbridge.signing import KeyRing, SignedRequests, verify_reply

    nodes = list(keys)
    rss = [memory_mb(fleet.pid(n)) for n in nodes]
    hub_rss = memory_mb(fleet.pid("breaker"))
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(len(nodes)) as pool:

        def direct(node: str) -> float:
            began = time.perf_counter()
            reply = client.post(
                fleet.urls[node] + "/api/individuals",
                content=BODY,
                headers=HEADERS,
                auth=SignedRequests(hub_key, audience=node),
            )
            verify_reply(reply, reply.content, keys=KeyRing({node: keys[node].verifying_key}))
            if reply.status_code != 200:
                raise SystemExit(f"{node} answered {reply.status_code}: {reply.text[:300]}")
            return time.perf_counter() - began

        def hub(name: str, expect: dict[str, int] | None) -> float:
            began = time.perf_counter()
            reply = client.post(fleet.urls[name] + "/api/individuals", content=BODY, headers=HEADERS)
            elapsed = time.perf_counter() - began
            said = [n["status"] for n in reply.json()["info"]["nodes"]] if reply.status_code == 200 else []
            counts = {s: said.count(s) for s in set(said)}
            if expect is not None and counts != expect:
                raise SystemExit(f"hub {name} answered {reply.status_code}: {counts or reply.text[:300]}")
            return elapsed

        def all_at_once() -> float:
            began = time.perf_counter()
            list(pool.map(direct, nodes))
            return time.perf_counter() - began

        healthy = {"ok": len(nodes)}
        for _ in range(3):  # warm-up: each node's first queries (seconds), then connections and caches
            for node in nodes:
                direct(node)
        for _ in range(3):
            hub("plain", None)
            hub("breaker", None)
            all_at_once()
        alone, plain, together = [], [], []
        for _ in range(args.repeat):
            alone.append(max(direct(node) for node in nodes))
            plain.append(hub("plain", healthy))
            together.append(all_at_once())
        hung = nodes[: args.hung]
        for node in hung:
            os.kill(fleet.pid(node), signal.SIGSTOP)
        answering = {"ok": len(nodes) - len(hung), "timeout": len(hung)}
        stalled = [hub("plain", answering) for _ in range(max(args.repeat // 2, 3))]
        warm_up = 0
        for attempt in range(1, 16):  # bounded: the breakers open after 3 timeouts and a failed health check
            warm_up = attempt
            began = time.perf_counter()
            reply = client.post(
                fleet.urls["breaker"] + "/api/individuals", content=BODY, headers=HEADERS
            ).json()
            statuses = [n["status"] for n in reply["info"]["nodes"]]
            if statuses.count("skipped") == len(hung):
                break
            time.sleep(max(0.0, args.deadline - (time.perf_counter() - began)))  # let the health checks end
        skipping = {"ok": len(nodes) - len(hung), "skipped": len(hung)}
        opened = [hub("breaker", skipping) for _ in range(args.repeat)]
        shown = client.get(fleet.urls["breaker"] + "/api/nodes").json()["nodes"]
        breaker = next(n["breaker"] for n in shown if n["id"] == hung[0])
    report(args, alone, plain, together, stalled, opened, warm_up, breaker, rss, hub_rss)


def report(
    args: argparse.Namespace,
    alone: list[float],
    plain: list[float],
    together: list[float],
    stalled: list[float],
    opened: list[float],
    warm_up: int,
    breaker: dict[str, object],
    rss: list[tuple[float, float]],
    hub_rss: tuple[float, float],
) -> None:
    (a50, a95) = percentiles(alone)

    def line(label: str, samples: list[float]) -> None:
        p50, p95 = percentiles(samples)
        print(
            f"  {label:<44} p50 {p50 * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms"
            f"   / slowest alone: p50 {p50 / a50:5.2f}x  p95 {p95 / a95:5.2f}x"
        )

    n, h = args.nodes, args.hung
    print(f"network count (HP:0000707, descendants) over {n} nodes, hub deadline {args.deadline:g} s:")
    line(f"(a) slowest node alone ({args.repeat} rounds)", alone)
    line(f"(b) hub, all {n} healthy ({args.repeat})", plain)
    line(f"(c) all {n} directly at once ({args.repeat})", together)
    line(f"(d) hub, {h} hung, breakers off ({len(stalled)})", stalled)
    print(f"      slowest (d) reply {max(stalled) * 1000:.0f} ms (deadline {args.deadline * 1000:.0f} ms)")
    line(f"(e) hub, {h} hung, breakers open ({len(opened)})", opened)
    (b50, b95), (c50, c95) = percentiles(plain), percentiles(together)
    print(f"  (b) / (c), the hub's own share: p50 {b50 / c50:.2f}x  p95 {b95 / c95:.2f}x")
    print(
        f"      breakers open after {warm_up} request(s); /api/nodes shows a hung node's breaker as {breaker}"
    )
    node_rss = sum(r for r, _ in rss)
    node_pss = sum(p for _, p in rss)
    print(
        f"memory: {n} nodes RSS {node_rss:,.0f} MB in all ({node_rss / n:.0f} MB each, pages shared after "
        f"fork counted in each), PSS {node_pss:,.0f} MB ({node_pss / n:.0f} MB each); a hub RSS "
        f"{hub_rss[0]:.0f} MB, PSS {hub_rss[1]:.0f} MB"
    )


if __name__ == "__main__":
    main()
