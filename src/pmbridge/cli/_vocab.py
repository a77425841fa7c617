"""``pmbridge vocab``: fetch the HPO reference data, search and show terms, report what is loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from pmbridge.cli._app import app
from pmbridge.errors import PMBridgeError
from pmbridge.vocab import (
    DEFAULT_RELEASE,
    Hpo,
    HpoTerm,
    fetch_reference_data,
    locate_data_dir,
    user_data_dir,
)
from pmbridge.vocab._fetch import BASE_URL_ENV_VAR, DEFAULT_BASE_URL, DEFAULT_ZH_REF, read_manifest

vocab_app = typer.Typer(
    help="HPO reference data: fetch the official release, search terms in English or Chinese.",
    no_args_is_help=True,
)
app.add_typer(vocab_app, name="vocab")

console = Console()

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Reference-data directory (default: the documented lookup order)."),
]


@vocab_app.command("fetch")
def fetch_command(
    release: Annotated[str, typer.Option(help="HPO release tag without the v.")] = DEFAULT_RELEASE,
    dest: Annotated[
        Path | None, typer.Option(help="Directory to fill (default: the user data directory).")
    ] = None,
    base_url: Annotated[
        str,
        typer.Option(envvar=BASE_URL_ENV_VAR, help="Where the GitHub repositories are served (for mirrors)."),
    ] = DEFAULT_BASE_URL,
    zh_ref: Annotated[
        str, typer.Option(help="hpo-translations commit or branch for the Chinese labels.")
    ] = DEFAULT_ZH_REF,
) -> None:
    """Download hp.obo, phenotype.hpoa, genes_to_phenotype.txt and the Chinese labels."""
    target = dest if dest is not None else user_data_dir()
    tasks: dict[str, TaskID] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console) as bar:

        def report(name: str, received: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=received)

        fetched = fetch_reference_data(
            dest=target, release=release, base_url=base_url, zh_ref=zh_ref, progress=report
        )
    table = Table(title=f"HPO {release} reference data in {target}")
    for column in ("file", "sha256", "url"):
        table.add_column(column, overflow="fold")
    for item in fetched:
        table.add_row(item.file, item.sha256[:16], item.url)
    console.print(table)
    console.print(f"MANIFEST.tsv written; point PM Bridge here with --data-dir or PMBRIDGE_DATA_DIR={target}")


@vocab_app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="Part of an English or Chinese label, or an HPO id.")],
    limit: Annotated[int, typer.Option(min=1, help="Most terms to list.")] = 20,
    data_dir: DataDirOption = None,
) -> None:
    """List HPO terms whose English or Chinese label contains TEXT."""
    hpo = _hpo(data_dir)
    found = hpo.search(text, limit=limit)
    table = Table(
        title=f"HPO {hpo.release}: {len(found)} terms matching {text!r}", caption=f"source: {hpo.source}"
    )
    for column in ("id", "English", "中文"):
        table.add_column(column)
    for term in found:
        table.add_row(term.id, term.name, _zh(hpo, term))
    console.print(table)
    if not hpo.labels_zh.available:
        console.print("Chinese labels not available: run `pmbridge vocab fetch`.")


@vocab_app.command("show")
def show_command(
    term_id: Annotated[str, typer.Argument(metavar="ID", help="HPO id, or an exact label.")],
    data_dir: DataDirOption = None,
) -> None:
    """Show one HPO term: labels, replacement, number of ancestors and descendants."""
    hpo = _hpo(data_dir)
    term = hpo.term(term_id)
    table = Table(show_header=False, title=f"{term.id} (HPO {hpo.release})")
    table.add_row("English", term.name)
    table.add_row("中文", _zh(hpo, term))
    table.add_row("obsolete", "yes" if term.obsolete else "no")
    if term.obsolete:
        table.add_row("replaced by", term.replaced_by or "(no replacement)")
    else:
        table.add_row("ancestors", str(len(hpo.ancestors(term.id, include_self=False))))
        table.add_row("descendants", str(len(hpo.descendants(term.id, include_self=False))))
    table.add_row("release", f"{hpo.release} ({hpo.source})")
    console.print(table)


@vocab_app.command("info")
def info_command(data_dir: DataDirOption = None) -> None:
    """Which reference data this process would use, and what is missing."""
    found = locate_data_dir(data_dir)
    table = Table(show_header=False, title="PM Bridge reference data")
    table.add_row("data directory", str(found.path))
    table.add_row("found via", found.source)
    try:
        hpo = Hpo.load(found)
    except PMBridgeError as error:
        table.add_row("HPO", f"cannot load: {error}")
    else:
        table.add_row("HPO release", f"{hpo.release} ({hpo.source}, {len(hpo)} current terms)")
        table.add_row("Chinese labels", f"{len(hpo.labels_zh)} ({hpo.labels_zh.source or 'missing'})")
    missing = found.missing()
    table.add_row("missing files", ", ".join(missing) if missing else "none")
    for entry in read_manifest(found.path):
        table.add_row(f"fetched {entry.file}", f"{entry.release} at {entry.fetched_at}")
    console.print(table)
    if missing:
        console.print("Run `pmbridge vocab fetch` to download the missing files.")


def _hpo(data_dir: Path | None) -> Hpo:
    return Hpo.load(locate_data_dir(data_dir)) if data_dir is not None else Hpo.load()


def _zh(hpo: Hpo, term: HpoTerm) -> str:
    label, fallback = hpo.labels_zh.label(term.id, term.name)
    return f"[dim](en) {label}[/]" if fallback else label
