"""The root Typer application that every command module attaches to."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="pmbridge",
    help="PM Bridge: federated personalised-medicine research across Europe and China.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
