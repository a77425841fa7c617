"""Run an ASGI app on a socket we bind ourselves, so port 0 works and callers learn the real URL."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import uvicorn

__all__ = ["KEEP_ALIVE_SECONDS", "bind", "serve"]

KEEP_ALIVE_SECONDS = 30
"""How long a service keeps an idle connection open. Its clients (the hub's links to its nodes)
let theirs go sooner, so a request never goes out on a connection the server is closing."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP,
    # and without it every reply waits ~40 ms for Nagle and delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    app: Any, *, host: str, port: int, ready_file: Path | None = None, log_level: str = "warning"
) -> None:
    """Serve ``app`` until interrupted; once listening, write ``{"url": …, "pid": …}`` to ``ready_file``."""
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    url = f"http://{shown}:{bound_port}"
    # proxy_headers off: X-Forwarded-* count only where a node's or the hub's trust_proxy_headers
    # says so (uvicorn would otherwise apply X-Forwarded-Proto from any local client).
    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="on",
        timeout_graceful_shutdown=3,
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    server = uvicorn.Server(config)

    async def on_started() -> None:
        if ready_file is not None:
            tmp = ready_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
            tmp.replace(ready_file)

    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        await on_started()

    server.startup = startup  # type: ignore[method-assign]
    print(f"listening on {url}", flush=True)  # noqa: T201 - the URL is the command's output
    server.run(sockets=[sock])
