"""``pmbridge kb``: search, show, import and export the hub's knowledge base (its TOML or a --db file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._app import app
from pmbridge.errors import ConfigError, KnowledgeImportRejected
from pmbridge.knowledge import (
    SEED_MARK,
    KnowledgeBase,
    Problem,
    SearchQuery,
    ensure_seeded,
    entity_view,
    load_files,
    seed_files,
    to_csv,
    to_document,
)

kb_app = typer.Typer(
    help="The knowledge hub: policies, programmes, stakeholders, standards and roadmap actions.",
    no_args_is_help=True,
)
app.add_typer(kb_app, name="kb")

console = Console()

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="The hub's TOML; its knowledge base is in hub.state_dir.")
]
DbOption = Annotated[Path | None, typer.Option("--db", help="A knowledge-base file (knowledge.sqlite).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _locate(config: Path | None, db: Path | None) -> tuple[Path, bool]:
    """The knowledge-base file named by --db or the hub's --config, and whether it gets the seed."""
    if db is not None and config is None:
        return db, False
    if config is not None and db is None:
        from pmbridge.hub import load_hub_config

        hub = load_hub_config(config)
        return hub.knowledge.database(hub.state_dir), hub.knowledge.seed
    raise ConfigError("say which knowledge base: --config hub.toml or --db FILE", hint="give exactly one")


def _open(config: Path | None, db: Path | None, *, seed: bool = False) -> KnowledgeBase:
    """The knowledge base, seeded as the hub would seed it (or when ``seed`` asks)."""
    path, seeded = _locate(config, db)
    kb = KnowledgeBase(path)
    if seed or seeded:
        ensure_seeded(kb)
    return kb


