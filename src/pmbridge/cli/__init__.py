"""The ``pmbridge`` command line: one module per command group, all attached to one app."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

# Command modules register themselves on import.
from pmbridge.cli import (  # noqa: F401
    _access,
    _analyse,
    _app,
    _audit,
    _consensus,
    _consensus_run,
    _contacts,
    _convert,
    _demo,
    _generate,
    _ingest,
    _kb,
    _keys,
    _learn,
    _policy,
    _query,
    _rank,
    _serve,
    _store,
    _store_vcf,
    _vocab,
)
from pmbridge.errors import PMBridgeError

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``pmbridge`` console script: errors print their fix, not a traceback."""
    try:
        _app.app(standalone_mode=True)
    except PMBridgeError as exc:
        console = Console(stderr=True)
        console.print(f"[red]error[/] \\[{exc.code}]: {escape(exc.message)}", highlight=False)
        if exc.hint:
            console.print(f"hint: {escape(exc.hint)}", highlight=False)
        sys.exit(1)
