"""``python -m pmbridge.flower.runner``: the node's pinned ClientApp runner (see ``_runner``)."""

from __future__ import annotations

from pmbridge.flower._runner import main

if __name__ == "__main__":
    main()
