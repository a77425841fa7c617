"""``pmbridge store``: publish a node's DuckDB store as a lake (Delta tables + snapshot), and vacuum it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn
from rich.table import Table

from pmbridge.cli._app import app

store_app = typer.Typer(
    help="A node's store as a lake: Delta tables that DuckDB or Spark read (docs/scale.md).",
    no_args_is_help=True,
)
app.add_typer(store_app, name="store")

console = Console()


@store_app.command("publish")
def publish_command(
    store: Annotated[Path, typer.Option("--store", help="The node's DuckDB store file.")],
    lake: Annotated[Path, typer.Option("--lake", help="The lake directory (created when missing).")],
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    discard_appends: Annotated[
        bool,
        typer.Option(
            "--discard-appends",
            help="Publish although the lake holds appended rows (append-vcf) the store lacks: drops them.",
        ),
    ] = False,
) -> None:
    """Write every table of the store into the lake, replacing what it held, as one new snapshot.

    A lake that holds appends since its last publish (`pmbridge store append-vcf`) is refused: the
    store file lacks those rows. Ingest the same inputs into the store first, then publish with
    `--discard-appends`.

    Variants are partitioned by assembly and chromosome and sorted by position, so a point or range
    query reads few row groups. Readers (a node serving the lake) move to the new snapshot between
    two queries; the files it replaced stay until `pmbridge store vacuum`.
    """
    from pmbridge.store import NodeStore
    from pmbridge.store._lake_write import publish

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=quiet,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def shown(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = progress.add_task(table, total=total)
        progress.update(tasks[table], completed=done)

    with NodeStore.open(store, read_only=True) as node_store, progress:
        snapshot = publish(node_store, lake, progress=shown, discard_appends=discard_appends)
    rows = Table("table", "rows", "files", "Delta version", title=f"lake {escape(str(lake))}")
    for name, table in sorted(snapshot.tables.items()):
        rows.add_row(name, f"{table.rows:,}", str(len(table.files)), str(table.delta_version))
    console.print(rows)
    console.print(f"snapshot version {snapshot.version}", highlight=False)


@store_app.command("vacuum")
def vacuum_command(
    lake: Annotated[Path, typer.Option("--lake", help="The lake directory.")],
    keep_hours: Annotated[
        int,
        typer.Option(
            "--keep-hours", min=0, help="Keep files a snapshot of the last N hours listed (readers' queries)."
        ),
    ] = 24,
) -> None:
    """Delete the lake's files that no snapshot of the last --keep-hours hours lists (replaced by a
    later publish, or written by a publish or append that crashed before its snapshot)."""
    from pmbridge.store._lake_write import vacuum

    removed = vacuum(lake, keep_hours=keep_hours)
    console.print(f"removed {len(removed):,} files from {escape(str(lake))}", highlight=False)
