"""The demo network for end-to-end tests: every node started side by side, then the hub over them.

:func:`pmbridge.demo.start_network` starts one process after another; each spends seconds importing
and loading the HPO before it listens, so tests that start a network start the nodes at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pmbridge.demo import DEMO_NODES, DemoPaths, Supervisor, write_hub_config


def start_side_by_side(
    supervisor: Supervisor,
    paths: DemoPaths,
    *,
    extra: Mapping[str, Path] | None = None,
    hub_deadline: float = 5.0,
    smtp_port: int | None = None,
    access: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """The demo nodes and any ``extra`` nodes (name -> config), then the hub over the demo nodes
    only (waiting ``hub_deadline`` seconds for them); returns name -> URL."""
    configs = {node.id: paths.node_config(node) for node in DEMO_NODES} | dict(extra or {})
    with ThreadPoolExecutor(len(configs)) as pool:
        started = {
            name: pool.submit(supervisor.start, name, ["node", "serve", "--config", str(config)])
            for name, config in configs.items()
        }
    urls = {name: service.result().url for name, service in started.items()}
    write_hub_config(
        paths,
        {node.id: urls[node.id] for node in DEMO_NODES},
        deadline_seconds=hub_deadline,
        smtp_port=smtp_port,
        access=access,
    )
    urls["hub"] = supervisor.start("hub", ["hub", "serve", "--config", str(paths.hub_config)]).url
    return urls
