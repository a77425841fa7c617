"""``pmbridge node serve`` and ``pmbridge hub serve``: run a node or the hub on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pmbridge.cli._app import app

node_app = typer.Typer(help="Run and manage a node.", no_args_is_help=True)
hub_app = typer.Typer(help="Run and manage the hub.", no_args_is_help=True)
app.add_typer(node_app, name="node")
app.add_typer(hub_app, name="hub")

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")]
ReadyFile = Annotated[Path | None, typer.Option(help="Write {url, pid} here once listening.")]


@node_app.command("serve")
def node_serve(
    config: Annotated[Path, typer.Option(help="Node config (TOML).")],
    host: Host = "127.0.0.1",
    port: Port = 0,
    ready_file: ReadyFile = None,
) -> None:
    """Serve a node's Beacon API from its store (opened read-only)."""
    from pmbridge.node import create_node_app, load_node_config, open_node
    from pmbridge.service import serve

    context = open_node(load_node_config(config))
    serve(create_node_app(context), host=host, port=port, ready_file=ready_file)


@node_app.command("learn")
def node_learn(
    config: Annotated[
        Path | None, typer.Option(help="Node config (TOML) with [learning] enabled = true.")
    ] = None,
    superlink: Annotated[
        str | None, typer.Option(help="The hub's SuperLink Fleet API (host:port) over learning.superlink.")
    ] = None,
    app_hash: Annotated[
        bool,
        typer.Option("--app-hash", help="Print the sha256 of the Flower app this pmbridge ships, and exit."),
    ] = False,
) -> None:
    """Take part in federated trainings: start the node's Flower SuperNode, which connects out to
    the hub's SuperLink, and the runner that runs only PM Bridge's own app; Ctrl-C stops both."""
    import time

    from pmbridge.flower import pmbridge_bundle, stop_all

    if app_hash:
        typer.echo(pmbridge_bundle().sha256)
        return
    if config is None:
        raise typer.BadParameter("give the node's config", param_hint="--config")
    from pmbridge.node import start_node_learning  # flwr loads only then

    services = start_node_learning(config, superlink=superlink)
    typer.echo(f"taking part in trainings (logs: {services[0].log.parent}); Ctrl-C stops")
    try:
        while all(s.process.poll() is None for s in services):
            time.sleep(0.5)
        dead = ", ".join(s.name for s in services if s.process.poll() is not None)
        typer.echo(f"stopped: {dead} exited (see {services[0].log.parent})", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("stopping…")
    finally:
        stop_all(services)


@hub_app.command("serve")
def hub_serve(
    config: Annotated[Path, typer.Option(help="Hub config with the node registry (TOML).")],
    host: Host = "127.0.0.1",
    port: Port = 0,
    ready_file: ReadyFile = None,
) -> None:
    """Serve the network Beacon, fanning out to the registered nodes, and the web portal at /."""
    from pmbridge.hub import load_hub_config
    from pmbridge.network_app import create_network_app
    from pmbridge.service import serve

    serve(create_network_app(load_hub_config(config)), host=host, port=port, ready_file=ready_file)
