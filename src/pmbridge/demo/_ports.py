"""The demo's ports, checked before any data is built: a taken port stops the demo at once, named,
with the options that move it, instead of after minutes of building."""

from __future__ import annotations

import socket
from collections.abc import Sequence

from pmbridge.demo._layout import DEMO_NODES
from pmbridge.errors import ConfigError

DEMO_HOST = "127.0.0.1"


def check_demo_ports(*, hub_port: int, node_ports: Sequence[int], host: str = DEMO_HOST) -> None:
    """Raise :class:`ConfigError` for the first port that is out of range, repeated or taken.

    Port 0 (any free port, chosen when the service starts) is never checked.
    """
    wanted = [("the hub", "--hub-port", hub_port)]
    wanted += [
        (node.id, "--node-port-base", port) for node, port in zip(DEMO_NODES, node_ports, strict=False)
    ]
    fix = "choose other ports, e.g. `scripts/demo --hub-port 8200 --node-port-base 8201` (0: any free port)"
    taken_by: dict[int, str] = {}
    for who, option, port in wanted:
        if port == 0:
            continue
        if not 0 < port < 65536:
            raise ConfigError(f"port {port} for {who} ({option}) is not a TCP port (1–65535)", hint=fix)
        if port in taken_by:
            raise ConfigError(f"port {port} is wanted by both {taken_by[port]} and {who}", hint=fix)
        taken_by[port] = who
        problem = bind_problem(host, port)
        if problem is not None:
            raise ConfigError(
                f"port {port} on {host}, wanted for {who} ({option}), is taken: {problem}",
                hint=f"stop the program listening there (an earlier demo? `ss -ltnp | grep :{port}` "
                f"names it), or {fix}",
            )


def bind_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host:port`` now, or None when it could."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as uvicorn does: a port whose last connection is in TIME_WAIT is free to serve on
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None
