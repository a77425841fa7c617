"""``pmbridge node contacts``: the steward's inbox of contact requests about matched patients."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from pmbridge.cli._serve import node_app


@node_app.command("contacts")
def contacts_command(
    config: Annotated[Path, typer.Option(help="Node config (TOML).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List the contact requests researchers sent through the hub, with the patient each concerns."""
    from rich.console import Console
    from rich.table import Table

    from pmbridge.node import inbox_path, list_contacts, load_node_config

    node = load_node_config(config)
    path = inbox_path(node.store)
    entries = list_contacts(path)
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(dataclasses.asdict(entry), ensure_ascii=False))
        return
    console = Console()
    if not entries:
        console.print(f"no contact requests for node {node.id} ({path})", highlight=False)
        return
    table = Table(title=f"Contact requests for node {node.id} ({len(entries)})", caption=str(path))
    for column in ("request", "received", "dataset", "individual", "match id", "from", "message"):
        table.add_column(column, overflow="fold")
    for e in entries:
        who = f"{e.researcher_name} <{e.researcher_email}>"
        who += f", {e.organisation}" if e.organisation else ""
        if e.passport_subject:
            who += f" (passport {e.passport_subject})"
        table.add_row(e.request_id, e.received_at, e.dataset, e.individual_id, e.match_id, who, e.message)
    console.print(table)
