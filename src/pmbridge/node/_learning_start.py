"""``start_node_learning`` for callers outside the node (the CLI, the demo) without loading Flower
when the node package is imported: Flower loads only when a node starts taking part."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmbridge.flower import Service


def start_node_learning(config_path: Path, *, superlink: str | None = None) -> list[Service]:
    """Start the node's SuperNode and pinned runner (see :mod:`pmbridge.node._learning_runtime`)."""
    from pmbridge.node._learning_runtime import start_node_learning as start

    return start(config_path, superlink=superlink)
