"""``pmbridge audit``: check that a node's or the hub's audit log is intact, and read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._app import app

if TYPE_CHECKING:
    from pmbridge.signing import VerifyingKey

audit_app = typer.Typer(
    help="The tamper-evident audit log: verify the chain, show entries.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")

console = Console()
errors = Console(stderr=True)


@audit_app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(help="The audit log (JSON lines).")],
    key: Annotated[
        list[str],
        typer.Option(
            "--key", help="Public key of the writer: a NAME.pub file or its ed25519: text; repeatable."
        ),
    ],
    head: Annotated[
        str | None,
        typer.Option("--head", help="Hash the last entry must have (catches entries cut off the end)."),
    ] = None,
) -> None:
    """Check every entry's hash, signature and place in the chain; exit 1 naming the first bad one."""
    from pmbridge.audit import verify_audit_log

    report = verify_audit_log(file, keys=[_key(k) for k in key], expect_head=head)
    if report.problem is not None:
        errors.print(
            f"[red]audit log {escape(str(file))} FAILED[/] at {escape(str(report.problem))}", soft_wrap=True
        )
        errors.print(
            f"the {report.entries} entries before it are intact (head {report.head})", soft_wrap=True
        )
        raise typer.Exit(1)
    console.print(
        f"audit log {escape(str(file))} OK: {report.entries} entries, head {report.head}", soft_wrap=True
    )


@audit_app.command("show")
def show_command(
    file: Annotated[Path, typer.Argument(help="The audit log (JSON lines).")],
    tail: Annotated[int | None, typer.Option("--tail", min=1, help="Only the last N entries.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON lines.")] = False,
) -> None:
    """List entries: seq, time, actor, action, rule, query and what was released (no checking)."""
    from pmbridge.audit import read_audit_log

    lines = read_audit_log(file, tail=tail)
    if as_json:
        for line in lines:
            typer.echo(
                json.dumps(
                    line.entry.to_json() if line.entry else {"line": line.number, "problem": line.problem}
                )
            )
        return
    table = Table(title=f"{escape(str(file))}: {len(lines)} entries shown")
    for column in ("seq", "time", "actor", "action", "rule", "query", "released"):
        table.add_column(column, overflow="fold")
    for line in lines:
        e = line.entry
        if e is None:
            table.add_row("?", "", "", "", "", f"line {line.number} {escape(line.problem)}", "")
            continue
        released = ", ".join(f"{k}={v}" for k, v in e.released.items())
        table.add_row(
            str(e.seq), e.time, escape(e.actor), e.action, escape(e.rule), escape(e.query), escape(released)
        )
    console.print(table)
    console.print("entries are not checked here: run `pmbridge audit verify FILE --key KEY`")


def _key(value: str) -> VerifyingKey:
    from pmbridge.signing import load_verifying_key, parse_public_key

    path = Path(value)
    return load_verifying_key(path) if path.is_file() else parse_public_key(value, where=f"--key {value}")
