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
    new_key: Annotated[
        bool,
        typer.Option(
            "--new-key",
            help="Create the SuperNode key at learning.supernode_key, print its public line for the hub's "
            "operator, and exit.",
        ),
    ] = False,
    show_key: Annotated[
        bool, typer.Option("--show-key", help="Print the public line of the SuperNode key, and exit.")
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
    if new_key or show_key:
        line, path, node = _supernode_key(config, create=new_key)
        typer.echo(line)
        typer.echo(f"({path}) the hub's operator sets this line as flower_key of node {node!r}", err=True)
        return
    from pmbridge.node import start_node_learning  # flwr loads only then

    services = start_node_learning(config, superlink=superlink)
    typer.echo(f"taking part in trainings (logs: {services[0].log.parent}); Ctrl-C stops")
    try:
        while all(s.process.poll() is None for s in services):
            time.sleep(0.5)
        dead = ", ".join(s.name for s in services if s.process.poll() is not None)
        typer.echo(f"stopped: {dead} exited (see {services[0].log.parent})", err=True)
        if any("Exit Code: 305" in s.tail() for s in services):  # Flower: the SuperLink refused the key
            typer.echo(
                "the SuperLink did not accept this node's SuperNode key: the hub's operator sets the line "
                "`pmbridge node learn --config … --show-key` prints as this node's flower_key",
                err=True,
            )
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("stopping…")
    finally:
        stop_all(services)


def _supernode_key(config: Path, *, create: bool) -> tuple[str, Path, str]:
    """The public line of the node's SuperNode key (created first with ``create``)."""
    from pmbridge.errors import ConfigError
    from pmbridge.node import load_node_config
    from pmbridge.signing import new_supernode_key, supernode_public_line

    settings = load_node_config(config)
    if settings.learning.supernode_key is None:
        raise ConfigError(
            f"{config}: learning.supernode_key is not set",
            hint='add supernode_key = "supernode.key" to its [learning] table (a path beside the config)',
        )
    path = Path(settings.learning.supernode_key)
    line = new_supernode_key(path) if create else supernode_public_line(path)
    return line, path, settings.id


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
