"""The ``pmbridge`` command line: one module per command group, all attached to one app."""

from __future__ import annotations

# Command modules register themselves on import.
from pmbridge.cli import _app

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``pmbridge`` console script."""
    _app.app()
