"""``pmbridge keys``: create the Ed25519 key pair of a node or the hub, and show a key's public text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pmbridge.cli._app import app

keys_app = typer.Typer(
    help="Ed25519 key pairs: every node and the hub sign with their own.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")

console = Console()


@keys_app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for NAME.key and NAME.pub.")],
    name: Annotated[str, typer.Option("--name", help="File name stem, e.g. hub or eu-rome.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing pair of that name.")] = False,
) -> None:
    """Write a new key pair: NAME.key (private, mode 600) and NAME.pub (public, for registries)."""
    from pmbridge.signing import generate_key_pair, save_key_pair

    key = generate_key_pair()
    files = save_key_pair(key, directory=out, name=name, overwrite=force)
    console.print(f"private key  {escape(str(files.private))} (mode 600: keep it on this machine)")
    console.print(f"public key   {escape(str(files.public))}")
    console.print(f"key id       {files.key_id}")
    console.print(f'registry     public_key = "{key.verifying_key.text}"', soft_wrap=True)


@keys_app.command("show")
def show_command(
    file: Annotated[Path, typer.Argument(help="A NAME.pub or NAME.key file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print key id, text and JWK as JSON.")] = False,
) -> None:
    """Show a key's id, the one-line text a registry holds, and its JWK (never the private part)."""
    from pmbridge.errors import ConfigError
    from pmbridge.signing import load_signing_key, load_verifying_key

    try:
        private = b"PRIVATE KEY" in file.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"key file {file} not found") from None
    public = load_signing_key(file).verifying_key if private else load_verifying_key(file)
    if as_json:
        doc = {"key_id": public.key_id, "public_key": public.text, "jwk": public.jwk()}
        typer.echo(json.dumps(doc, indent=2))
        return
    table = Table(show_header=False, title=f"{escape(str(file))}")
    table.add_row("key id", public.key_id)
    table.add_row("public key", public.text)
    table.add_row("thumbprint", public.thumbprint())
    table.add_row("JWK", json.dumps(public.jwk()))
    table.add_row("file holds", "private and public key" if private else "public key")
    console.print(table)