@kb_app.command("search")
def search_command(
    words: Annotated[list[str] | None, typer.Argument(help="Words in English or Chinese.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--type", help="Entry type, e.g. Policy.")] = None,
    jurisdiction: Annotated[list[str] | None, typer.Option(help="EU, CN, INT or a member state.")] = None,
    domain: Annotated[list[str] | None, typer.Option(help="Domain id, e.g. domain:big-data-ict.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Tag, e.g. genomics.")] = None,
    lang: Annotated[str, typer.Option(help="Language of names: en or zh-Hans.")] = "en",
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Entries matching every word (Chinese needs no spaces), best first, with facet counts."""
    kb = _open(config, db)
    result = kb.search(
        SearchQuery(
            text=" ".join(words or []),
            types=tuple(kind or ()),
            jurisdictions=tuple(jurisdiction or ()),
            domains=tuple(domain or ()),
            tags=tuple(tag or ()),
            limit=limit,
        )
    )
    if as_json:
        hits = [{"id": h.id, "type": h.type, "label": h.name.in_lang(lang)} for h in result.hits]
        facets = {k: dict(v) for k, v in result.facets.items()}
        sys.stdout.write(
            json.dumps({"total": result.total, "hits": hits, "facets": facets}, ensure_ascii=False)
        )
        sys.stdout.write("\n")
        return
    table = Table(title=f"{result.total} entries")
    for column in ("id", "type", "name", "jurisdiction"):
        table.add_column(column, overflow="fold")
    for h in result.hits:
        table.add_row(h.id, h.type, escape(h.name.in_lang(lang)), h.jurisdiction)
    console.print(table)
    for name in ("type", "jurisdiction", "domain"):
        counts = ", ".join(f"{value} {n}" for value, n in result.facets.get(name, ()))
        if counts:
            console.print(f"[bold]{name}[/]: {escape(counts)}", highlight=False)


@kb_app.command("show")
def show_command(
    entity_id: Annotated[str, typer.Argument(help="An entry id, e.g. policy:gdpr.")],
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One entry in both languages, with its links out and in (and an action's status history)."""
    view = entity_view(_open(config, db), entity_id)
    if as_json:
        sys.stdout.write(json.dumps(view, ensure_ascii=False, indent=1) + "\n")
        return
    e = view["entity"]
    console.print(f"[bold]{escape(e['name']['en'])}[/] / {escape(e['name']['zh-Hans'])}", highlight=False)
    facts = [e["id"], e["type"], e["jurisdiction"], e.get("startDate", ""), e.get("status", "")]
    console.print("  ".join(f for f in facts if f), highlight=False)
    console.print(escape(e["summary"]["en"]), highlight=False)
    console.print(escape(e["summary"]["zh-Hans"]), highlight=False)
    console.print(f"source: {escape(e['url'])}", highlight=False)
    if e.get("tags"):
        console.print(f"tags: {escape(', '.join(e['tags']))}", highlight=False)
    for direction in ("outgoing", "incoming"):
        for link in view[direction]:
            other, label, arrow = link["entity"], link["label"], "→" if direction == "outgoing" else "←"
            console.print(
                f"{arrow} {label['en']} / {label['zh-Hans']}: {other['id']} ({escape(other['name']['en'])})",
                highlight=False,
            )
    for change in view.get("history", []):
        moved = f"{change['from'] or '—'} → {change['to']}"
        console.print(
            f"{change['at']} {escape(change['by'])}: {moved} {escape(change['note'])}", highlight=False
        )


def _print_problems(problems: tuple[Problem, ...] | list[str]) -> None:
    for problem in problems:
        console.print(f"[red]problem[/] {escape(str(problem))}", highlight=False)


@kb_app.command("import")
def import_command(
    files: Annotated[list[Path] | None, typer.Argument(help="JSON-LD (.jsonld, .json) or CSV files.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Only validate; write nothing.")] = False,
    seed: Annotated[
        bool, typer.Option("--seed", help="Load the shipped seed first (once per base).")
    ] = False,
    actor: Annotated[
        str, typer.Option(help="Recorded as who made status changes the import brings.")
    ] = "import",
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Validate the files together and store them in one transaction; every problem is listed and a
    file with any problem writes nothing. Importing the same files again changes nothing."""
    paths = list(files or [])
    if check:  # against what is stored, and the seed where an import would load it first
        path, seeded = _locate(config, db)
        stored = KnowledgeBase(path) if path.exists() else None
        pending_seed = (seed or seeded) and (stored is None or stored.meta(SEED_MARK) is None)
        known = stored.kinds() if stored is not None else {}
        result = load_files([*(seed_files() if pending_seed else []), *paths], known=known)
        _print_problems(result.problems)
        console.print(f"{len(result.entities)} valid entries, {len(result.problems)} problems")
        raise typer.Exit(0 if result.ok else 1)
    kb = _open(config, db, seed=seed)
    if not paths:
        console.print(f"{len(kb.kinds())} entries in the knowledge base")
        return
    try:
        summary = kb.import_files(paths, actor=actor)
    except KnowledgeImportRejected as exc:
        _print_problems(exc.problems)
        raise
    console.print(
        f"{len(summary.added)} added, {len(summary.updated)} updated, {len(summary.unchanged)} unchanged; "
        f"{len(kb.kinds())} entries in the knowledge base"
    )


@kb_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option(help="File to write; .csv writes CSV, anything else JSON-LD.")],
    fmt: Annotated[str | None, typer.Option("--format", help="jsonld or csv (default: from --out).")] = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Write every entry to one JSON-LD document (inline context) or one CSV file."""
    kind = fmt or ("csv" if out.suffix.lower() == ".csv" else "jsonld")
    if kind not in ("jsonld", "csv"):
        raise ConfigError(f"unknown export format {kind!r}", hint="use --format jsonld or --format csv")
    entities = _open(config, db).entities()
    if kind == "csv":
        out.write_text(to_csv(entities), encoding="utf-8", newline="")
    else:
        out.write_text(
            json.dumps(to_document(entities), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    console.print(f"{len(entities)} entries written to {out}")
