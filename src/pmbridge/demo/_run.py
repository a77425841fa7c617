"""Run the demo network: check ports, find or fetch the HPO, build data once, start three nodes side
by side and then the hub, and stop them all on Ctrl-C."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

from pmbridge.demo._build import build_demo
from pmbridge.demo._delphi import seed_delphi_study
from pmbridge.demo._layout import DEMO_NODES, DEMO_ORGANISER, DemoPaths, write_hub_config
from pmbridge.demo._learning import DemoLearning
from pmbridge.demo._mail import LocalMailServer
from pmbridge.demo._ports import check_demo_ports
from pmbridge.demo._processes import Launch, Supervisor
from pmbridge.demo._reference import ensure_reference_data
from pmbridge.vocab import ENV_VAR
from pmbridge.workers import DEFAULT_STALL_SECONDS

Say = Callable[[str], None]


def start_network(
    supervisor: Supervisor,
    paths: DemoPaths,
    *,
    hub_port: int = 0,
    node_ports: tuple[int, ...] = (),
    smtp_port: int | None = None,
    learning_control: str | None = None,
) -> dict[str, str]:
    """Start every demo node at once, then the hub pointed at them (and at the demo's mail server
    when ``smtp_port`` is given); returns name -> URL."""
    nodes = [
        Launch(
            node.id,
            ["node", "serve", "--config", str(paths.node_config(node))],
            node_ports[index] if index < len(node_ports) else 0,
        )
        for index, node in enumerate(DEMO_NODES)
    ]
    started = supervisor.start_all(nodes)
    urls = {node.id: started[node.id].url for node in DEMO_NODES}  # in the nodes' order, not the race's
    public = f"http://127.0.0.1:{hub_port}" if hub_port else None  # an ephemeral port is known later
    write_hub_config(paths, urls, smtp_port=smtp_port, public_url=public, learning_control=learning_control)
    hub = supervisor.start("hub", ["hub", "serve", "--config", str(paths.hub_config)], port=hub_port)
    urls["hub"] = hub.url
    return urls


def summary(urls: dict[str, str]) -> list[str]:
    """What the demo says once the network is up: the portal first, then the API and each service."""
    hub = urls["hub"]
    lines = [
        f"Portal: {hub}/  (open it in a browser)",
        f"API:    {hub}/api  (Beacon v2; interactive docs at {hub}/docs)",
    ]
    lines += [f"{name:12s} {url}" for name, url in urls.items()]
    lines.append(f"Try: pmbridge query --url {hub} HP:0001250   (Ctrl-C stops everything)")
    return lines


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
    """Check ports, fetch the HPO and build (first run only), serve, and block until Ctrl-C or a
    service dies."""
    paths = DemoPaths(root)
    check_demo_ports(hub_port=hub_port, node_ports=node_ports)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` stops the network as cleanly as Ctrl-C
    located = ensure_reference_data(data_dir, say=say)
    try:
        build_demo(
            paths, size=size, workers=workers, data_dir=located.path, say=say, stall_seconds=stall_seconds
        )
    except KeyboardInterrupt:
        say("interrupted: nodes not built yet are built again by the next `pmbridge demo`")
        raise
    # The nodes and the hub look for the HPO themselves: point them at the folder the build used.
    with (
        LocalMailServer(paths.root) as mail,
        Supervisor(paths.run_dir, env={ENV_VAR: str(located.path.resolve())}) as supervisor,
        DemoLearning(paths) as learning,
    ):
        say("starting the three nodes, then the hub…")
        urls = start_network(
            supervisor, paths, hub_port=hub_port, node_ports=node_ports, smtp_port=mail.port,
            learning_control=learning.control,
        )  # fmt: skip
        learning.join()
        for line in summary(urls):
            say(line)
        say(f"Mail:   access-request notifications are delivered to {mail.mailbox} (one .eml per mail)")
        drafted = seed_delphi_study(urls["hub"], organiser=str(DEMO_ORGANISER["id"]), say=say)
        say(
            f"Delphi: {urls['hub']}/delphi (sign in as {DEMO_ORGANISER['id']}): "
            + (
                "a draft study, its 16 panellists' invitations (personal links) in the mailbox; lock it, "
                "open round 1 and answer as at least three of each group to see results"
                if drafted
                else "consensus studies (the demo study was drafted on an earlier run)"
            )
        )
        say(f"Learning: federated trainings at {urls['hub']}/learning (Flower logs in {learning.work})")
        try:
            while not supervisor.failed() and not learning.failed():
                time.sleep(0.5)
            dead = ", ".join([s.name for s in supervisor.failed()] + [s.name for s in learning.failed()])
            say(f"stopping: {dead} exited unexpectedly (logs in {paths.run_dir})")
        except KeyboardInterrupt:
            say("stopping…")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
