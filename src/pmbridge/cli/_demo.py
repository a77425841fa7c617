"""``pmbridge demo``: the local demo network with one command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pmbridge.cli._app import app
from pmbridge.workers import DEFAULT_STALL_SECONDS


@app.command("demo")
def demo_command(
    root: Annotated[Path, typer.Option("--dir", help="Folder for the demo's data and configs.")] = Path(
        "var/demo"
    ),
    size: Annotated[
        int, typer.Option(help="Synthetic individuals per node (first run, or when changed).")
    ] = 20_000,
    hub_port: Annotated[int, typer.Option(help="Hub port (0: any free port).")] = 8100,
    node_port_base: Annotated[
        int, typer.Option(help="First node port; nodes take the next ones (0: any).")
    ] = 8101,
    workers: Annotated[int, typer.Option(help="Processes for generating cohorts.")] = max(
        1, os.cpu_count() or 1
    ),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Reference-data directory (default: the documented lookup, else fetched)."),
    ] = None,
    stall_seconds: Annotated[
        float, typer.Option(help="Fail the build when no worker process finishes a task for this long.")
    ] = DEFAULT_STALL_SECONDS,
) -> None:
    """Start three nodes (Rome, Berlin, Shanghai) and the hub on 127.0.0.1; Ctrl-C stops them all.

    The portal is at the hub's URL. The first run downloads the HPO release when this machine has no
    reference data ($PMBRIDGE_REFERENCE_URL for a mirror), then generates and ingests a synthetic
    cohort per node; later runs reuse both.
    """
    from pmbridge.demo import run_demo

    if size < 1:
        raise typer.BadParameter("size must be at least 1", param_hint="--size")
    if stall_seconds <= 0:
        raise typer.BadParameter("stall-seconds must be positive", param_hint="--stall-seconds")
    ports = tuple(node_port_base + i for i in range(3)) if node_port_base else ()
    run_demo(
        root,
        size=size,
        workers=workers,
        hub_port=hub_port,
        node_ports=ports,
        data_dir=data_dir,
        say=typer.echo,
        stall_seconds=stall_seconds,
    )
