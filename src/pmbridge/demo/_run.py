"""Run the demo network: build data once, start three nodes and the hub, stop all on Ctrl-C."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

from pmbridge.demo._build import build_demo
from pmbridge.demo._layout import DEMO_NODES, DemoPaths, write_hub_config
from pmbridge.demo._processes import Supervisor
from pmbridge.workers import DEFAULT_STALL_SECONDS

Say = Callable[[str], None]


def start_network(
    supervisor: Supervisor, paths: DemoPaths, *, hub_port: int = 0, node_ports: tuple[int, ...] = ()
) -> dict[str, str]:
    """Start every demo node, then the hub pointed at them; returns name -> URL."""
    urls: dict[str, str] = {}
    for index, node in enumerate(DEMO_NODES):
        port = node_ports[index] if index < len(node_ports) else 0
        service = supervisor.start(
            node.id, ["node", "serve", "--config", str(paths.node_config(node))], port=port
        )
        urls[node.id] = service.url
    write_hub_config(paths, urls)
    hub = supervisor.start("hub", ["hub", "serve", "--config", str(paths.hub_config)], port=hub_port)
    urls["hub"] = hub.url
    return urls


def run_demo(
    root: Path,
    *,
    size: int,
    workers: int,
    hub_port: int,
    node_ports: tuple[int, ...],
    data_dir: Path | None = None,
    say: Say = print,
    stall_seconds: float = DEFAULT_STALL_SECONDS,
) -> None:
    """Build (first run only), serve, and block until Ctrl-C or a service dies."""
    paths = DemoPaths(root)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` stops the network as cleanly as Ctrl-C
    try:
        build_demo(paths, size=size, workers=workers, data_dir=data_dir, say=say, stall_seconds=stall_seconds)
    except KeyboardInterrupt:
        say("interrupted: nodes not built yet are built again by the next `pmbridge demo`")
        raise
    with Supervisor(paths.run_dir) as supervisor:
        urls = start_network(supervisor, paths, hub_port=hub_port, node_ports=node_ports)
        for name, url in urls.items():
            say(f"{name:12s} {url}")
        say(f"Try: pmbridge query --url {urls['hub']} HP:0001250   (Ctrl-C stops everything)")
        try:
            while not supervisor.failed():
                time.sleep(0.5)
            dead = ", ".join(s.name for s in supervisor.failed())
            say(f"stopping: {dead} exited unexpectedly (logs in {paths.run_dir})")
        except KeyboardInterrupt:
            say("stopping…")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
